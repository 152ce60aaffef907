package doctor

import (
	"context"
	"fmt"
	"strings"
	"testing"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
)

func machineYAML(ns, name, extra string) string {
	return fmt.Sprintf("apiVersion: vitistack.io/v1alpha1\nkind: Machine\nmetadata:\n  name: %s\n  namespace: %s\n%s", name, ns, extra)
}

func newDoctor(w *clustertest.World, o Options) *Doctor {
	if o.ClientVersion == "" {
		o.ClientVersion = "v0.37.2"
	}
	return &Doctor{Supervisor: w.Supervisor.Client, Resolver: w.Resolver(target.Options{}), Options: o}
}

// row finds the row of a check on a cluster.
func row(t *testing.T, r *Report, check, clusterName string) Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Check == check && c.Cluster == clusterName {
			return c
		}
	}
	t.Fatalf("no row %q on %s in\n%s", check, clusterName, show(r))
	return Check{}
}

func show(r *Report) string {
	var b strings.Builder
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "%s | %s | %s | %s\n", c.Check, c.Cluster, c.Result, c.Detail)
	}
	return b.String()
}

func want(t *testing.T, c Check, res Result, parts ...string) {
	t.Helper()
	if c.Result != res {
		t.Errorf("%s on %s: %s, want %s: %s", c.Check, c.Cluster, c.Result, res, c.Detail)
	}
	for _, p := range parts {
		if !strings.Contains(c.Detail, p) {
			t.Errorf("%s on %s: detail does not say %q: %s", c.Check, c.Cluster, p, c.Detail)
		}
	}
}

func TestAllOK(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a", "kv-b"}, machineYAML("team-a", "web", ""), machineYAML("team-b", "db", "  annotations:\n    vitistack.io/kubevirt-config: kv-b\n"))
	r := newDoctor(w, Options{}).Run(context.Background())
	if r.Count(OK) != len(r.Checks) {
		t.Fatalf("not all ok:\n%s", show(r))
	}
	var checks []string
	for _, c := range r.Checks {
		if c.Cluster == "kv-a" {
			checks = append(checks, c.Check)
		}
	}
	wantChecks := "kubeconfig,server,crd virtualmachines.kubevirt.io,crd virtualmachineinstances.kubevirt.io,crd storageprofiles.cdi.kubevirt.io," +
		"crd network-attachment-definitions.k8s.cni.cncf.io,default storageclass,permissions create,permissions diff,permissions ns-sync," +
		"permissions status,permissions delete,permissions resize,permissions power,permissions guest,permissions doctor,permissions describe,permissions orphans"
	if got := strings.Join(checks, ","); got != wantChecks {
		t.Errorf("kv-a's checks\n got %s\nwant %s", got, wantChecks)
	}
	if r.Checks[0].Check != "server" || r.Checks[0].Cluster != "supervisor" || r.Checks[0].Detail != "v1.37.2 (client 1.37)" {
		t.Errorf("first row %+v", r.Checks[0])
	}
	want(t, row(t, r, "machines", "supervisor"), OK, "2 Machines in all namespaces; none carries machine.vitistack.io/finalizer")
	want(t, row(t, r, "kubevirtconfigs", "supervisor"), OK, "2: kv-a, kv-b")
	want(t, row(t, r, "kubeconfig", "kv-b"), OK, `Secret vitistack/kv-b-kubeconfig key "kubeconfig": accepted`)
	want(t, row(t, r, "default storageclass", "kv-a"), OK, "standard")
	want(t, row(t, r, "permissions completion", "supervisor"), OK, "all 3 verbs allowed")
	for _, c := range append([]*clustertest.Cluster{w.Supervisor}, w.Remotes["kv-a"], w.Remotes["kv-b"]) {
		if c.Writes() != 0 {
			t.Errorf("%s: %d writes", c.ID, c.Writes())
		}
		for _, a := range c.Reviews() {
			if a.Namespace != "" {
				t.Errorf("%s: asked %+v in a namespace although everything is allowed cluster-wide", c.ID, a)
			}
		}
	}
	// One discovery per group-version, one list of the default class; nothing per Machine.
	if got := w.Remotes["kv-a"].Requests(); got["list storageclasses"] != 1 || len(got) != 2 {
		t.Errorf("kv-a requests %v", got)
	}
}

