package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// started is a plugin run in the background.
type started struct {
	cmd         *exec.Cmd
	out, errOut bytes.Buffer
}

// start runs "kubectl vitimachine ARGS..." without waiting. kubectl execs the plugin in its own
// process, so a signal to this process reaches the plugin.
func (s *suite) start(t *testing.T, args ...string) *started {
	t.Helper()
	st := &started{cmd: exec.Command(filepath.Join(s.assets, "kubectl"), append([]string{"vitimachine"}, args...)...)}
	st.cmd.Env = []string{
		"PATH=" + s.bin + string(os.PathListSeparator) + s.assets + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + s.dir, "KUBECONFIG=" + s.env.Supervisor.KubeconfigPath,
	}
	st.cmd.Stdout, st.cmd.Stderr = &st.out, &st.errOut
	if err := st.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.cmd.Process.Kill() })
	return st
}

// stop sends sig and returns the exit code, failing if the process does not end within 15s.
func (st *started) stop(t *testing.T, sig os.Signal) result {
	t.Helper()
	if err := st.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- st.cmd.Wait() }()
	select {
	case err := <-done:
		r := result{stdout: st.out.String(), stderr: st.errOut.String()}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			r.code = ee.ExitCode()
		}
		return r
	case <-time.After(15 * time.Second):
		t.Fatalf("still running 15s after %v", sig)
		return result{}
	}
}

func TestSIGTERMDuringWaitExits143AfterReporting(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.create(t, s.env.Supervisor, machineYAML(ns, "sig", annotation(remoteA), ""))
	a := s.env.Remote(remoteA)
	m := s.mark(t)
	st := s.start(t, "create", "-n", ns, "sig", "--wait", "--timeout", "5m")
	eventually(t, 30*time.Second, "the VM is created and watched", func() bool {
		return s.get(t, a, cluster.VirtualMachines, ns, "vm-sig") != nil && s.watching(t, m, a, "virtualmachines", ns)
	})
	r := st.stop(t, syscall.SIGTERM)
	if r.code != 143 {
		t.Fatalf("exit %d, want 143\n%s", r.code, r)
	}
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-sig", "created")
}

func TestSIGINTStopsBeforeAnyWriteAndExits130(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	hang := filepath.Join(t.TempDir(), "hang.kubeconfig")
	addr, accepted := countingHangingServer(t)
	if err := os.WriteFile(hang, withServer(t, s.env.Remote(remoteA).Kubeconfig, addr), 0o600); err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, "m.yaml", machineYAML(ns, "intr", "", ""))
	st := s.start(t, "create", "-f", file, "--remote-kubeconfig", hang)
	eventually(t, 30*time.Second, "the plugin connects to the cluster that never answers", func() bool { return accepted() > 0 })
	r := st.stop(t, os.Interrupt)
	if r.code != 130 {
		t.Fatalf("exit %d, want 130\n%s", r.code, r)
	}
	wantAction(t, r, "machine.vitistack.io/intr", "error")
	if s.get(t, s.env.Supervisor, cluster.Machines, ns, "intr") != nil {
		t.Error("an interrupted run still created the Machine")
	}
}
