package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// echoServer is a TCP echo server on loopback standing in for a guest's port; it returns its
// address.
func echoServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return l.Addr().String()
}

// guestWorld is one running Machine on remoteA whose VMI's port forwards to an echo server.
func (s *suite) guestWorld(t *testing.T, name string, port int) string {
	t.Helper()
	ns := s.powerWorld(t, powerMachine{name: name, cluster: remoteA})
	s.env.Remote(remoteA).KubeVirt.Forward(ns, "vm-"+name, port, echoServer(t))
	return ns
}

// streamCalls are the stand-in virt-api's streaming calls in ns (console, vnc, portforward/…).
func (s *suite) streamCalls(ns, prefix string) []testenv.Call {
	var out []testenv.Call
	for _, c := range s.calls(remoteA, ns) {
		if strings.HasPrefix(c.Subresource, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// background is a plugin run whose standard output is read line by line.
type background struct {
	cmd    *exec.Cmd
	lines  chan string
	errOut *syncBuffer
}

func (s *suite) pluginCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.assets, "kubectl"), append([]string{"vitimachine"}, args...)...)
	cmd.Env = []string{
		"PATH=" + s.bin + string(os.PathListSeparator) + s.assets + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + s.dir, "KUBECONFIG=" + s.env.Supervisor.KubeconfigPath,
	}
	return cmd
}

func (s *suite) background(t *testing.T, args ...string) *background {
	t.Helper()
	b := &background{cmd: s.pluginCmd(args...), lines: make(chan string, 100), errOut: &syncBuffer{}}
	out, err := b.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	b.cmd.Stderr = b.errOut
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.cmd.Process.Kill(); _ = b.cmd.Wait() })
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			b.lines <- sc.Text()
		}
		close(b.lines)
	}()
	return b
}

// forwardingRE is kubectl port-forward's line.
var forwardingRE = regexp.MustCompile(`^Forwarding from (127\.0\.0\.1:\d+) -> (\d+|vnc)$`)

// listening waits for the "Forwarding from ADDR -> PORT" line and returns ADDR.
func (b *background) listening(t *testing.T) string {
	t.Helper()
	select {
	case line, ok := <-b.lines:
		if m := forwardingRE.FindStringSubmatch(line); ok && m != nil {
			return m[1]
		}
		t.Fatalf("first line %q, want Forwarding from …; stderr:\n%s", line, b.errOut)
	case <-time.After(60 * time.Second):
		t.Fatalf("no Forwarding line within 60s; stderr:\n%s", b.errOut)
	}
	return ""
}

func (b *background) interrupt(t *testing.T) int {
	t.Helper()
	_ = b.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- b.cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		return 0
	case <-time.After(15 * time.Second):
		t.Fatal("still running 15s after SIGINT")
		return -1
	}
}

// roundTrip writes n random bytes through c while reading them back, and compares.
func roundTrip(c io.ReadWriter, n int) error {
	want := make([]byte, n)
	_, _ = rand.Read(want)
	errs := make(chan error, 1)
	go func() {
		_, err := c.Write(want)
		errs <- err
	}()
	got := make([]byte, n)
	if _, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	if err := <-errs; err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if !bytes.Equal(got, want) {
		return errors.New("bytes read back differ from those written")
	}
	return nil
}