func TestKubeconfigFaultsGiveCreatesMessages(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"},
		clustertest.SecretYAML(clustertest.SecretNamespace, "nokey", "config", "x"),
		"apiVersion: vitistack.io/v1alpha1\nkind: KubevirtConfig\nmetadata:\n  name: kv-nokey\nspec:\n  secretNamespace: vitistack\n  kubeconfigSecretRef: nokey\n",
		clustertest.SecretYAML(clustertest.SecretNamespace, "exec", "kubeconfig", strings.Replace(clustertest.Kubeconfig(clustertest.Server("kv-a")), "{token: secret-token}", "{exec: {command: aws, apiVersion: client.authentication.k8s.io/v1}}", 1)),
		"apiVersion: vitistack.io/v1alpha1\nkind: KubevirtConfig\nmetadata:\n  name: kv-exec\nspec:\n  secretNamespace: vitistack\n  kubeconfigSecretRef: exec\n")
	r := newDoctor(w, Options{}).Run(context.Background())
	for _, name := range []string{"kv-nokey", "kv-exec"} {
		_, err := w.Resolver(target.Options{}).Client(context.Background(), name)
		if err == nil {
			t.Fatalf("%s: the resolver accepted it", name)
		}
		c := row(t, r, "kubeconfig", name)
		want(t, c, Fail, err.Error(), "fix Secret vitistack/")
		for _, other := range r.Checks {
			if other.Cluster == name && other.Check != "kubeconfig" {
				t.Errorf("%s: a check after a refused kubeconfig: %+v", name, other)
			}
		}
	}
	want(t, row(t, r, "kubeconfig", "kv-nokey"), Fail, `has no "kubeconfig" key (keys: config)`)
	want(t, row(t, r, "kubeconfig", "kv-exec"), Fail, "--allow-exec-plugin=aws")
	want(t, row(t, r, "server", "kv-a"), OK)
}

func TestUnreachableRemoteGetsNoMoreChecks(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"})
	d := newDoctor(w, Options{})
	d.Resolver = target.NewResolver(w.Supervisor.Client, target.Options{NewClient: func(id cluster.ID, _ *rest.Config) (*cluster.Client, error) {
		return cluster.NewFromDynamic(id, w.Remotes["kv-a"].Fake, ""), nil
	}})
	r := d.Run(context.Background())
	want(t, row(t, r, "server", "kv-a"), Fail, "no server version", "--remote-kubeconfig")
	for _, c := range r.Checks {
		if c.Cluster == "kv-a" && c.Check != "kubeconfig" && c.Check != "server" {
			t.Errorf("a check after the server failed: %+v", c)
		}
	}
	if n := len(w.Remotes["kv-a"].Fake.Actions()); n != 0 {
		t.Errorf("%d requests to the unreachable cluster", n)
	}
}

func TestMissingCRDsAndStorageClass(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"}, machineYAML("team", "m", ""))
	kv := w.Remotes["kv-a"]
	kv.Unserve(cluster.VirtualMachines, cluster.VirtualMachineInstances, cluster.StorageProfiles, cluster.NetworkAttachmentDefinitions)
	if err := kv.Fake.Tracker().Delete(cluster.StorageClasses.GVR, "", "standard"); err != nil {
		t.Fatal(err)
	}
	r := newDoctor(w, Options{}).Run(context.Background())
	want(t, row(t, r, "crd virtualmachines.kubevirt.io", "kv-a"), Fail, "kubevirt.io/v1 does not serve virtualmachines", "install KubeVirt")
	want(t, row(t, r, "crd virtualmachineinstances.kubevirt.io", "kv-a"), Warn, "status cannot show")
	want(t, row(t, r, "crd storageprofiles.cdi.kubevirt.io", "kv-a"), Warn, "install CDI")
	want(t, row(t, r, "crd network-attachment-definitions.k8s.cni.cncf.io", "kv-a"), Warn, "install Multus")
	want(t, row(t, r, "default storageclass", "kv-a"), Fail, "cluster kv-a has no default StorageClass (pass --storage-class")
	r = newDoctor(w, Options{StorageClass: "fast"}).Run(context.Background())
	want(t, row(t, r, "default storageclass", "kv-a"), OK, "--storage-class fast")
}

