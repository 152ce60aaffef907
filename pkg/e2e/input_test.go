package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// startReading starts "kubectl vitimachine ARGS..." with stdin as its standard input.
func (s *suite) startReading(t *testing.T, stdin *os.File, args ...string) *started {
	t.Helper()
	st := &started{cmd: exec.Command(filepath.Join(s.assets, "kubectl"), append([]string{"vitimachine"}, args...)...)}
	st.cmd.Env = []string{
		"PATH=" + s.bin + string(os.PathListSeparator) + s.assets + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + s.dir, "KUBECONFIG=" + s.env.Supervisor.KubeconfigPath,
	}
	st.cmd.Stdin, st.cmd.Stdout, st.cmd.Stderr = stdin, &st.out, &st.errOut
	if err := st.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.cmd.Process.Kill() })
	return st
}

// TestCtrlCWhileReadingStandardInput: a standard input that never ends used to need SIGKILL.
func TestCtrlCWhileReadingStandardInput(t *testing.T) {
	s := needEnv(t)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	st := s.startReading(t, pr, "create", "-f", "-", "--dry-run=client")
	_ = pr.Close()
	// A pipe holds 64 KiB: once 256 KiB are written, the plugin is reading (its signal handler is
	// installed before it reads). The input then stays open and never ends.
	chunk := strings.Repeat("# still typing\n", 256<<10/15)
	if _, err := pw.WriteString(chunk); err != nil {
		t.Fatal(err)
	}
	r := st.stop(t, os.Interrupt)
	if r.code != 130 {
		t.Fatalf("exit %d, want 130\n%s", r.code, r)
	}
	mustContain(t, "stderr", r.stderr, "read <stdin>: interrupted")
}

// TestCtrlCWhileAFIFOInAFolderWaits: a FIFO among the files of a folder blocks in open(2) until
// someone writes to it; Ctrl-C ends the run (it used to need SIGKILL).
func TestCtrlCWhileAFIFOInAFolderWaits(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(machineYAML(ns, "a", annotation(remoteA), "")), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "b.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	st := s.start(t, "create", "-f", dir)
	// Opening the FIFO for writing returns once the plugin has opened it for reading.
	opened := make(chan *os.File, 1)
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			opened <- f
		}
	}()
	select {
	case f := <-opened:
		defer f.Close()
	case <-time.After(30 * time.Second):
		t.Fatalf("the plugin never opened the FIFO\n%s%s", st.out.String(), st.errOut.String())
	}
	r := st.stop(t, os.Interrupt)
	if r.code != 130 {
		t.Fatalf("exit %d, want 130\n%s", r.code, r)
	}
	mustContain(t, "stderr", r.stderr, "b.yaml: interrupted")
	if s.get(t, s.env.Supervisor, cluster.Machines, ns, "a") != nil {
		t.Error("an interrupted read still created a Machine")
	}
}