func TestPortForwardCarries10MiBBothWaysAnd20ParallelConnections(t *testing.T) {
	s := needEnv(t)
	ns := s.guestWorld(t, "pf", 8080)
	b := s.background(t, "port-forward", "-n", ns, "pf", ":8080")
	addr := b.listening(t)

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := roundTrip(c, 10<<20); err != nil {
		t.Fatalf("10 MiB: %v", err)
	}
	_ = c.Close()

	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				errs[i] = err
				return
			}
			defer c.Close()
			errs[i] = roundTrip(c, 256<<10)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("parallel connections: %v\nstderr:\n%s", err, b.errOut)
	}
	if code := b.interrupt(t); code != 130 {
		t.Errorf("exit %d after SIGINT, want 130; stderr:\n%s", code, b.errOut)
	}
	// One stream per connection, each upgraded, to the VMI's port on the resolved cluster.
	calls := s.streamCalls(ns, "portforward/8080")
	if len(calls) != 21 {
		t.Fatalf("%d port-forward streams, want 21: %+v", len(calls), calls)
	}
	for _, c := range calls {
		if c.Code != 101 || c.Name != "vm-pf" || c.Resource != "virtualmachineinstances" || !strings.HasPrefix(c.UserAgent, "kubectl-vitimachine/") {
			t.Errorf("stream %+v: want 101 to virtualmachineinstances/vm-pf from the plugin", c)
		}
	}
	if err := b.errOut.String(); err != "" {
		t.Errorf("stderr not empty:\n%s", err)
	}
}

func TestPortForwardStdioCarriesOneConnection(t *testing.T) {
	s := needEnv(t)
	ns := s.guestWorld(t, "pfio", 22)
	cmd := s.pluginCmd("port-forward", "--stdio", "-n", ns, "pfio", "22")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut syncBuffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	rw := struct {
		io.Reader
		io.Writer
	}{out, in}
	if err := roundTrip(rw, 4<<20); err != nil {
		t.Fatalf("4 MiB through --stdio: %v\nstderr:\n%s", err, errOut.String())
	}
	_ = in.Close() // ssh ending closes ProxyCommand's standard input
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after standard input closed: %v\nstderr:\n%s", err, errOut.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("--stdio still running 15s after its standard input closed")
	}
	if n := len(s.streamCalls(ns, "portforward/22")); n != 1 {
		t.Errorf("%d streams, want 1", n)
	}
	if errOut.String() != "" {
		t.Errorf("stderr not empty:\n%s", errOut.String())
	}
}

func TestGuestRefusesMachinesWithoutARunningVM(t *testing.T) {
	s := needEnv(t)
	ns := s.powerWorld(t, powerMachine{name: "novm"}, powerMachine{name: "halted", cluster: remoteA}, powerMachine{name: "paused", cluster: remoteA})

	r := mustExit(t, s.plugin(t, "port-forward", "-n", ns, "novm", "22", "--stdio"), 2)
	mustContain(t, "stderr", r.stderr, "machine "+ns+"/novm has no VirtualMachine on cluster "+remoteA)

	mustSucceed(t, s.plugin(t, "stop", "-n", ns, "halted", "--wait", "--timeout", "30s"))
	r = mustExit(t, s.plugin(t, "port-forward", "-n", ns, "halted", "22", "--stdio"), 2)
	mustContain(t, "stderr", r.stderr, "VM vm-halted not running: start it with kubectl vitimachine start halted -n "+ns)

	// KubeVirt's own refusal: a paused VMI cannot be port-forwarded to (409).
	mustSucceed(t, s.plugin(t, "pause", "-n", ns, "paused", "--wait", "--timeout", "30s"))
	r = mustExit(t, s.plugin(t, "port-forward", "-n", ns, "paused", "22", "--stdio"), 2)
	mustContain(t, "stderr", r.stderr, "open portforward/22/tcp", "VMI is paused")
	if n := len(s.streamCalls(ns, "portforward")); n != 1 {
		t.Errorf("%d streams asked for, want 1 (the paused one; the others are refused before)", n)
	}
}

func TestConsoleWithoutATerminalStreamsStandardInputAndOutput(t *testing.T) {
	s := needEnv(t)
	ns := s.guestWorld(t, "con", 22)
	r := mustSucceed(t, s.pluginWith(t, "uname -a\r\n", nil, "console", "-n", ns, "con"))
	if r.stdout != "uname -a\r\n" {
		t.Errorf("stdout %q, want the console's echo of standard input", r.stdout)
	}
	calls := s.streamCalls(ns, "console")
	if len(calls) != 1 || calls[0].Code != 101 || calls[0].Name != "vm-con" {
		t.Errorf("console streams %+v, want one upgraded to vm-con", calls)
	}
}