func TestSupervisorCRDs(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"}, machineYAML("team", "plain", ""), machineYAML("team", "net", "spec:\n  network:\n    networkNamespaceName: vlans\n"))
	w.Supervisor.Unserve(cluster.MachineClasses, cluster.NetworkNamespaces, cluster.NetworkConfigurations)
	r := newDoctor(w, Options{}).Run(context.Background())
	want(t, row(t, r, "crd machineclasses.vitistack.io", "supervisor"), Fail, "install the vitistack CRDs")
	want(t, row(t, r, "crd machines.vitistack.io", "supervisor"), OK, "served (vitistack.io/v1alpha1)")
	want(t, row(t, r, "crd networknamespaces.vitistack.io", "supervisor"), Fail, "Machines use networks", "team/net")

	w = clustertest.NewWorld([]string{"kv-a"}, machineYAML("team", "plain", ""))
	w.Supervisor.Unserve(cluster.NetworkNamespaces, cluster.NetworkConfigurations)
	r = newDoctor(w, Options{}).Run(context.Background())
	want(t, row(t, r, "crd networkconfigurations.vitistack.io", "supervisor"), OK, "not installed; no Machine uses networks")

	w.Supervisor.Unserve(cluster.Machines, cluster.KubevirtConfigs, cluster.MachineClasses)
	r = newDoctor(w, Options{}).Run(context.Background())
	want(t, row(t, r, "crd machines.vitistack.io", "supervisor"), Fail, "vitistack.io/v1alpha1 does not serve machines")
}

func TestMultusIsRequiredWhenAMachineNeedsIt(t *testing.T) {
	nn := func(ns, name, body string) string {
		return fmt.Sprintf("apiVersion: vitistack.io/v1alpha1\nkind: NetworkNamespace\nmetadata:\n  name: %s\n  namespace: %s\n%s", name, ns, body)
	}
	w := clustertest.NewWorld([]string{"kv-a", "kv-b"},
		machineYAML("pods", "m", ""), nn("pods", "dhcp", "spec: {}\n"),
		machineYAML("vlan", "m", "  annotations:\n    vitistack.io/kubevirt-config: kv-a\n"), nn("vlan", "a-first", "status:\n  vlanId: 0\n"), nn("vlan", "m", "status:\n  vlanId: 100\n"),
		machineYAML("static", "m", "  annotations:\n    vitistack.io/kubevirt-config: kv-a\nspec:\n  network:\n    networkNamespaceName: fixed\n"),
		nn("static", "fixed", "spec:\n  ipAllocation:\n    type: static\n"))
	for _, kv := range w.Remotes {
		kv.Unserve(cluster.NetworkAttachmentDefinitions)
	}
	r := newDoctor(w, Options{}).Run(context.Background())
	want(t, row(t, r, "crd network-attachment-definitions.k8s.cni.cncf.io", "kv-a"), Fail, "Machines static/m, vlan/m need a NetworkAttachmentDefinition")
	want(t, row(t, r, "crd network-attachment-definitions.k8s.cni.cncf.io", "kv-b"), Warn)

	s := &survey{networks: map[string][]vitistackv1alpha1.NetworkNamespace{"x": {
		{ObjectMeta: metav1.ObjectMeta{Namespace: "x", Name: "a"}, Status: vitistackv1alpha1.NetworkNamespaceStatus{VlanID: 100}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "x", Name: "b"}},
	}}}
	for _, tc := range []struct {
		m    machine
		uses bool
		need bool
	}{
		{machine{namespace: "x", name: "m"}, true, true},  // the first of the namespace
		{machine{namespace: "x", name: "b"}, true, false}, // the one named like the Machine
		{machine{namespace: "x", name: "m", networkNamespace: "gone"}, true, false},
		{machine{namespace: "y", name: "m"}, false, false},
	} {
		if s.usesNetworks(tc.m) != tc.uses || s.needsMultus(tc.m) != tc.need {
			t.Errorf("%+v: uses %v, needs %v", tc.m, s.usesNetworks(tc.m), s.needsMultus(tc.m))
		}
	}
}

