package e2e

import (
	"strings"
	"testing"
)

// TestMissingCRDsAreNamed: a context without the vitistack CRDs (here a remote plane used as the
// supervisor) says that the resource is not served there, with the context and server and what to
// install; it used to say "machine not found". A remote without KubeVirt says so too.
func TestMissingCRDsAreNamed(t *testing.T) {
	s := needEnv(t)
	noVitistack := s.env.Remote(remoteA)
	server := strings.TrimSuffix(noVitistack.Config.Host, "/")
	want := []string{"machines.vitistack.io is not served by the supervisor (context ", "server " + server,
		"the vitistack CRDs are not installed there (install the CRDs of github.com/vitistack/common"}
	file := writeFile(t, "m.yaml", machineYAML("default", "m", "", ""))
	for _, args := range [][]string{
		{"create", "-n", "default", "m"},
		{"diff", "-n", "default", "m"},
		{"create", "-f", file, "--dry-run=client"},
		{"ns-sync"},
	} {
		r := s.kubectl(t, call{args: append([]string{"vitimachine"}, args...), supervisor: noVitistack})
		mustExit(t, r, 2)
		mustContain(t, "output", r.stdout+r.stderr, want...)
		if strings.Contains(r.stdout+r.stderr, "not found on the supervisor") {
			t.Errorf("%v still says not found:\n%s", args, r)
		}
	}

	// The supervisor plane as a remote: it serves Machines, not VirtualMachines.
	ns := s.namespace(t)
	file = writeFile(t, "m.yaml", machineYAML(ns, "m", "", ""))
	r := mustExit(t, s.plugin(t, "create", "-f", file, "--dry-run=client", "--storage-class", "standard", "--remote-kubeconfig", s.env.Supervisor.KubeconfigPath), 2)
	mustContain(t, "report", r.stdout, "virtualmachines.kubevirt.io is not served by cluster ", "server "+strings.TrimSuffix(s.env.Supervisor.Config.Host, "/"),
		"KubeVirt is not installed there")
}
