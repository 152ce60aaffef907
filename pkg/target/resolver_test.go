package target_test

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
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

func machine(ns, name string, annotations map[string]string) *vitistackv1alpha1.Machine {
	return &vitistackv1alpha1.Machine{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: annotations}}
}

func vmYAML(ns, name, label string) string {
	s := fmt.Sprintf("apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: %s\n  namespace: %s\n", name, ns)
	if label != "" {
		s += "  labels:\n    " + label + "\n"
	}
	return s
}

var vmNames = func(m string) []string { return []string{"vm-" + m, m} }

func TestResolutionOrder(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a", "kv-b", "kv-c"})
	if err := w.Remotes["kv-b"].Fake.Tracker().Add(clustertest.Object(vmYAML("team", "foreign", "vitistack.io/source-machine: labelled"))); err != nil {
		t.Fatal(err)
	}
	if err := w.Remotes["kv-c"].Fake.Tracker().Add(clustertest.Object(vmYAML("team", "vm-named", ""))); err != nil {
		t.Fatal(err)
	}
	ann := map[string]string{vitistack.AnnotationKubevirtConfig: "kv-a"}
	for _, tc := range []struct {
		name    string
		m       *vitistackv1alpha1.Machine
		opts    target.Options
		config  string
		by      target.By
		record  bool
		wantErr string
	}{
		{name: "annotation first", m: machine("team", "x", ann), opts: target.Options{Default: "kv-b", DefaultBy: target.ByFlag}, config: "kv-a", by: target.ByAnnotation},
		{name: "then the flag", m: machine("team", "x", nil), opts: target.Options{Default: "kv-b", DefaultBy: target.ByFlag}, config: "kv-b", by: target.ByFlag, record: true},
		{name: "or the env var", m: machine("team", "x", nil), opts: target.Options{Default: "kv-c", DefaultBy: target.ByEnv}, config: "kv-c", by: target.ByEnv, record: true},
		{name: "the VM search by label", m: machine("team", "labelled", nil), config: "kv-b", by: target.ByVMSearch, record: true},
		{name: "the VM search by name", m: machine("team", "named", nil), config: "kv-c", by: target.ByVMSearch, record: true},
		{name: "no VM anywhere", m: machine("team", "nowhere", nil),
			wantErr: `machine "team/nowhere" has no vitistack.io/kubevirt-config annotation and 3 KubevirtConfigs are available (kv-a, kv-b, kv-c), none of whose clusters holds its VirtualMachine: cannot choose (set the annotation, --kubevirt-config or DEFAULT_KUBEVIRT_CONFIG)`},
		{name: "unknown KubevirtConfig", m: machine("team", "x", map[string]string{vitistack.AnnotationKubevirtConfig: "nope"}),
			wantErr: `KubevirtConfig "nope" not found on the supervisor (have: kv-a, kv-b, kv-c)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.VMNames = vmNames
			for _, index := range []bool{false, true} {
				tc.opts.IndexVMs = index
				got, err := w.Resolver(tc.opts).Resolve(context.Background(), tc.m)
				if tc.wantErr != "" {
					if err == nil || err.Error() != tc.wantErr {
						t.Errorf("index %v: error %v\nwant %s", index, err, tc.wantErr)
					}
					continue
				}
				if err != nil {
					t.Fatalf("index %v: %v", index, err)
				}
				if got.Config != tc.config || got.By != tc.by || got.Record() != tc.record || got.Cluster.ID != cluster.RemoteID(tc.config) || got.Name() != tc.config {
					t.Errorf("index %v: %+v (record %v)", index, got, got.Record())
				}
			}
		})
	}
}

func TestTheOnlyKubevirtConfigAndNone(t *testing.T) {
	w := clustertest.NewWorld([]string{"solo"})
	got, err := w.Resolver(target.Options{}).Resolve(context.Background(), machine("team", "x", nil))
	if err != nil || got.Config != "solo" || got.By != target.BySingle || !got.Record() {
		t.Errorf("%+v %v", got, err)
	}
	w = clustertest.NewWorld(nil)
	_, err = w.Resolver(target.Options{}).Resolve(context.Background(), machine("team", "x", nil))
	if err == nil || !strings.Contains(err.Error(), "there are no KubevirtConfigs on the supervisor") {
		t.Errorf("%v", err)
	}
}

func TestOverrideSkipsDiscovery(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"})
	r := w.Resolver(target.Options{Override: &rest.Config{Host: clustertest.Server("kv-a")}, OverrideName: "my-context"})
	got, err := r.Resolve(context.Background(), machine("team", "x", map[string]string{vitistack.AnnotationKubevirtConfig: "ignored"}))
	if err != nil || got.By != target.ByOverride || got.Record() || got.Cluster.ID != cluster.RemoteID("my-context") {
		t.Errorf("%+v %v", got, err)
	}
	if n := len(w.Supervisor.Fake.Actions()); n != 0 {
		t.Errorf("the override read the supervisor %d times", n)
	}
}

func TestClientsAreBuiltOnceAndSecretsReadOnce(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"})
	r := w.Resolver(target.Options{})
	for i := range 5 {
		if _, err := r.Resolve(context.Background(), machine("team", fmt.Sprint(i), map[string]string{vitistack.AnnotationKubevirtConfig: "kv-a"})); err != nil {
			t.Fatal(err)
		}
	}
	if got := w.Supervisor.Requests(); got["list kubevirtconfigs"] != 1 || got["get secrets"] != 1 {
		t.Errorf("supervisor requests %v", got)
	}
}

func TestSecretProblemsAreNamed(t *testing.T) {
	for _, tc := range []struct {
		name, secret, config, want string
		fail                       error
	}{
		{name: "no key", secret: clustertest.SecretYAML(clustertest.SecretNamespace, "kv-kubeconfig", "config", "x"),
			want: `KubevirtConfig "kv": Secret "vitistack/kv-kubeconfig" has no "kubeconfig" key (keys: config)`},
		{name: "missing Secret",
			want: `KubevirtConfig "kv": Secret "vitistack/kv-kubeconfig" not found on the supervisor`},
		{name: "forbidden Secret", fail: apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "kv-kubeconfig", fmt.Errorf("no")),
			want: `KubevirtConfig "kv": read Secret "vitistack/kv-kubeconfig": secrets "kv-kubeconfig" is forbidden: no`},
		{name: "exec plugin", secret: clustertest.SecretYAML(clustertest.SecretNamespace, "kv-kubeconfig", "kubeconfig",
			strings.Replace(clustertest.Kubeconfig("https://kv.test"), "user: {token: secret-token}", "user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: evil}}", 1)),
			want: `KubevirtConfig "kv": Secret "vitistack/kv-kubeconfig" key "kubeconfig": users["u"].exec: exec credential plugin "evil" is refused (allow it with --allow-exec-plugin=evil)`},
		{name: "no secret name", config: "apiVersion: vitistack.io/v1alpha1\nkind: KubevirtConfig\nmetadata:\n  name: kv\nspec:\n  name: kv\n  secretNamespace: vitistack\n  kubeconfigSecretRef: \"\"\n",
			want: `KubevirtConfig "kv": spec.kubeconfigSecretRef is empty (name the Secret that holds the remote kubeconfig)`},
		{name: "no secret namespace", config: "apiVersion: vitistack.io/v1alpha1\nkind: KubevirtConfig\nmetadata:\n  name: kv\nspec:\n  name: kv\n  secretNamespace: \"\"\n  kubeconfigSecretRef: kv-kubeconfig\n",
			want: `KubevirtConfig "kv": spec.secretNamespace is empty (name the namespace of Secret "kv-kubeconfig")`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			config := tc.config
			if config == "" {
				config = "apiVersion: vitistack.io/v1alpha1\nkind: KubevirtConfig\nmetadata:\n  name: kv\nspec:\n  name: kv\n  secretNamespace: vitistack\n  kubeconfigSecretRef: kv-kubeconfig\n"
			}
			objs := []any{config}
			if tc.secret != "" {
				objs = append(objs, tc.secret)
			}
			w := clustertest.NewWorld(nil, objs...)
			if tc.fail != nil {
				w.Supervisor.Fail("get", "secrets", "", tc.fail)
			}
			_, err := w.Resolver(target.Options{}).Resolve(context.Background(), machine("team", "x", nil))
			if err == nil || err.Error() != tc.want {
				t.Errorf("error %v\nwant  %s", err, tc.want)
			}
		})
	}
}

func TestVMSearchSkipsUnreachableClusters(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a", "kv-b"})
	w.Remotes["kv-a"].Fail("list", "virtualmachines", "", fmt.Errorf("connection refused"))
	if err := w.Remotes["kv-b"].Fake.Tracker().Add(clustertest.Object(vmYAML("team", "vm-x", ""))); err != nil {
		t.Fatal(err)
	}
	r := w.Resolver(target.Options{VMNames: vmNames})
	got, err := r.Resolve(context.Background(), machine("team", "x", nil))
	if err != nil || got.Config != "kv-b" {
		t.Errorf("%+v %v", got, err)
	}
	_, err = r.Resolve(context.Background(), machine("team", "y", nil))
	if err == nil || !strings.Contains(err.Error(), "not searched, unreachable or refused: kv-a") {
		t.Errorf("%v", err)
	}
	// A cluster that failed once is not asked again in the run.
	if n := w.Remotes["kv-a"].Requests()["list virtualmachines"]; n != 1 {
		t.Errorf("the dead cluster was listed %d times", n)
	}
}

func TestRemoteVersions(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"},
		"apiVersion: vitistack.io/v1alpha1\nkind: KubevirtConfig\nmetadata:\n  name: broken\nspec:\n  name: broken\n  secretNamespace: vitistack\n  kubeconfigSecretRef: missing\n")
	got := w.Resolver(target.Options{}).RemoteVersions(context.Background())
	want := []target.RemoteVersion{{KubevirtConfig: "broken", Error: `KubevirtConfig "broken": Secret "vitistack/missing" not found on the supervisor`}, {KubevirtConfig: "kv-a", Version: clustertest.Version}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%+v\nwant %+v", got, want)
	}
	w = clustertest.NewWorld(nil)
	w.Supervisor.Fail("list", "kubevirtconfigs", "", fmt.Errorf("boom"))
	got = w.Resolver(target.Options{}).RemoteVersions(context.Background())
	if len(got) != 1 || got[0].KubevirtConfig != "*" || got[0].Error != "list KubevirtConfigs on the supervisor: boom" {
		t.Errorf("%+v", got)
	}
}