func TestPermissionsNameTheMissingRules(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"}, machineYAML("team", "m", ""))
	read := func(a cluster.Access) bool {
		return a.Verb == "get" || a.Verb == "list" || a.Verb == "watch" || a.Resource == "selfsubjectaccessreviews"
	}
	w.Supervisor.Authorize(read)
	w.Remotes["kv-a"].Authorize(read)
	r := newDoctor(w, Options{}).Run(context.Background())
	want(t, row(t, r, "permissions create", "supervisor"), Fail,
		"missing {apiGroups: [vitistack.io], resources: [machines], verbs: [create, patch]} in namespace team; {apiGroups: [vitistack.io], resources: [networkconfigurations], verbs: [create, update]} in namespace team;",
		"grant them to you (examples/rbac-supervisor.yaml has them all)")
	want(t, row(t, r, "permissions ns-sync", "kv-a"), Fail, `{apiGroups: [""], resources: [namespaces], verbs: [create]}`, "Secret vitistack/kv-a-kubeconfig", "examples/rbac-remote.yaml")
	want(t, row(t, r, "permissions delete", "kv-a"), Fail, "{apiGroups: [kubevirt.io], resources: [virtualmachines], verbs: [delete]}")
	for _, c := range []string{"diff", "status", "doctor", "completion"} {
		want(t, row(t, r, "permissions "+c, "supervisor"), OK)
	}
	want(t, row(t, r, "permissions status", "kv-a"), OK)
	// A verb denied cluster-wide is asked again in the Machines' namespace, and only there.
	var inTeam int
	for _, a := range w.Supervisor.Reviews() {
		if a.Namespace == "team" {
			inTeam++
		} else if a.Namespace != "" {
			t.Errorf("asked in %q", a.Namespace)
		}
	}
	if inTeam == 0 {
		t.Error("nothing asked in the Machines' namespace")
	}

	w.Supervisor.Authorize(func(a cluster.Access) bool { return a.Resource != "namespaces" })
	r = newDoctor(w, Options{}).Run(context.Background())
	want(t, row(t, r, "permissions completion", "supervisor"), Warn, "missing (optional)", "completion does not work")

	w.Supervisor.Fail("create", "selfsubjectaccessreviews", "", apierrors.NewForbidden(schema.GroupResource{Group: "authorization.k8s.io", Resource: "selfsubjectaccessreviews"}, "", fmt.Errorf("no")))
	r = newDoctor(w, Options{}).Run(context.Background())
	want(t, row(t, r, "permissions create", "supervisor"), Fail, "could not ask: ask get machines.vitistack.io", "forbidden")
}

func TestMachinesOwnedByTheOperatorWarn(t *testing.T) {
	owned := "  finalizers: [machine.vitistack.io/finalizer]\n"
	var objs []any
	for i := range 7 {
		objs = append(objs, machineYAML("team", fmt.Sprintf("m%d", i), owned))
	}
	objs = append(objs, machineYAML("other", "free", ""))
	w := clustertest.NewWorld([]string{"kv-a"}, objs...)
	r := newDoctor(w, Options{}).Run(context.Background())
	want(t, row(t, r, "machines", "supervisor"), Warn, "owned by a running kubevirt-operator (finalizer machine.vitistack.io/finalizer), refused by create unless --force: "+
		"team/m0, team/m1, team/m2, team/m3, team/m4 (+2 more) (7 of 8 Machines in all namespaces)")
	if r.Count(Fail) != 0 {
		t.Errorf("a warning failed the run:\n%s", show(r))
	}
	r = newDoctor(w, Options{Namespace: "other"}).Run(context.Background())
	want(t, row(t, r, "machines", "supervisor"), OK, "1 Machine in namespace other")
	for _, a := range w.Supervisor.Reviews() {
		if a.Namespace != "" && a.Namespace != "other" && a.Namespace != "vitistack" {
			t.Errorf("-n other asked in %q", a.Namespace)
		}
	}
}

func TestSupervisorFaults(t *testing.T) {
	w := clustertest.NewWorld(nil)
	d := newDoctor(w, Options{})
	d.Supervisor = cluster.NewFromDynamic(cluster.SupervisorID, w.Supervisor.Fake, "")
	r := d.Run(context.Background())
	if len(r.Checks) != 1 || r.Checks[0].Result != Fail || !strings.Contains(r.Checks[0].Detail, "kubectl config current-context") {
		t.Errorf("an unreachable supervisor:\n%s", show(r))
	}

	r = newDoctor(w, Options{}).Run(context.Background())
	want(t, row(t, r, "kubevirtconfigs", "supervisor"), Fail, "none: register a remote cluster (examples/kubevirtconfig.yaml)")
	want(t, row(t, r, "machines", "supervisor"), OK, "0 Machines")

	w = clustertest.NewWorld([]string{"kv-a", "kv-b"})
	r = newDoctor(w, Options{KubevirtConfig: "kv-z"}).Run(context.Background())
	want(t, row(t, r, "kubevirtconfigs", "supervisor"), Fail, `KubevirtConfig "kv-z" not found on the supervisor (have: kv-a, kv-b)`)
	r = newDoctor(w, Options{KubevirtConfig: "kv-b"}).Run(context.Background())
	for _, c := range r.Checks {
		if c.Cluster == "kv-a" {
			t.Errorf("--kubevirt-config kv-b checked kv-a: %+v", c)
		}
	}

	forbidden := apierrors.NewForbidden(schema.GroupResource{Group: "vitistack.io", Resource: "machines"}, "", fmt.Errorf("no"))
	w.Supervisor.Fail("list", "machines", "", forbidden)
	w.Supervisor.Fail("list", "kubevirtconfigs", "", forbidden)
	w.Supervisor.Fail("list", "networknamespaces", "", forbidden)
	r = newDoctor(w, Options{}).Run(context.Background())
	want(t, row(t, r, "crd networknamespaces.vitistack.io", "supervisor"), Warn, "which Machines need Multus is unknown (grant list on networknamespaces.vitistack.io)")
	want(t, row(t, r, "machines", "supervisor"), Fail, "grant list on machines.vitistack.io, or pass -n NAMESPACE")
	want(t, row(t, r, "kubevirtconfigs", "supervisor"), Fail, "grant list on kubevirtconfigs.vitistack.io")
}