// sttyRE matches stty -g's output.
var sttyRE = regexp.MustCompile(`(?m)^[0-9a-f]+(:[0-9a-f]+){10,}\r?$`)

func TestConsoleOnATerminalIsRawDetachesWithCtrlBracketAndRestoresTheTerminal(t *testing.T) {
	s := needEnv(t)
	ns := s.guestWorld(t, "tty", 22)
	script, err := exec.LookPath("script")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no script(1) (util-linux) for a pseudo-terminal")
		}
		t.Skip("no script(1) (util-linux) for a pseudo-terminal")
	}
	line := "stty -g; " + filepath.Join(s.assets, "kubectl") + " vitimachine console -n " + ns + " tty; echo EXIT=$?; stty -g"
	cmd := exec.Command(script, "-qec", line, "/dev/null")
	cmd.Env = []string{
		"PATH=" + s.bin + string(os.PathListSeparator) + s.assets + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + s.dir, "KUBECONFIG=" + s.env.Supervisor.KubeconfigPath, "TERM=xterm",
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var screen syncBuffer
	cmd.Stdout, cmd.Stderr = &screen, &screen
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	screen.await(t, "Ctrl+] detaches.")
	// Raw now: nothing is echoed by the terminal, so the text on screen is the guest's echo;
	// Ctrl-C is a byte for the guest, not a signal.
	if _, err := in.Write([]byte("typed-on-the-console\x03")); err != nil {
		t.Fatal(err)
	}
	screen.await(t, "typed-on-the-console\x03")
	if _, err := in.Write([]byte{0x1d}); err != nil {
		t.Fatal(err)
	}
	screen.await(t, "EXIT=0")
	_ = in.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("script still running")
	}
	out := screen.String()
	mustContain(t, "screen", out, "Connected to the serial console of machine "+ns+"/tty (VM vm-tty on cluster "+remoteA+"). Ctrl+] detaches.", "Detached.")
	stty := sttyRE.FindAllString(out, -1)
	if len(stty) != 2 || strings.TrimSpace(stty[0]) != strings.TrimSpace(stty[1]) {
		t.Errorf("terminal settings before and after differ (or are missing): %q\n%s", stty, out)
	}
	if strings.Count(out, "typed-on-the-console") != 1 {
		t.Errorf("typed text shown %d times, want once (the guest's echo; the raw terminal echoes nothing):\n%s", strings.Count(out, "typed-on-the-console"), out)
	}
}

