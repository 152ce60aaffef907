package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestVersionShowsClientSupervisorAndRemotes(t *testing.T) {
	s := needEnv(t)
	r := mustSucceed(t, s.plugin(t, "version"))
	mustContain(t, "version", r.stdout, "Client Version: ", "Supervisor Version: v1.37.2",
		"Remote Version (KubevirtConfig kv-a): v1.37.2", "Remote Version (KubevirtConfig kv-b): v1.37.2")
	r = mustSucceed(t, s.plugin(t, "version", "--client", "-o", "json"))
	var v map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v["clientVersion"] == nil || v["supervisorVersion"] != nil {
		t.Errorf("version --client -o json: %v\n%s", err, r.stdout)
	}
}

func TestVersionWithoutAnyKubeconfigPrintsTheClientOnly(t *testing.T) {
	s := needEnv(t)
	cmd := exec.Command(filepath.Join(s.bin, "kubectl-vitimachine"), "version")
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "Client Version: ") || strings.Contains(string(out), "localhost:8080") {
		t.Errorf("version without a kubeconfig: %v\n%s", err, out)
	}
}

func TestUsageErrorsPrintUsageAndExit2(t *testing.T) {
	s := needEnv(t)
	for _, args := range [][]string{
		{"create", "--dry-run=sometimes", "x"},
		{"create"},
		{"create", "--naming", "fancy", "x"},
		{"ns-sync", "--no-such-flag"},
	} {
		r := mustExit(t, s.plugin(t, args...), 2)
		mustContain(t, "stderr", r.stderr, "error: ", "Usage:\n  kubectl vitimachine ")
		if r.stdout != "" {
			t.Errorf("%v printed to stdout: %s", args, r.stdout)
		}
	}
	r := mustSucceed(t, s.plugin(t, "--help"))
	mustContain(t, "help", r.stdout, "kubectl vitimachine [command]", "ns-sync", "create", "diff")
	if strings.Contains(r.stdout, "kubectl-vitimachine [command]") {
		t.Error("help shows the binary name instead of kubectl vitimachine")
	}
}

// TestHelpReadsNoKubeconfig points KUBECONFIG at a FIFO: any attempt to read it would block until
// the test's deadline.
func TestHelpReadsNoKubeconfig(t *testing.T) {
	s := needEnv(t)
	fifo := filepath.Join(t.TempDir(), "kubeconfig")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	for _, args := range [][]string{{"--help"}, {"create", "--help"}, {"version", "--client"}, {"completion", "bash"}} {
		cmd := exec.Command(filepath.Join(s.bin, "kubectl-vitimachine"), args...)
		cmd.Env = []string{"KUBECONFIG=" + fifo, "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
		done := make(chan error, 1)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%v: %v", args, err)
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("%v blocked: it opened the kubeconfig", args)
		}
	}
}

func TestCompletionThroughKubectl(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.create(t, s.env.Supervisor, machineYAML(ns, "alpha", "", "")+"---\n"+machineYAML(ns, "beta", "", ""))
	shimDir := t.TempDir()
	mustSucceed(t, s.plugin(t, "completion", "kubectl-shim", "--install-dir", shimDir))
	env := []string{"PATH=" + shimDir + string(os.PathListSeparator) + s.bin + string(os.PathListSeparator) + s.assets + string(os.PathListSeparator) + os.Getenv("PATH")}
	complete := func(words ...string) string {
		r := s.kubectl(t, call{args: append([]string{"__complete", "vitimachine"}, words...), env: env})
		mustSucceed(t, r)
		return r.stdout
	}
	mustContain(t, "subcommands", complete(""), "create", "diff", "ns-sync", "version")
	mustContain(t, "machines", complete("create", "-n", ns, ""), "alpha", "beta")
	mustContain(t, "kubevirt configs", complete("create", "--kubevirt-config", ""), "kv-a", "kv-b")
	mustContain(t, "namespaces", complete("ns-sync", "-n", "e2e-"), ns)
}
