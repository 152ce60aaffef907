package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"

	"github.com/vitistack/kubectl-vitimachine/pkg/access"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// doctorCheck is one row of `doctor -o json`.
type doctorCheck struct {
	Check   string `json:"check"`
	Cluster string `json:"cluster"`
	Result  string `json:"result"`
	Detail  string `json:"detail"`
}

// doctorOn runs `doctor -o json` on a supervisor and decodes the checks; the JSON must be exactly
// {"checks": [{"check","cluster","result","detail"}]}.
func (s *suite) doctorOn(t *testing.T, sup *testenv.Plane, code int, args ...string) []doctorCheck {
	t.Helper()
	r := mustExit(t, s.kubectl(t, call{args: append([]string{"vitimachine", "doctor", "-o", "json"}, args...), supervisor: sup}), code)
	var raw map[string][]map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil || len(raw) != 1 || raw["checks"] == nil {
		t.Fatalf("doctor -o json is not {\"checks\": [...]}: %v\n%s", err, r)
	}
	var out []doctorCheck
	for _, c := range raw["checks"] {
		keys := make([]string, 0, len(c))
		for k := range c {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if strings.Join(keys, ",") != "check,cluster,detail,result" {
			t.Fatalf("a check has keys %v, want exactly check, cluster, result, detail", keys)
		}
		out = append(out, doctorCheck{Check: c["check"].(string), Cluster: c["cluster"].(string), Result: c["result"].(string), Detail: c["detail"].(string)})
	}
	return out
}

func rowOf(t *testing.T, checks []doctorCheck, check, clusterName string) doctorCheck {
	t.Helper()
	for _, c := range checks {
		if c.Check == check && c.Cluster == clusterName {
			return c
		}
	}
	t.Fatalf("no row %q on %s:\n%s", check, clusterName, showChecks(checks))
	return doctorCheck{}
}

func showChecks(checks []doctorCheck) string {
	var b strings.Builder
	for _, c := range checks {
		fmt.Fprintf(&b, "%s | %s | %s | %s\n", c.Check, c.Cluster, c.Result, c.Detail)
	}
	return b.String()
}

// onlyFailure fails the test unless the one failing row is check on clusterName, with every part in
// its detail, and every other row is ok.
func onlyFailure(t *testing.T, checks []doctorCheck, check, clusterName string, parts ...string) {
	t.Helper()
	for _, c := range checks {
		switch {
		case c.Check == check && c.Cluster == clusterName:
			if c.Result != "fail" {
				t.Errorf("%s on %s: %s, want fail: %s", check, clusterName, c.Result, c.Detail)
			}
			mustContain(t, check, c.Detail, parts...)
		case c.Result != "ok":
			t.Errorf("another row is not ok: %+v", c)
		}
	}
	rowOf(t, checks, check, clusterName)
}

// supervisorNamespace makes a fresh namespace with one Machine on a supervisor plane.
func (s *suite) supervisorNamespace(t *testing.T, sup *testenv.Plane, machine string) string {
	t.Helper()
	ns := fmt.Sprintf("e2e-doc-%d", nsCounter.Add(1))
	s.create(t, sup, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n---\n"+machineYAML(ns, "m", "", machine))
	t.Cleanup(func() { _ = deleteObject(context.Background(), s.client(t, sup), cluster.Machines, ns, "m") })
	return ns
}

// notReviews are the plugin's writes other than access reviews, which store nothing.
func notReviews(events []auditEvent) []string {
	var out []string
	for _, e := range events {
		if writes([]auditEvent{e}) == 1 && (e.ObjectRef == nil || e.ObjectRef.Resource != "selfsubjectaccessreviews") {
			out = append(out, e.String())
		}
	}
	return out
}

func TestDoctorAllOKOnTheTestWorldAndWritesNothing(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.create(t, s.env.Supervisor, machineYAML(ns, "m", annotation(remoteA), ""))

	m := s.mark(t)
	checks := s.doctorOn(t, s.env.Supervisor, 0, "-n", ns)
	for _, c := range checks {
		if c.Result != "ok" {
			t.Errorf("not ok: %+v", c)
		}
	}
	for _, c := range []string{"supervisor", remoteA, remoteB} {
		rowOf(t, checks, "permissions create", c)
		if got := rowOf(t, checks, "server", c).Detail; got != "v1.37.2 (client 1.37)" {
			t.Errorf("%s server: %q", c, got)
		}
	}
	mustContain(t, "kv-a", rowOf(t, checks, "kubeconfig", remoteA).Detail, `Secret vitistack/kv-a-kubeconfig key "kubeconfig": accepted`)
	mustContain(t, "storage", rowOf(t, checks, "default storageclass", remoteA).Detail, testenv.DefaultStorageClass)
	mustContain(t, "machines", rowOf(t, checks, "machines", "supervisor").Detail, "1 Machine in namespace "+ns)
	// The request budget: each list once, one discovery request per group-version, and, since the
	// admin may do everything cluster-wide, one review per verb and resource, none per namespace.
	sup := map[string]int{"get <non-resource /version>": 1, "get <non-resource /apis/vitistack.io/v1alpha1>": 1, "list kubevirtconfigs": 1,
		"list machines": 1, "list networknamespaces": 1, "get secrets": 2, "create selfsubjectaccessreviews": distinctVerbs(true)}
	remote := map[string]int{"get <non-resource /version>": 1, "get <non-resource /apis/kubevirt.io/v1>": 1, "get <non-resource /apis/cdi.kubevirt.io/v1beta1>": 1,
		"get <non-resource /apis/k8s.cni.cncf.io/v1>": 1, "list storageclasses": 1, "create selfsubjectaccessreviews": distinctVerbs(false)}
	for _, p := range s.planes() {
		ev := s.requests(t, m, p)
		if w := notReviews(ev); len(w) > 0 {
			t.Errorf("%s: doctor wrote %v", p.Name, w)
		}
		want := remote
		switch p {
		case s.nsSup:
			want = map[string]int{}
		case s.env.Supervisor:
			want = sup
		}
		if got := show(budget(ev)); got != show(want) {
			t.Errorf("%s: requests\n got %s\nwant %s", p.Name, got, show(want))
		}
	}

	// The table, on a terminal or not: no colour when piped; the same rows.
	r := mustSucceed(t, s.plugin(t, "doctor", "-n", ns))
	if strings.Contains(r.stdout, "\x1b[") || !strings.HasPrefix(r.stdout, "CHECK") || !strings.Contains(r.stdout, fmt.Sprintf("%d ok, 0 warn, 0 fail", len(checks))) {
		t.Errorf("table:\n%s", r)
	}
	r = mustSucceed(t, s.plugin(t, "doctor", "-n", ns, "--color=always"))
	mustContain(t, "coloured table", r.stdout, "\x1b[32mok\x1b[0m")
	r = mustSucceed(t, s.plugin(t, "doctor", "-n", ns, "-o", "yaml", "--color=always"))
	var y struct {
		Checks []doctorCheck `json:"checks"`
	}
	if err := yaml.Unmarshal([]byte(r.stdout), &y); err != nil || len(y.Checks) != len(checks) || strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("yaml (%v):\n%s", err, r)
	}
}

// distinctVerbs is the number of access reviews doctor asks a cluster that allows everything.
func distinctVerbs(supervisor bool) int {
	role := cluster.Remote
	if supervisor {
		role = cluster.Supervisor
	}
	seen := map[string]bool{}
	for _, r := range access.Rules() {
		if r.Role == role {
			for _, v := range r.Verbs {
				seen[r.Group()+"/"+r.Name()+"/"+v] = true
			}
		}
	}
	return len(seen)
}

func TestDoctorWarnsAboutMachinesTheOperatorOwns(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.create(t, s.env.Supervisor, strings.Replace(machineYAML(ns, "owned", "", ""), "metadata:\n", "metadata:\n  finalizers: [machine.vitistack.io/finalizer]\n", 1))
	t.Cleanup(func() {
		_ = s.client(t, s.env.Supervisor).MergePatch(context.Background(), cluster.Machines, ns, "owned", []byte(`{"metadata":{"finalizers":null}}`), cluster.WriteOptions{FieldManager: testenv.HarnessUserAgent})
	})
	checks := s.doctorOn(t, s.env.Supervisor, 0, "-n", ns, "--kubevirt-config", remoteA)
	c := rowOf(t, checks, "machines", "supervisor")
	if c.Result != "warn" {
		t.Errorf("machines: %+v", c)
	}
	mustContain(t, "machines", c.Detail, "owned by a running kubevirt-operator (finalizer machine.vitistack.io/finalizer), refused by create unless --force: "+ns+"/owned (1 of 1 Machine in namespace "+ns+")")
	for _, c := range checks {
		if c.Cluster == remoteB {
			t.Errorf("--kubevirt-config %s checked %s: %+v", remoteA, remoteB, c)
		}
	}
}

// registerSecret registers a KubevirtConfig on the ns-sync supervisor whose Secret holds value under
// key, for one test.
func (s *suite) registerSecret(t *testing.T, name, key, value string) {
	t.Helper()
	sup := s.client(t, s.nsSup)
	secret := testenv.Object("v1", "Secret", testenv.SecretNamespace, name+"-kubeconfig")
	secret.Object["stringData"] = map[string]any{key: value}
	kc := testenv.Object("vitistack.io/v1alpha1", "KubevirtConfig", "", name)
	kc.Object["spec"] = map[string]any{"name": name, "secretNamespace": testenv.SecretNamespace, "kubeconfigSecretRef": name + "-kubeconfig"}
	ctx := context.Background()
	if err := testenv.Create(ctx, sup, cluster.Secrets, secret); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Create(ctx, sup, cluster.KubevirtConfigs, kc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = deleteObject(ctx, sup, cluster.KubevirtConfigs, "", name)
		_ = deleteObject(ctx, sup, cluster.Secrets, testenv.SecretNamespace, name+"-kubeconfig")
	})
}