// TestFoldersRecursiveAndSkippedFiles: -f reads a folder's files in name order and skips, with a
// note, the files that hold no Machine (a kustomization, the MachineClasses) and, without -R, its
// subfolders; a file that is a broken Machine still refuses the whole input.
func TestFoldersRecursiveAndSkippedFiles(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	dir := t.TempDir()
	for name, text := range map[string]string{
		"top.yaml":           machineYAML(ns, "top", annotation(remoteA), ""),
		"kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- top.yaml\n",
		"sub/deep.yaml":      machineYAML(ns, "deep", annotation(remoteA), ""),
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r := mustSucceed(t, s.plugin(t, "create", "-f", dir, "--dry-run=client"))
	mustContain(t, "stderr", r.stderr, "note: skipped "+filepath.Join(dir, "kustomization.yaml")+": it holds no Machine (Kustomization)",
		"note: skipped folder "+filepath.Join(dir, "sub")+" (use -R to read subfolders)")
	if action(r.stdout, "machine.vitistack.io/top") != "would create" || action(r.stdout, "machine.vitistack.io/deep") != "" {
		t.Errorf("without -R:\n%s", r)
	}
	r = mustSucceed(t, s.plugin(t, "create", "-f", dir, "-R", "--dry-run=client"))
	if action(r.stdout, "machine.vitistack.io/top") != "would create" || action(r.stdout, "machine.vitistack.io/deep") != "would create" {
		t.Errorf("with -R:\n%s", r)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "broken.yaml"), []byte(machineYAML(ns, "broken", "", "  cpu:\n    corez: 2\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	r = mustExit(t, s.plugin(t, "create", "-f", dir, "-R"), 2)
	mustContain(t, "stderr", r.stderr, filepath.Join(dir, "sub", "broken.yaml")+` document 1: unknown field "spec.cpu.corez"`)
	if s.get(t, s.env.Supervisor, cluster.Machines, ns, "top") != nil {
		t.Error("a refused input wrote")
	}
}

// TestMachinesGivenTwice (bug 7): the same Machine twice is planned once, with a note; two
// different Machines under one name are refused with both origins, before anything is written.
func TestMachinesGivenTwice(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	m := machineYAML(ns, "twice", annotation(remoteA), "")
	a := writeFile(t, "a.yaml", m+"---\n"+m)
	r := mustSucceed(t, s.plugin(t, "create", "-f", a))
	mustContain(t, "stderr", r.stderr, `note: machine "`+ns+`/twice" is given twice (`+a+` document 1 and `+a+` document 2), identically; using it once`)
	if n := strings.Count(r.stdout, "virtualmachine.kubevirt.io/vm-twice"); n != 1 {
		t.Errorf("the VM has %d rows\n%s", n, r)
	}
	b := writeFile(t, "b.yaml", machineYAML(ns, "twice", annotation(remoteA), "  cpu:\n    cores: 4\n"))
	r = mustExit(t, s.plugin(t, "diff", "-f", a, "-f", b), 2)
	mustContain(t, "stderr", r.stderr, `error: machine "`+ns+`/twice" is given twice, differently: `+a+` document 1 and `+b+` document 1 (keep one)`)
	if r.stdout != "" {
		t.Errorf("a refused input printed a diff:\n%s", r.stdout)
	}
}

// TestInvalidSelectorsAreNotSent (bug 8): -l and --managed-by-label are checked locally, with the
// reason, and no request reaches any cluster.
func TestInvalidSelectorsAreNotSent(t *testing.T) {
	s := needEnv(t)
	m := s.mark(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"ns-sync", "-l", "a=b,,c"}, `invalid -l "a=b,,c": found ',', expected: identifier after ','`},
		{[]string{"create", "-l", "tier in (db"}, `invalid -l "tier in (db": `},
		{[]string{"diff", "-A", "-l", "x=-y"}, `invalid -l "x=-y": `},
		{[]string{"ns-sync", "--managed-by-label", "managed by=me"}, `invalid --managed-by-label "managed by=me": key "managed by": name part must consist of alphanumeric characters`},
		{[]string{"create", "x", "--managed-by-label", "managed-by=-me-"}, `invalid --managed-by-label "managed-by=-me-": value "-me-": a valid label must be an empty string or consist of alphanumeric characters`},
	} {
		r := mustExit(t, s.plugin(t, tc.args...), 2)
		mustContain(t, strings.Join(tc.args, " "), r.stderr, "error: "+tc.want, "Usage:")
	}
	for _, p := range s.planes() {
		if reqs := s.requests(t, m, p); len(reqs) != 0 {
			t.Errorf("%s received %d requests: %v", p.Name, len(reqs), budget(reqs))
		}
	}
}

// TestSelectorAndAllNamespaces: create and diff take Machines on the supervisor by -l and -A, as
// kubectl get does.
func TestSelectorAndAllNamespaces(t *testing.T) {
	s := needEnv(t)
	ns1, ns2 := s.namespace(t), s.namespace(t)
	tag := strings.TrimPrefix(ns1, "e2e-")[:4]
	labelled := func(ns, name string) string {
		return strings.Replace(machineYAML(ns, name, annotation(remoteA), ""), "metadata:\n", "metadata:\n  labels:\n    batch: b"+tag+"\n", 1)
	}
	s.create(t, s.env.Supervisor, labelled(ns1, "one")+"---\n"+labelled(ns2, "two")+"---\n"+machineYAML(ns1, "other", annotation(remoteA), ""))

	r := mustSucceed(t, s.plugin(t, "create", "-A", "-l", "batch=b"+tag, "--dry-run=client"))
	if action(r.stdout, "virtualmachine.kubevirt.io/vm-one") != "would create" || action(r.stdout, "virtualmachine.kubevirt.io/vm-two") != "would create" ||
		action(r.stdout, "virtualmachine.kubevirt.io/vm-other") != "" {
		t.Errorf("-A -l:\n%s", r)
	}
	r = mustSucceed(t, s.plugin(t, "create", "-n", ns1, "-l", "batch=b"+tag))
	if action(r.stdout, "virtualmachine.kubevirt.io/vm-one") != "created" || action(r.stdout, "virtualmachine.kubevirt.io/vm-two") != "" {
		t.Errorf("-n -l:\n%s", r)
	}
	r = mustExit(t, s.plugin(t, "diff", "-A", "-l", "batch=b"+tag), 1)
	mustContain(t, "diff", r.stdout, "+++ desired/kv-a/kubevirt.io.v1.VirtualMachine."+ns2+".vm-two")
	if strings.Contains(r.stdout, ns1) {
		t.Errorf("diff shows the Machine already created:\n%s", r.stdout)
	}
	r = mustSucceed(t, s.plugin(t, "create", "-A", "-l", "batch=none-"+tag))
	if r.stdout != "" || r.stderr != "No Machines found in any namespace matching -l batch=none-"+tag+".\n" {
		t.Errorf("nothing selected:\n%s", r)
	}
	for _, args := range [][]string{{"create", "one", "-l", "a=b"}, {"diff", "one", "-A"}, {"create", "-f", "x.yaml", "-A"}, {"create", "-R", "one"}} {
		r := mustExit(t, s.plugin(t, args...), 2)
		mustContain(t, strings.Join(args, " "), r.stderr, "Usage:")
	}
}
