package e2e

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// managers are the field managers in an object's managedFields.
func managers(u *unstructured.Unstructured) []string {
	var out []string
	for _, e := range u.GetManagedFields() {
		out = append(out, e.Manager)
	}
	return out
}

// TestFieldManager: every write of create and ns-sync carries --field-manager (default
// kubectl-vitimachine), as the objects' managedFields show.
func TestFieldManager(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	// A Machine from a file (created), and one on the supervisor whose KubevirtConfig the plugin
	// records (an annotation patch).
	s.create(t, s.env.Supervisor, machineYAML(ns, "named", "", ""))
	file := writeFile(t, "m.yaml", machineYAML(ns, "filed", annotation(remoteA), ""))
	mustSucceed(t, s.plugin(t, "create", "-f", file, "--field-manager", "ci-bot"))
	mustSucceed(t, s.plugin(t, "create", "-n", ns, "named", "--kubevirt-config", remoteA, "--field-manager", "ci-bot"))
	for _, o := range []*unstructured.Unstructured{
		s.get(t, s.env.Supervisor, cluster.Machines, ns, "filed"),
		s.get(t, a, cluster.Namespaces, "", ns),
		s.get(t, a, cluster.PVCs, ns, "vm-filed-root-pvc"),
		s.get(t, a, cluster.VirtualMachines, ns, "vm-filed"),
		s.get(t, a, cluster.VirtualMachines, ns, "vm-named"),
	} {
		if m := managers(o); len(m) != 1 || m[0] != "ci-bot" {
			t.Errorf("%s %s: managers %v", o.GetKind(), o.GetName(), m)
		}
	}
	named := s.get(t, s.env.Supervisor, cluster.Machines, ns, "named")
	if m := strings.Join(managers(named), ","); m != "vitimachine-testenv,ci-bot" && m != "ci-bot,vitimachine-testenv" {
		t.Errorf("the recorded annotation: managers %v", m)
	}

	ns2 := s.namespace(t)
	s.create(t, s.env.Supervisor, machineYAML(ns2, "plain", annotation(remoteB), ""))
	mustSucceed(t, s.plugin(t, "ns-sync", "-n", ns2))
	if m := managers(s.get(t, s.env.Remote(remoteB), cluster.Namespaces, "", ns2)); len(m) != 1 || m[0] != "kubectl-vitimachine" {
		t.Errorf("default field manager: %v", m)
	}
	r := mustExit(t, s.plugin(t, "create", "-n", ns2, "plain", "--field-manager", ""), 2)
	mustContain(t, "stderr", r.stderr, `invalid --field-manager "" (use 1 to 128 characters)`, "Usage:")
}
