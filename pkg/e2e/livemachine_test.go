package e2e

import (
	"testing"
)

// TestFileMachineThatDiffersFromTheLiveOne (bug 9): a Machine from -f that exists on the supervisor
// with another spec is reported "exists (differs)", saying that the live one is provisioned; diff
// shows the file against the live Machine, and the VM as the live Machine renders it.
func TestFileMachineThatDiffersFromTheLiveOne(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.create(t, s.env.Supervisor, machineYAML(ns, "drift", annotation(remoteA), "  cpu:\n    cores: 2\n"))
	file := writeFile(t, "m.yaml", machineYAML(ns, "drift", annotation(remoteA), "  cpu:\n    cores: 4\n"))

	r := mustSucceed(t, s.plugin(t, "create", "-f", file, "--dry-run=client"))
	wantAction(t, r, "machine.vitistack.io/drift", "exists (differs): the live Machine differs from "+file+
		" document 1; the live one is provisioned (an existing Machine is never updated; see the diff)")

	r = mustExit(t, s.plugin(t, "diff", "-f", file), 1)
	mustContain(t, "diff", r.stdout, "+++ desired/supervisor/vitistack.io.v1alpha1.Machine."+ns+".drift\n", "-    cores: 2\n+    cores: 4\n",
		"+++ desired/kv-a/kubevirt.io.v1.VirtualMachine."+ns+".vm-drift\n", "+          cores: 2\n")
	mustContain(t, "stderr", r.stderr, "note: machine.vitistack.io/drift: the live Machine differs from "+file+" document 1; the live one is provisioned")
}
