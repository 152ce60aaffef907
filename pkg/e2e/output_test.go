package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// TestBareDryRunBehavesAsKubectl: --dry-run alone and --dry-run=true mean client, --dry-run=false
// means none, each with kubectl's deprecation warning.
func TestBareDryRunBehavesAsKubectl(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.create(t, s.env.Supervisor, machineYAML(ns, "dry", annotation(remoteA), ""))
	for _, tc := range []struct{ flag, warning string }{
		{"--dry-run", "warning: --dry-run is deprecated and can be replaced with --dry-run=client.\n"},
		{"--dry-run=true", "warning: --dry-run=true is deprecated (boolean value) and can be replaced with --dry-run=client.\n"},
	} {
		// The Machine's name after the bare flag is a name, not the flag's value, as in kubectl.
		r := mustSucceed(t, s.plugin(t, "create", "-n", ns, tc.flag, "dry"))
		if r.stderr != tc.warning {
			t.Errorf("%s: stderr %q, want %q", tc.flag, r.stderr, tc.warning)
		}
		mustContain(t, tc.flag, r.stdout, "(dry run: client)")
		if s.get(t, s.env.Remote(remoteA), cluster.Namespaces, "", ns) != nil {
			t.Fatalf("%s wrote", tc.flag)
		}
	}
	r := mustSucceed(t, s.plugin(t, "create", "-n", ns, "--dry-run=false", "dry"))
	if r.stderr != "warning: --dry-run=false is deprecated (boolean value) and can be replaced with --dry-run=none.\n" {
		t.Errorf("--dry-run=false: stderr %q", r.stderr)
	}
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-dry", "created")
}

// TestOutputJSONPathClusterAnnotationsAndReportData: -o jsonpath over the List; every item of -o
// names its cluster in annotations; --report json gives each object's Machine, cluster, action and
// message.
func TestOutputJSONPathClusterAnnotationsAndReportData(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "out", annotation(remoteA), ""))

	r := mustSucceed(t, s.plugin(t, "create", "-f", file, "--dry-run=client", "-o",
		`jsonpath={range .items[*]}{.kind}/{.metadata.name}@{.metadata.annotations['kubectl-vitimachine\.vitistack\.io/cluster']}/{.metadata.annotations['kubectl-vitimachine\.vitistack\.io/cluster-role']}{"\n"}{end}`))
	want := "Machine/out@supervisor/supervisor\nNamespace/" + ns + "@kv-a/remote\nPersistentVolumeClaim/vm-out-root-pvc@kv-a/remote\nVirtualMachine/vm-out@kv-a/remote\n"
	if r.stdout != want {
		t.Errorf("jsonpath:\n%s\nwant:\n%s\n%s", r.stdout, want, r)
	}
	mustContain(t, "report on stderr", r.stderr, "MACHINE", "would create")

	r = mustSucceed(t, s.plugin(t, "create", "-f", file, "--dry-run=client", "-o", "yaml"))
	var list struct{ Items []map[string]any }
	if err := yaml.Unmarshal([]byte(r.stdout), &list); err != nil || len(list.Items) != 4 {
		t.Fatalf("-o yaml: %v\n%s", err, r)
	}
	for _, it := range list.Items {
		a := (&unstructured.Unstructured{Object: it}).GetAnnotations()
		role := "remote"
		if it["kind"] == "Machine" {
			role = "supervisor"
		}
		if a["kubectl-vitimachine.vitistack.io/cluster-role"] != role || a["kubectl-vitimachine.vitistack.io/cluster"] == "" {
			t.Errorf("%s: annotations %v", it["kind"], a)
		}
	}

	r = mustSucceed(t, s.plugin(t, "create", "-f", file, "--report", "json"))
	var rep struct {
		Items []struct {
			Machine     struct{ Namespace, Name string }
			Cluster     string
			ClusterRole string
			Object      struct{ APIVersion, Kind, Namespace, Name string }
			Action      string
			Message     string
		}
		Summary map[string]int
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("--report json: %v\n%s", err, r)
	}
	var got []string
	for _, it := range rep.Items {
		got = append(got, strings.Join([]string{it.Machine.Namespace + "/" + it.Machine.Name, it.Cluster, it.ClusterRole, it.Object.APIVersion, it.Object.Kind, it.Object.Name, it.Action}, " "))
	}
	wantItems := []string{
		ns + "/out supervisor supervisor vitistack.io/v1alpha1 Machine out created",
		ns + "/out kv-a remote v1 Namespace " + ns + " created",
		ns + "/out kv-a remote v1 PersistentVolumeClaim vm-out-root-pvc created",
		ns + "/out kv-a remote kubevirt.io/v1 VirtualMachine vm-out created",
	}
	if strings.Join(got, "\n") != strings.Join(wantItems, "\n") || rep.Summary["created"] != 4 || rep.Summary["failed"] != 0 {
		t.Errorf("--report json items:\n%s\nsummary %v", strings.Join(got, "\n"), rep.Summary)
	}

	r = mustSucceed(t, s.plugin(t, "ns-sync", "-n", ns, "-o", "jsonpath={.namespaces[*].action}"))
	if r.stdout != "exists" {
		t.Errorf("ns-sync -o jsonpath: %q\n%s", r.stdout, r)
	}
	r = mustExit(t, s.plugin(t, "create", "-f", file, "-o", "jsonpath={.items["), 2)
	mustContain(t, "bad template", r.stderr, `error: invalid --output: jsonpath template "{.items["`, "Usage:")
}