// sshd starts OpenSSH's server on a loopback port as the guest's ssh, with a generated host key
// and one authorized user key; it returns its address, the user's private key file and the host's
// public key ("ssh-ed25519 AAAA…").
func sshd(t *testing.T) (addr, userKey, hostKey string) {
	t.Helper()
	bin := "/usr/sbin/sshd"
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no /usr/sbin/sshd (Debian openssh-server; .ci/run installs it)")
		}
		t.Skip("no /usr/sbin/sshd (Debian openssh-server)")
	}
	dir := t.TempDir()
	for _, k := range []string{"host", "user"} {
		out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", k, "-f", filepath.Join(dir, k)).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
	}
	pub, err := os.ReadFile(filepath.Join(dir, "host.pub"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = l.Addr().String()
	_ = l.Close()
	_, port, _ := net.SplitHostPort(addr)
	config := fmt.Sprintf(`Port %s
ListenAddress 127.0.0.1
HostKey %[2]s/host
AuthorizedKeysFile %[2]s/user.pub
PidFile %[2]s/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
Subsystem sftp internal-sftp
`, port, dir)
	cfg := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.MkdirAll("/run/sshd", 0o755) // privilege separation directory
	cmd := exec.Command(bin, "-D", "-e", "-f", cfg)
	var log syncBuffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			_ = c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd does not listen on %s:\n%s", addr, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	fields := strings.Fields(string(pub))
	return addr, filepath.Join(dir, "user"), fields[0] + " " + fields[1]
}

func TestSSHAndSCPThroughThePortForwardWithTheHostKeyKnownByMachine(t *testing.T) {
	s := needEnv(t)
	addr, key, hostKey := sshd(t)
	ns := s.powerWorld(t, powerMachine{name: "sshm", cluster: remoteA})
	s.env.Remote(remoteA).KubeVirt.Forward(ns, "vm-sshm", 22, addr)
	me, err := exec.Command("id", "-un").Output()
	if err != nil {
		t.Fatal(err)
	}
	user := strings.TrimSpace(string(me))
	known := writeFile(t, "known_hosts", "vitimachine/"+ns+"/sshm "+hostKey+"\n")

	r := mustSucceed(t, s.plugin(t, "ssh", "-n", ns, user+"@sshm", "-i", key, "--known-hosts", known, "--",
		"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "echo", "hello-from-the-guest"))
	if strings.TrimSpace(r.stdout) != "hello-from-the-guest" {
		t.Errorf("stdout %q\n%s", r.stdout, r)
	}
	// The remote command's exit status is the plugin's.
	r = mustExit(t, s.plugin(t, "ssh", "-n", ns, "sshm", "-l", user, "-i", key, "--known-hosts", known, "--",
		"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "exit", "7"), 7)

	// scp both ways.
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	payload := make([]byte, 1<<20)
	_, _ = rand.Read(payload)
	if err := os.WriteFile(src, payload, 0o600); err != nil {
		t.Fatal(err)
	}
	remote := filepath.Join(dir, "on-the-guest")
	mustSucceed(t, s.plugin(t, "scp", "-n", ns, "-i", key, "--known-hosts", known, "--", "-o", "BatchMode=yes", src, user+"@sshm:"+remote))
	back := filepath.Join(dir, "back")
	mustSucceed(t, s.plugin(t, "scp", "-n", ns, "-i", key, "--known-hosts", known, "--", "-o", "BatchMode=yes", user+"@sshm:"+remote, back))
	got, err := os.ReadFile(back)
	if err != nil || !bytes.Equal(got, payload) {
		t.Errorf("scp round trip: %v, equal %v", err, bytes.Equal(got, payload))
	}

	// A host key not known under the Machine's alias is refused by ssh's own check.
	empty := writeFile(t, "empty_known_hosts", "")
	r = mustExit(t, s.plugin(t, "ssh", "-n", ns, user+"@sshm", "-i", key, "--known-hosts", empty, "--",
		"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "true"), 255)
	mustContain(t, "stderr", r.stderr, "Host key verification failed")

	// Without ssh on PATH: a clear refusal.
	r = mustExit(t, s.kubectl(t, call{args: []string{"vitimachine", "ssh", "-n", ns, "sshm"}, env: []string{"PATH=" + s.bin + string(os.PathListSeparator) + s.assets}}), 2)
	mustContain(t, "stderr", r.stderr, "ssh is not on PATH")
}

func TestVNCProxiesTheRFBStreamOnALocalPort(t *testing.T) {
	s := needEnv(t)
	ns := s.guestWorld(t, "vnc", 22)
	b := s.background(t, "vnc", "-n", ns, "vnc", "--proxy-only")
	addr := b.listening(t)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	banner := make([]byte, len(testenv.RFBBanner))
	if _, err := io.ReadFull(c, banner); err != nil || string(banner) != testenv.RFBBanner {
		t.Fatalf("banner %q, %v; want %q", banner, err, testenv.RFBBanner)
	}
	if err := roundTrip(c, 64<<10); err != nil {
		t.Fatal(err)
	}
	if code := b.interrupt(t); code != 130 {
		t.Errorf("exit %d after SIGINT, want 130", code)
	}
	calls := s.streamCalls(ns, "vnc")
	if len(calls) != 1 || calls[0].Code != 101 {
		t.Errorf("vnc streams %+v, want one upgraded", calls)
	}
}

func TestGuestRequestBudgetAndNoCredentialAtAnyVerbosity(t *testing.T) {
	s := needEnv(t)
	ns := s.guestWorld(t, "budget", 22)
	m := s.mark(t)
	mustSucceed(t, s.pluginWith(t, "ping", nil, "console", "-n", ns, "budget"))
	// The Machine, its KubevirtConfig and Secret; on its cluster one VM list and one VMI get; the
	// stream itself goes to virt-api, not to the API server.
	sup := budget(s.requests(t, m, s.env.Supervisor))
	if want := map[string]int{"get machines": 1, "list kubevirtconfigs": 1, "get secrets": 1}; show(sup) != show(want) {
		t.Errorf("supervisor requests: %s\nwant %s", show(sup), show(want))
	}
	remote := budget(s.requests(t, m, s.env.Remote(remoteA)))
	if want := map[string]int{"list virtualmachines": 1, "get virtualmachineinstances": 1}; show(remote) != show(want) {
		t.Errorf("%s requests: %s\nwant %s", remoteA, show(remote), show(want))
	}

	cfg, err := clientcmd.Load(s.env.Remote(remoteA).RegisteredKubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	user := cfg.AuthInfos[cfg.Contexts[cfg.CurrentContext].AuthInfo]
	secrets := map[string]string{
		"client key (PEM)":   string(user.ClientKeyData[40:100]),
		"client certificate": string(user.ClientCertificateData[40:100]),
		"kubeconfig Secret":  "client-key-data",
	}
	const streamed = "bytes-of-the-stream-7c1f"
	for v := 0; v <= 10; v++ {
		r := mustSucceed(t, s.pluginWith(t, streamed, nil, "port-forward", "--stdio", "-n", ns, "budget", "22", fmt.Sprintf("-v=%d", v)))
		for what, secret := range secrets {
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("-v=%d: %s leaked", v, what)
			}
		}
		if strings.Contains(r.stderr, streamed) {
			t.Errorf("-v=%d: stream bytes in the log:\n%s", v, r.stderr)
		}
	}
}

func TestPortForwardWithoutTheStreamPermissionIsRefusedByTheCluster(t *testing.T) {
	s := needEnv(t)
	ns := s.powerWorld(t, powerMachine{name: "locked", cluster: remoteA})
	a := s.env.Remote(remoteA)
	// May find the VM and read its VMI, but not open virtualmachineinstances/portforward.
	s.create(t, a, fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: %[1]s}
rules:
- apiGroups: [kubevirt.io]
  resources: [virtualmachines, virtualmachineinstances]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: %[1]s}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- {kind: User, name: e2e-no-streams}
`, ns))
	kc, err := a.AddUser("e2e-no-streams")
	if err != nil {
		t.Fatal(err)
	}
	if kc, err = a.KubeVirt.KubeconfigFor(kc); err != nil {
		t.Fatal(err)
	}
	name := "kv-a-no-streams-" + ns
	sup := s.client(t, s.env.Supervisor)
	if err := testenv.RegisterRemote(t.Context(), sup, name, kc); err != nil {
		t.Fatal(err)
	}
	// Other tests count the supervisor's KubevirtConfigs.
	t.Cleanup(func() {
		_ = deleteObject(context.Background(), sup, cluster.KubevirtConfigs, "", name)
		_ = deleteObject(context.Background(), sup, cluster.Secrets, testenv.SecretNamespace, name+"-kubeconfig")
	})
	doc := machineYAML(ns, "locked2", annotation(name), "")
	s.create(t, s.env.Supervisor, doc)
	s.create(t, a, fmt.Sprintf(`apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: vm-locked2
  namespace: %s
  labels: {vitistack.io/source-machine: locked2}
spec:
  runStrategy: Always
  template: {spec: {domain: {devices: {}}}}
`, ns))
	if err := a.KubeVirt.Controller.Settle(t.Context(), ns); err != nil {
		t.Fatal(err)
	}
	r := mustExit(t, s.plugin(t, "port-forward", "--stdio", "-n", ns, "locked2", "22"), 2)
	mustContain(t, "stderr", r.stderr, "open portforward/22/tcp", "forbidden", `cannot get resource "virtualmachineinstances/portforward" in API group "subresources.kubevirt.io"`)
}