// withExec gives a kubeconfig's user an exec credential plugin instead of its credentials.
func withExec(t *testing.T, kubeconfig []byte) []byte {
	t.Helper()
	cfg, err := clientcmd.Load(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	u := cfg.AuthInfos[cfg.Contexts[cfg.CurrentContext].AuthInfo]
	u.ClientCertificateData, u.ClientKeyData, u.Token = nil, nil, ""
	u.Exec = &clientcmdapi.ExecConfig{Command: "get-token", APIVersion: "client.authentication.k8s.io/v1", InteractiveMode: clientcmdapi.NeverExecInteractiveMode}
	out, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDoctorKubeconfigFaultsSayWhatCreateSays(t *testing.T) {
	s := needEnv(t)
	ns := s.supervisorNamespace(t, s.nsSup, "")
	s.registerSecret(t, "kv-doc-nokey", "config", "not here")
	s.registerTemporarily(t, "kv-doc-exec", withExec(t, s.env.Remote(remoteA).Kubeconfig))
	for _, tc := range []struct{ config, says string }{
		{"kv-doc-nokey", `KubevirtConfig "kv-doc-nokey": Secret "vitistack/kv-doc-nokey-kubeconfig" has no "kubeconfig" key (keys: config)`},
		{"kv-doc-exec", `KubevirtConfig "kv-doc-exec": Secret "vitistack/kv-doc-exec-kubeconfig" key "kubeconfig": users["envtest"].exec: exec credential plugin "get-token" is refused (allow it with --allow-exec-plugin=get-token)`},
	} {
		m := s.mark(t)
		checks := s.doctorOn(t, s.nsSup, 2, "-n", ns, "--kubevirt-config", tc.config)
		onlyFailure(t, checks, "kubeconfig", tc.config, tc.says, "fix Secret vitistack/"+tc.config+"-kubeconfig")
		for _, c := range checks {
			if c.Cluster == tc.config && c.Check != "kubeconfig" {
				t.Errorf("a check after the refused kubeconfig: %+v", c)
			}
		}
		// create refuses it with the same words, before anything is written.
		file := writeFile(t, "m.yaml", machineYAML(ns, "from-file", annotation(tc.config), ""))
		r := mustExit(t, s.kubectl(t, call{args: []string{"vitimachine", "create", "-f", file, "--dry-run=client"}, supervisor: s.nsSup}), 2)
		mustContain(t, "create", r.stdout+r.stderr, tc.says)
		if w := notReviews(s.requests(t, m, s.nsSup)); len(w) > 0 {
			t.Errorf("writes: %v", w)
		}
	}
}

func TestDoctorDeadAndHangingRemotesCostTheirTimeoutOnce(t *testing.T) {
	s := needEnv(t)
	ns := s.supervisorNamespace(t, s.nsSup, "")
	good := s.env.Remote(remoteA).Kubeconfig
	s.registerTemporarily(t, "kv-doc-dead", withServer(t, good, closedPort(t)))
	s.registerTemporarily(t, "kv-doc-hang", withServer(t, good, hangingServer(t)))

	const timeout = 3 * time.Second
	start := time.Now()
	checks := s.doctorOn(t, s.nsSup, 2, "-n", ns, "--cluster-timeout", timeout.String())
	took := time.Since(start)

	for _, c := range []string{"kv-doc-dead", "kv-doc-hang"} {
		var rows []string
		for _, ch := range checks {
			if ch.Cluster == c {
				rows = append(rows, ch.Check+" "+ch.Result)
			}
		}
		if strings.Join(rows, ", ") != "kubeconfig ok, server fail" {
			t.Errorf("%s: rows %v, want only the kubeconfig and the failed server", c, rows)
		}
	}
	mustContain(t, "dead", rowOf(t, checks, "server", "kv-doc-dead").Detail, "connection refused", "--remote-kubeconfig")
	mustContain(t, "hanging", rowOf(t, checks, "server", "kv-doc-hang").Detail, "did not answer within --cluster-timeout=3s")
	for _, c := range checks {
		if (c.Cluster == remoteA || c.Cluster == remoteB || c.Cluster == "supervisor") && c.Result != "ok" {
			t.Errorf("a healthy cluster's row is not ok: %+v", c)
		}
	}
	// The clusters are checked in parallel and the hanging one costs its deadline once; the bound is
	// loose on purpose (a loaded machine), the broken behaviour takes several timeouts.
	if took > 3*timeout {
		t.Errorf("doctor took %s with --cluster-timeout=%s", took.Round(time.Millisecond), timeout)
	}
}

func TestDoctorRemoteWithoutTheVMCRDOrADefaultStorageClass(t *testing.T) {
	s := needEnv(t)
	plane, err := testenv.StartRemote("kv-bare", []string{"virtualmachineinstances.kubevirt.io", "storageprofiles.cdi.kubevirt.io", "network-attachment-definitions.k8s.cni.cncf.io"}, testenv.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = plane.Stop() })
	s.registerTemporarily(t, "kv-bare", plane.Kubeconfig)
	ns := s.supervisorNamespace(t, s.nsSup, "")

	checks := s.doctorOn(t, s.nsSup, 2, "-n", ns, "--kubevirt-config", "kv-bare", "--storage-class", "fast")
	onlyFailure(t, checks, "crd virtualmachines.kubevirt.io", "kv-bare", "kubevirt.io/v1 does not serve virtualmachines", "install KubeVirt")

	if err := plane.InstallCRDs("virtualmachines.kubevirt.io"); err != nil {
		t.Fatal(err)
	}
	checks = s.doctorOn(t, s.nsSup, 2, "-n", ns, "--kubevirt-config", "kv-bare")
	onlyFailure(t, checks, "default storageclass", "kv-bare",
		"cluster kv-bare has no default StorageClass (pass --storage-class, or mark a class with storageclass.kubernetes.io/is-default-class=true)")

	s.create(t, plane, "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: fast\n  annotations:\n    storageclass.kubernetes.io/is-default-class: \"true\"\nprovisioner: example.com/none\n")
	checks = s.doctorOn(t, s.nsSup, 0, "-n", ns, "--kubevirt-config", "kv-bare")
	if got := rowOf(t, checks, "default storageclass", "kv-bare").Detail; got != "fast" {
		t.Errorf("default class %q", got)
	}
}

// rbacUser makes a remote user in group, registers a KubevirtConfig for it on the ns-sync
// supervisor, and returns the doctor arguments that impersonate the supervisor user in group.
func (s *suite) rbacUser(t *testing.T, config, user, group string) []string {
	t.Helper()
	kc, err := s.env.Remote(remoteA).AddUser(user, group)
	if err != nil {
		t.Fatal(err)
	}
	s.registerTemporarily(t, config, kc)
	return []string{"--as", user, "--as-group", group, "--kubevirt-config", config}
}

func TestDoctorWithExactlyTheDocumentedRBACIsAllOK(t *testing.T) {
	s := needEnv(t)
	s.ensureFile(t, s.nsSup, filepath.Join(repoRoot(), access.ExampleFile(cluster.Supervisor)))
	s.ensureFile(t, s.env.Remote(remoteA), filepath.Join(repoRoot(), access.ExampleFile(cluster.Remote)))
	ns := s.supervisorNamespace(t, s.nsSup, "")
	as := s.rbacUser(t, "kv-doc-full", "e2e-doctor-full", access.ExampleOptions().Group)

	m := s.mark(t)
	checks := s.doctorOn(t, s.nsSup, 0, append([]string{"-n", ns}, as...)...)
	for _, c := range checks {
		if c.Result != "ok" {
			t.Errorf("not ok with the documented RBAC: %+v", c)
		}
	}
	rowOf(t, checks, "permissions delete", "kv-doc-full")
	// The same user outside the group holds nothing: the roles, not the impersonation, made it ok.
	checks = s.doctorOn(t, s.nsSup, 2, "-n", ns, "--as", "e2e-doctor-full", "--kubevirt-config", "kv-doc-full")
	if c := rowOf(t, checks, "kubevirtconfigs", "supervisor"); c.Result != "fail" || !strings.Contains(c.Detail, "forbidden") || !strings.Contains(c.Detail, "grant list on kubevirtconfigs.vitistack.io") {
		t.Errorf("without the group: %+v", c)
	}
	mustContain(t, "machines", rowOf(t, checks, "permissions create", "supervisor").Detail, "{apiGroups: [vitistack.io], resources: [machines], verbs: [get, list, create, patch]}")
	for _, p := range []*testenv.Plane{s.nsSup, s.env.Remote(remoteA)} {
		if w := notReviews(s.requests(t, m, p)); len(w) > 0 {
			t.Errorf("%s: writes %v", p.Name, w)
		}
	}
}

func TestDoctorWithOnlyTheReadHalfNamesTheMissingVerbs(t *testing.T) {
	s := needEnv(t)
	read := access.ManifestOptions{Prefix: "e2e-doctor-read", Group: "e2e:doctor-readers", SecretNamespace: testenv.SecretNamespace, Verbs: []string{"get", "list", "watch"}}
	s.ensure(t, s.nsSup, access.Manifest(cluster.Supervisor, read))
	s.ensure(t, s.env.Remote(remoteA), access.Manifest(cluster.Remote, read))
	ns := s.supervisorNamespace(t, s.nsSup, "")
	as := s.rbacUser(t, "kv-doc-read", "e2e-doctor-reader", read.Group)

	checks := s.doctorOn(t, s.nsSup, 2, append([]string{"-n", ns}, as...)...)
	for _, c := range checks {
		if !strings.HasPrefix(c.Check, "permissions ") {
			if c.Result != "ok" {
				t.Errorf("only permissions may fail: %+v", c)
			}
			continue
		}
		role, who := cluster.Supervisor, "you"
		if c.Cluster == "kv-doc-read" {
			role, who = cluster.Remote, "the identity in Secret vitistack/kv-doc-read-kubeconfig"
		}
		missing := writeVerbs(access.Command(strings.TrimPrefix(c.Check, "permissions ")), role, ns)
		switch {
		case missing == "" && c.Result != "ok":
			t.Errorf("%s on %s needs no write, yet: %+v", c.Check, c.Cluster, c)
		case missing != "" && (c.Result != "fail" || !strings.HasPrefix(c.Detail, "missing "+missing+"; grant them to "+who)):
			t.Errorf("%s on %s:\n got %s: %s\nwant fail: missing %s; grant them to %s", c.Check, c.Cluster, c.Result, c.Detail, missing, who)
		}
	}
	// The rows name the verbs, and the RBAC to add.
	mustContain(t, "create", rowOf(t, checks, "permissions create", "supervisor").Detail,
		"{apiGroups: [vitistack.io], resources: [machines], verbs: [create, patch]} in namespace "+ns)
	mustContain(t, "ns-sync", rowOf(t, checks, "permissions ns-sync", "kv-doc-read").Detail, `{apiGroups: [""], resources: [namespaces], verbs: [create]}`)
	if c := rowOf(t, checks, "permissions status", "kv-doc-read"); c.Result != "ok" {
		t.Errorf("status only reads: %+v", c)
	}
}

// writeVerbs are the rules a command lacks with only get, list and watch, as doctor words them.
func writeVerbs(c access.Command, role cluster.Role, ns string) string {
	var gaps []access.Gap
	for _, r := range access.RulesFor(role, c) {
		for _, v := range r.Verbs {
			if v == "get" || v == "list" || v == "watch" || r.Resource == cluster.SelfSubjectAccessReviews {
				continue // reads are held; access reviews are every authenticated user's
			}
			g := access.Gap{Rule: r, Verb: v}
			if r.Scope != access.ClusterWide {
				g.Namespaces = []string{ns}
			}
			gaps = append(gaps, g)
		}
	}
	return access.MissingRules(gaps)
}

// TestDoctorWithTheOverride checks the --remote-kubeconfig cluster instead of the KubevirtConfigs.
func TestDoctorWithTheOverride(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	path := filepath.Join(t.TempDir(), "remote.kubeconfig")
	if err := os.WriteFile(path, s.env.Remote(remoteB).Kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	checks := s.doctorOn(t, s.env.Supervisor, 0, "-n", ns, "--remote-kubeconfig", path)
	var clusters []string
	for _, c := range checks {
		if !slices.Contains(clusters, c.Cluster) {
			clusters = append(clusters, c.Cluster)
		}
		if c.Result != "ok" {
			t.Errorf("not ok: %+v", c)
		}
	}
	if len(clusters) != 2 || clusters[0] != "supervisor" {
		t.Errorf("clusters %v, want the supervisor and the override's context", clusters)
	}
	mustContain(t, "kubeconfig", rowOf(t, checks, "kubeconfig", clusters[1]).Detail, "--remote-kubeconfig")
}

// TestDoctorLeaksNothingAtAnyVerbosity runs doctor, which reads every KubevirtConfig's Secret, at
// every -v and looks for the remote's credentials in everything it prints.
func TestDoctorLeaksNothingAtAnyVerbosity(t *testing.T) {
	s := needEnv(t)
	ns := s.supervisorNamespace(t, s.nsSup, "")
	s.registerTemporarily(t, "kv-doc-leak", withExec(t, s.env.Remote(remoteA).Kubeconfig))
	cfg, err := clientcmd.Load(s.env.Remote(remoteA).Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	user := cfg.AuthInfos[cfg.Contexts[cfg.CurrentContext].AuthInfo]
	secrets := map[string]string{
		"client key (PEM)":   string(user.ClientKeyData[40:100]),
		"client certificate": string(user.ClientCertificateData[40:100]),
		"kubeconfig Secret":  "client-key-data",
	}
	for v := 0; v <= 10; v++ {
		r := s.kubectl(t, call{args: []string{"vitimachine", "doctor", "-n", ns, fmt.Sprintf("-v=%d", v)}, supervisor: s.nsSup})
		if r.code != 2 || !strings.Contains(r.stdout, "kv-doc-leak") {
			t.Fatalf("-v=%d:\n%s", v, r)
		}
		for what, secret := range secrets {
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("-v=%d: %s leaked", v, what)
			}
		}
	}
}

// TestTheDocumentedRBACCoversNetworksCloudInitAndDelete runs, as users holding exactly the
// generated examples/rbac-*.yaml, what the table promises beyond the plain pipeline: a VLAN Machine
// with cloud-init from a Secret (a NetworkAttachmentDefinition, the NetworkConfiguration with its
// MAC, the cloud-init Secret), doctor, and delete --machine --wait of all of it.
func TestTheDocumentedRBACCoversNetworksCloudInitAndDelete(t *testing.T) {
	s := needEnv(t)
	a := s.env.Remote(remoteA)
	group := access.ExampleOptions().Group
	s.ensureFile(t, s.env.Supervisor, filepath.Join(repoRoot(), access.ExampleFile(cluster.Supervisor)))
	s.ensureFile(t, a, filepath.Join(repoRoot(), access.ExampleFile(cluster.Remote)))
	remoteKC, err := a.AddUser("e2e-doctor-provisioner", group)
	if err != nil {
		t.Fatal(err)
	}
	sup := s.client(t, s.env.Supervisor)
	if err := testenv.RegisterRemote(context.Background(), sup, "kv-a-rbac", remoteKC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = deleteObject(context.Background(), sup, cluster.KubevirtConfigs, "", "kv-a-rbac")
		_ = deleteObject(context.Background(), sup, cluster.Secrets, testenv.SecretNamespace, "kv-a-rbac-kubeconfig")
	})
	supKC, err := s.env.Supervisor.AddUser("e2e-doctor-operator", group)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig := writeFile(t, "user.kubeconfig", string(supKC))
	ns := s.namespace(t)
	s.networkNamespace(t, ns, "net", 100, "")
	s.create(t, s.env.Supervisor, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ci\n  namespace: "+ns+"\nstringData:\n  userdata: \"#cloud-config\\n\"\n")
	file := writeFile(t, "m.yaml", machineYAML(ns, "full", annotation("kv-a-rbac"),
		"  machineClass: small\n  network:\n    networkNamespaceName: net\n  cloudInit:\n    userDataSecretRef:\n      name: ci\n  disks:\n    - name: root\n      sizeGB: 10\n      boot: true\n"))
	as := []string{"--kubeconfig", kubeconfig, "--naming", "operator"}

	mustExit(t, s.plugin(t, append([]string{"diff", "-f", file}, as...)...), 1)
	r := mustSucceed(t, s.plugin(t, append([]string{"create", "-f", file, "--wait=false"}, as...)...))
	for _, obj := range []string{"networkattachmentdefinition.k8s.cni.cncf.io/vlan100", "networkconfiguration.vitistack.io/full", "secret/full-cloudinit", "virtualmachine.kubevirt.io/full"} {
		wantAction(t, r, obj, "created")
	}
	checks := s.doctorOn(t, s.env.Supervisor, 0, "--kubeconfig", kubeconfig, "-n", ns, "--kubevirt-config", "kv-a-rbac")
	for _, c := range checks {
		if c.Result != "ok" {
			t.Errorf("doctor as the user: %+v", c)
		}
	}

	done := make(chan result, 1)
	go func() {
		done <- s.plugin(t, append([]string{"delete", "-f", file, "--machine", "--wait", "--timeout", "60s"}, as...)...)
	}()
	// Play the PVC protection controller: once the PVC is being deleted, let it go.
	eventually(t, 30*time.Second, "the PVC is being deleted", func() bool { return s.gone(t, a, cluster.PVCs, ns, "full") })
	if s.get(t, a, cluster.PVCs, ns, "full") != nil {
		s.release(t, a, ns, "full")
	}
	select {
	case r := <-done:
		mustSucceed(t, r)
	case <-time.After(45 * time.Second):
		t.Fatal("delete --wait did not return")
	}
	for _, o := range []struct {
		p    *testenv.Plane
		r    cluster.Resource
		name string
	}{{a, cluster.VirtualMachines, "full"}, {a, cluster.Secrets, "full-cloudinit"}, {a, cluster.NetworkAttachmentDefinitions, "vlan100"},
		{s.env.Supervisor, cluster.NetworkConfigurations, "full"}, {s.env.Supervisor, cluster.Machines, "full"}} {
		if s.get(t, o.p, o.r, ns, o.name) != nil {
			t.Errorf("%s %s is still there", o.r.Kind, o.name)
		}
	}
}