func TestOverride(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"}, machineYAML("team", "m", ""))
	d := newDoctor(w, Options{Override: true})
	d.Resolver = w.Resolver(target.Options{Override: &rest.Config{Host: clustertest.Server("kv-a")}, OverrideName: "my-context"})
	r := d.Run(context.Background())
	want(t, row(t, r, "kubeconfig", "my-context"), OK, "--remote-kubeconfig")
	want(t, row(t, r, "server", "my-context"), OK)
	want(t, row(t, r, "kubevirtconfigs", "supervisor"), OK, "not used")
	if r.Count(Fail) != 0 {
		t.Errorf("failures:\n%s", show(r))
	}
	d.Resolver = w.Resolver(target.Options{Override: &rest.Config{Host: "https://nowhere.test"}, OverrideName: "gone"})
	r = d.Run(context.Background())
	want(t, row(t, r, "kubeconfig", "remote"), Fail, "connection refused", "check --remote-kubeconfig")
}

func TestSkew(t *testing.T) {
	for _, tc := range []struct {
		server, client string
		res            Result
		detail         string
	}{
		{"v1.37.2", "v0.37.2", OK, "v1.37.2 (client 1.37)"},
		{"v1.36.0+k3s1", "v0.37.2", OK, "v1.36.0+k3s1 (client 1.37)"},
		{"v1.38.1", "v0.37.2", OK, "v1.38.1 (client 1.37)"},
		{"v1.34.5", "v0.37.2", Warn, "v1.34.5 is 3 minor versions older than the client (1.37; client-go supports one): upgrade the cluster"},
		{"v1.40.0", "v0.37.2", Warn, "v1.40.0 is 3 minor versions newer than the client (1.37; client-go supports one): upgrade the plugin"},
		{"v2.0.0", "v0.37.2", Warn, "not a Kubernetes 1.x server"},
		{"banana", "v0.37.2", Warn, "not a version the plugin can compare"},
		{"v1.30.0", "", OK, "v1.30.0 (client version unknown)"},
	} {
		res, detail := skew(tc.server, tc.client)
		if res != tc.res || !strings.Contains(detail, tc.detail) {
			t.Errorf("%s vs %s: %s %q", tc.server, tc.client, res, detail)
		}
	}
	// Test binaries may carry no module versions; the plugin's binary does (the e2e test of doctor
	// sees "client 1.37").
	if v := ClientGoVersion(); v != "" && !strings.HasPrefix(v, "v0.") {
		t.Errorf("client-go version from the build information: %q", v)
	}
}

func TestScopes(t *testing.T) {
	ms := []machine{{namespace: "b", name: "1"}, {namespace: "a", name: "2"}, {namespace: "b", name: "3", config: "kv-x"}}
	if got := namespaces(ms, Options{}); strings.Join(got, ",") != "a,b" {
		t.Errorf("machines' namespaces %v", got)
	}
	if got := namespaces(nil, Options{CurrentNamespace: "default"}); strings.Join(got, ",") != "default" {
		t.Errorf("no machines: %v", got)
	}
	if got := namespaces(ms, Options{Namespace: "only"}); strings.Join(got, ",") != "only" {
		t.Errorf("-n: %v", got)
	}
	s := &survey{machines: ms}
	if got := remoteScopes(s, remoteTarget{name: "kv-y", config: nil}, Options{}); len(got.MachineNamespaces) != 2 {
		t.Errorf("override: %+v", got)
	}
}

func TestAForbiddenSecretSaysWhatToGrant(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"})
	w.Supervisor.Fail("get", "secrets", "", apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "kv-a-kubeconfig", fmt.Errorf("no")))
	r := newDoctor(w, Options{}).Run(context.Background())
	want(t, row(t, r, "kubeconfig", "kv-a"), Fail, `read Secret "vitistack/kv-a-kubeconfig"`, "forbidden", "grant get on secrets in namespace vitistack (examples/rbac-supervisor.yaml)")
}
