package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// onTerminal runs "kubectl vitimachine ARGS..." with stdout and stderr on a pseudo-terminal (through
// util-linux script) and returns what the terminal showed.
func (s *suite) onTerminal(t *testing.T, env []string, args ...string) string {
	t.Helper()
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("no script(1) for a pseudo-terminal")
	}
	line := filepath.Join(s.assets, "kubectl") + " vitimachine " + strings.Join(args, " ")
	cmd := exec.Command(script, "-qec", line, "/dev/null")
	cmd.Env = append([]string{
		"PATH=" + s.bin + string(os.PathListSeparator) + s.assets + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + s.dir, "KUBECONFIG=" + s.env.Supervisor.KubeconfigPath, "TERM=xterm",
	}, env...)
	out, _ := cmd.CombinedOutput()
	return string(out)
}

func TestColourAndProgressOnATerminalOnly(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "tty", annotation(remoteA), ""))

	screen := s.onTerminal(t, nil, "create", "-f", file, "--dry-run=client", "--diff")
	if !strings.Contains(screen, "\x1b[32m+kind: VirtualMachine") || !strings.Contains(screen, "\x1b[36mwould create") {
		t.Errorf("no colour on a terminal:\n%q", screen)
	}
	if screen := s.onTerminal(t, []string{"NO_COLOR=1"}, "create", "-f", file, "--dry-run=client", "--diff"); strings.Contains(screen, "\x1b[") {
		t.Errorf("NO_COLOR ignored:\n%q", screen)
	}
	if screen := s.onTerminal(t, nil, "create", "-f", file, "--dry-run=client", "-o", "json", "--color=always"); strings.Contains(screen[:strings.Index(screen, "MACHINE")], "\x1b[") {
		t.Errorf("colour in -o json:\n%q", screen)
	}
	r := mustSucceed(t, s.plugin(t, "create", "-f", file, "--dry-run=client", "--diff"))
	if strings.Contains(r.stdout+r.stderr, "\x1b[") {
		t.Error("colour when not on a terminal")
	}
	r = mustSucceed(t, s.plugin(t, "create", "-f", file, "--dry-run=client", "--color=always"))
	if !strings.Contains(r.stdout, "\x1b[") {
		t.Error("--color=always without colour")
	}

	// ns-sync reports its clusters as it goes, on a terminal only.
	s.create(t, s.env.Supervisor, machineYAML(ns, "tty", annotation(remoteA), ""))
	screen = s.onTerminal(t, nil, "ns-sync", "-n", ns, "--dry-run=client")
	mustContain(t, "terminal", screen, "kv-a: listing namespaces (1 needed)", "kv-a: done in ")
	r = mustSucceed(t, s.plugin(t, "ns-sync", "-n", ns, "--dry-run=client"))
	if strings.Contains(r.stderr, "listing namespaces") {
		t.Errorf("progress when stderr is not a terminal:\n%s", r.stderr)
	}
}
