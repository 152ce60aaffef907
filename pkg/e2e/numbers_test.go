package e2e

import (
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// TestNumbersOutOfRangeAreRefused: a disk size that used to wrap around to 10Gi, and a core count
// that wrapped to 2, refuse the Machine with the field path and the range; nothing is written.
func TestNumbersOutOfRangeAreRefused(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	for _, tc := range []struct{ spec, want string }{
		{"  disks:\n  - name: data\n    sizeGB: 17179869194\n", "spec.disks[0].sizeGB: 17179869194 is out of range (allowed: 1 to 65536"},
		{"  cpu:\n    cores: 4294967298\n", "spec.cpu.cores: 4294967298 is out of range (allowed: 1 to 256"},
	} {
		file := writeFile(t, "m.yaml", machineYAML(ns, "huge", annotation(remoteA), tc.spec))
		r := mustExit(t, s.plugin(t, "create", "-f", file), 2)
		mustContain(t, "report", r.stdout, tc.want)
		r = mustExit(t, s.plugin(t, "diff", "-f", file), 2)
		mustContain(t, "diff", r.stderr, tc.want)
	}
	if s.get(t, s.env.Supervisor, cluster.Machines, ns, "huge") != nil || s.get(t, s.env.Remote(remoteA), cluster.Namespaces, "", ns) != nil {
		t.Error("a refused Machine wrote")
	}
}
