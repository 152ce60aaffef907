package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// onTerminal runs "kubectl vitimachine ARGS..." with stdout and stderr on a pseudo-terminal (through
// util-linux script), fails the test unless it exits 0, and returns what the terminal showed.
func (s *suite) onTerminal(t *testing.T, env []string, args ...string) string {
	t.Helper()
	screen, code := s.onTerminalExit(t, env, args...)
	if code != 0 {
		t.Fatalf("on a terminal, %v exited %d:\n%s", args, code, screen)
	}
	return screen
}

// onTerminalExit is onTerminal that returns the exit status instead of checking it.
func (s *suite) onTerminalExit(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	script, err := exec.LookPath("script")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no script(1) (util-linux) for a pseudo-terminal")
		}
		t.Skip("no script(1) (util-linux) for a pseudo-terminal")
	}
	line := filepath.Join(s.assets, "kubectl") + " vitimachine " + strings.Join(args, " ")
	cmd := exec.Command(script, "-qec", line, "/dev/null")
	cmd.Env = append([]string{
		"PATH=" + s.bin + string(os.PathListSeparator) + s.assets + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + s.dir, "KUBECONFIG=" + s.env.Supervisor.KubeconfigPath, "TERM=xterm",
	}, env...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	case err != nil:
		t.Fatalf("script: %v", err)
	}
	return string(out), 0
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
	screen = s.onTerminal(t, nil, "create", "-f", file, "--dry-run=client", "-o", "json", "--color=always")
	report := strings.Index(screen, "MACHINE")
	if report < 0 {
		t.Fatalf("no report on the terminal:\n%q", screen)
	}
	if strings.Contains(screen[:report], "\x1b[") {
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
