package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// powerMachine is a Machine of a power test and the remote cluster of its VM ("" for none: not
// provisioned, though annotated with kv-a).
type powerMachine struct {
	name, cluster string
	labels        string
}

// powerWorld makes, in a fresh namespace, each Machine on the supervisor and, on its cluster, its
// VM (labelled with the Machine, runStrategy Always), brought to Running with a VMI by the
// stand-in virt-controller.
func (s *suite) powerWorld(t *testing.T, machines ...powerMachine) string {
	t.Helper()
	ns := s.namespace(t)
	s.powerWorldIn(t, ns, machines...)
	return ns
}

// powerWorldIn is powerWorld in a namespace that exists on the supervisor.
func (s *suite) powerWorldIn(t *testing.T, ns string, machines ...powerMachine) {
	t.Helper()
	made := map[string]bool{}
	for _, m := range machines {
		kv := m.cluster
		if kv == "" {
			kv = remoteA
		}
		doc := machineYAML(ns, m.name, annotation(kv), "")
		if m.labels != "" {
			doc = strings.Replace(doc, "metadata:\n", "metadata:\n  labels:\n"+m.labels, 1)
		}
		s.create(t, s.env.Supervisor, doc)
		if m.cluster == "" {
			continue
		}
		p := s.env.Remote(m.cluster)
		if !made[m.cluster] {
			s.create(t, p, fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n", ns))
			made[m.cluster] = true
		}
		s.create(t, p, fmt.Sprintf(`apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: vm-%[1]s
  namespace: %[2]s
  labels:
    vitistack.io/source-machine: %[1]s
spec:
  runStrategy: Always
  template:
    metadata:
      labels:
        vitistack.io/source-machine: %[1]s
    spec:
      domain:
        devices: {}
`, m.name, ns))
	}
	for kv := range made {
		if err := s.env.Remote(kv).KubeVirt.Controller.Settle(context.Background(), ns); err != nil {
			t.Fatal(err)
		}
	}
}

// calls are the subresource calls made in a namespace on a remote.
func (s *suite) calls(kv, ns string) []testenv.Call {
	return s.env.Remote(kv).KubeVirt.Calls(ns)
}

// reportAction is the ACTION cell of a Machine's row in a power report ("ns/name").
func reportAction(out, machine string) string {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && f[0] == machine {
			return strings.Join(f[3:], " ")
		}
	}
	return ""
}

func wantPowerAction(t *testing.T, r result, machine, want string) {
	t.Helper()
	if got := reportAction(r.stdout, machine); got != want {
		t.Errorf("action of %s: %q, want %q\n%s", machine, got, want, r)
	}
}

// vmStatus is the VM's printableStatus and whether it has a VMI, and the VMI's node.
func (s *suite) vmState(t *testing.T, kv, ns, vm string) (printable string, vmi bool, node string) {
	t.Helper()
	p := s.env.Remote(kv)
	u := s.get(t, p, cluster.VirtualMachines, ns, vm)
	printable, _, _ = unstructured.NestedString(u.Object, "status", "printableStatus")
	if i := s.get(t, p, cluster.VirtualMachineInstances, ns, vm); i != nil {
		node, _, _ = unstructured.NestedString(i.Object, "status", "nodeName")
		return printable, true, node
	}
	return printable, false, ""
}

func TestPowerEveryVerbOnOneMachineWaitsForItsStateAndReRunsAreNoOps(t *testing.T) {
	s := needEnv(t)
	ns := s.powerWorld(t, powerMachine{name: "web", cluster: remoteA})
	key := ns + "/web"
	steps := []struct {
		verb, action, printable string
		vmi                     bool
		again                   string // the re-run's action; "" when a re-run acts again
	}{
		{"stop", "stopped", "Stopped", false, "already stopped"},
		{"start", "started", "Running", true, "already running"},
		{"pause", "paused", "Paused", true, "already paused"},
		{"unpause", "unpaused", "Running", true, "already running"},
		{"soft-reboot", "soft-rebooted", "Running", true, ""},
		{"restart", "restarted", "Running", true, ""},
		{"migrate", "migrating", "Running", true, ""},
	}
	for _, st := range steps {
		before := len(s.calls(remoteA, ns))
		var vmiBefore string
		if u := s.get(t, s.env.Remote(remoteA), cluster.VirtualMachineInstances, ns, "vm-web"); u != nil {
			vmiBefore = string(u.GetUID())
		}
		r := mustSucceed(t, s.plugin(t, st.verb, "-n", ns, "web", "--wait", "--timeout", "30s"))
		wantPowerAction(t, r, key, st.action)
		mustContain(t, st.verb+" report", r.stdout, "MACHINE", "CLUSTER", "VM", "ACTION", remoteA, "vm-web")
		calls := s.calls(remoteA, ns)[before:]
		if len(calls) != 1 {
			t.Fatalf("%s: %d subresource calls, want 1: %+v", st.verb, len(calls), calls)
		}
		sub := strings.ReplaceAll(st.verb, "-", "")
		if c := calls[0]; c.Subresource != sub || c.Name != "vm-web" || c.Code >= 300 || !strings.HasPrefix(c.UserAgent, "kubectl-vitimachine/") {
			t.Errorf("%s: call %+v", st.verb, c)
		}
		printable, vmi, node := s.vmState(t, remoteA, ns, "vm-web")
		if printable != st.printable || vmi != st.vmi {
			t.Errorf("after %s --wait: VM %s, VMI %v; want %s, %v", st.verb, printable, vmi, st.printable, st.vmi)
		}
		switch st.verb {
		case "restart":
			if u := s.get(t, s.env.Remote(remoteA), cluster.VirtualMachineInstances, ns, "vm-web"); u == nil || string(u.GetUID()) == vmiBefore {
				t.Errorf("restart --wait returned before a new VMI was there")
			}
		case "migrate":
			if node != testenv.NodeB {
				t.Errorf("after migrate --wait the VMI is on %q, want %s", node, testenv.NodeB)
			}
			var phases []string
			_ = s.client(t, s.env.Remote(remoteA)).List(context.Background(), cluster.VirtualMachineInstanceMigrations, ns, "", func(u *unstructured.Unstructured) error {
				p, _, _ := unstructured.NestedString(u.Object, "status", "phase")
				phases = append(phases, p)
				return nil
			})
			if len(phases) != 1 || phases[0] != "Succeeded" {
				t.Errorf("migrations: %v, want one Succeeded", phases)
			}
			// status -o wide shows the last migration's phase.
			wide := mustSucceed(t, s.plugin(t, "status", "-n", ns, "-o", "wide"))
			if row := statusRow(wide.stdout, "web", false); len(row) == 0 || row[len(row)-1] != "Succeeded" || row[len(row)-4] != testenv.NodeB {
				t.Errorf("status -o wide row %q, want NODE %s and MIGRATION Succeeded\n%s", row, testenv.NodeB, wide)
			}
		case "stop":
			// status shows what stop changed.
			st := mustSucceed(t, s.plugin(t, "status", "-n", ns))
			wantRow(t, st, "web", "web", remoteA, "vm-web", "Stopped")
		case "pause":
			st := mustSucceed(t, s.plugin(t, "status", "-n", ns))
			wantRow(t, st, "web", "web", remoteA, "vm-web", "Paused")
		}
		if st.again == "" {
			continue
		}
		n := len(s.calls(remoteA, ns))
		again := mustSucceed(t, s.plugin(t, st.verb, "-n", ns, "web"))
		wantPowerAction(t, again, key, st.again)
		mustContain(t, "re-run summary", again.stdout, "0 "+st.action+", 1 unchanged, 0 failed")
		if got := len(s.calls(remoteA, ns)); got != n {
			t.Errorf("re-run of %s made %d calls, want none", st.verb, got-n)
		}
	}
}

func TestPowerSelectionAcrossClustersIsBatchedAndAsksOffATerminal(t *testing.T) {
	s := needEnv(t)
	lbl := "    batch: power\n"
	ns := s.powerWorld(t,
		powerMachine{name: "a1", cluster: remoteA, labels: lbl}, powerMachine{name: "a2", cluster: remoteA, labels: lbl},
		powerMachine{name: "b1", cluster: remoteB, labels: lbl}, powerMachine{name: "b2", cluster: remoteB, labels: lbl},
		powerMachine{name: "none"})
	sel := []string{"stop", "-n", ns, "-l", "batch=power"}

	// Off a terminal a selection is refused without --yes, before any call.
	r := mustExit(t, s.plugin(t, sel...), 2)
	mustContain(t, "refusal", r.stderr, "refusing to stop 4 Machines selected by -l without --yes")
	if n := len(s.calls(remoteA, ns)) + len(s.calls(remoteB, ns)); n != 0 {
		t.Fatalf("a refused run made %d calls", n)
	}

	// --dry-run=client sends nothing and needs no --yes.
	r = mustSucceed(t, s.plugin(t, append(sel, "--dry-run=client")...))
	wantPowerAction(t, r, ns+"/b1", "would stop")
	mustContain(t, "client dry run", r.stdout, "4 to stop, 0 unchanged, 0 failed (dry run: client)")
	if n := len(s.calls(remoteA, ns)) + len(s.calls(remoteB, ns)); n != 0 {
		t.Fatalf("--dry-run=client made %d calls", n)
	}

	// --dry-run=server sends each call with KubeVirt's dry run; nothing changes.
	r = mustSucceed(t, s.plugin(t, append(sel, "--dry-run=server")...))
	mustContain(t, "server dry run", r.stdout, "4 to stop, 0 unchanged, 0 failed (dry run: server)")
	for _, kv := range []string{remoteA, remoteB} {
		calls := s.calls(kv, ns)
		if len(calls) != 2 {
			t.Fatalf("%s: %d calls, want 2", kv, len(calls))
		}
		for _, c := range calls {
			if !strings.Contains(c.Body, `"dryRun":["All"]`) || c.Code != 202 {
				t.Errorf("%s: server dry run call %+v", kv, c)
			}
		}
	}
	if printable, vmi, _ := s.vmState(t, remoteB, ns, "vm-b1"); printable != "Running" || !vmi {
		t.Fatalf("a server dry run stopped vm-b1: %s, %v", printable, vmi)
	}
	// soft-reboot has no server dry run: not sent.
	r = mustSucceed(t, s.plugin(t, "soft-reboot", "-n", ns, "-l", "batch=power", "--dry-run=server"))
	wantPowerAction(t, r, ns+"/a1", "would soft-reboot (not sent: KubeVirt has no server dry run for softreboot)")
	if n := len(s.calls(remoteA, ns)) + len(s.calls(remoteB, ns)); n != 4 {
		t.Fatalf("soft-reboot --dry-run=server sent calls: %d in all, want the 4 earlier ones", n)
	}

	// With --yes: one call per Machine, one VM list and one VMI list per cluster and namespace.
	m := s.mark(t)
	r = mustSucceed(t, s.plugin(t, append(sel, "--yes", "-o", "json")...))
	var doc struct {
		Items []struct {
			Machine                    struct{ Namespace, Name string }
			Cluster, VM, Action, Error string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("-o json: %v\n%s", err, r)
	}
	if len(doc.Items) != 4 {
		t.Fatalf("-o json: %d items\n%s", len(doc.Items), r)
	}
	for _, it := range doc.Items {
		if it.Action != "stopped" || it.Error != "" || it.Machine.Namespace != ns || it.VM != "vm-"+it.Machine.Name || it.Cluster != "kv-"+it.Machine.Name[:1] {
			t.Errorf("-o json item %+v", it)
		}
	}
	for _, kv := range []string{remoteA, remoteB} {
		got := budget(s.requests(t, m, s.env.Remote(kv)))
		want := map[string]int{"list virtualmachines": 1, "list virtualmachineinstances": 1}
		if show(got) != show(want) {
			t.Errorf("%s: requests %s, want %s", kv, show(got), show(want))
		}
		stops := 0
		for _, c := range s.calls(kv, ns) {
			if !strings.Contains(c.Body, "dryRun") {
				stops++
			}
		}
		if stops != 2 {
			t.Errorf("%s: %d stop calls, want 2", kv, stops)
		}
	}
	for _, vm := range []string{"a1", "a2"} {
		if rs, _, _ := unstructured.NestedString(s.get(t, s.env.Remote(remoteA), cluster.VirtualMachines, ns, "vm-"+vm).Object, "spec", "runStrategy"); rs != "Halted" {
			t.Errorf("vm-%s runStrategy %q after stop, want Halted", vm, rs)
		}
	}

	// A re-run acts on nothing, calls nothing and needs no confirmation.
	before := len(s.calls(remoteA, ns)) + len(s.calls(remoteB, ns))
	r = mustSucceed(t, s.plugin(t, sel...))
	mustContain(t, "re-run", r.stdout, "0 stopped, 4 unchanged, 0 failed")
	if n := len(s.calls(remoteA, ns)) + len(s.calls(remoteB, ns)); n != before {
		t.Errorf("re-run made %d calls", n-before)
	}

	// A Machine without a VM is not provisioned: exit 2, no call. a1 is started once the stand-in
	// controller has removed its VMI (KubeVirt refuses to start a VM whose VMI is still there).
	eventually(t, 30*time.Second, "vm-a1's VMI gone after the stop", func() bool {
		return s.get(t, s.env.Remote(remoteA), cluster.VirtualMachineInstances, ns, "vm-a1") == nil
	})
	r = mustExit(t, s.plugin(t, "start", "-n", ns, "none", "a1"), 2)
	wantPowerAction(t, r, ns+"/none", "not provisioned")
	wantPowerAction(t, r, ns+"/a1", "started")
}

// onTerminalWith runs the plugin on a pseudo-terminal (util-linux script) with stdin typed into it.
func (s *suite) onTerminalWith(t *testing.T, stdin string, args ...string) (string, int) {
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
	cmd.Env = []string{"PATH=" + s.bin + string(os.PathListSeparator) + s.assets + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + s.dir, "KUBECONFIG=" + s.env.Supervisor.KubeconfigPath, "TERM=xterm"}
	cmd.Stdin = strings.NewReader(stdin)
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

func TestPowerAsksOnATerminalAndWaitsWithProgress(t *testing.T) {
	s := needEnv(t)
	lbl := "    batch: ask\n"
	ns := s.powerWorld(t, powerMachine{name: "a1", cluster: remoteA, labels: lbl}, powerMachine{name: "b1", cluster: remoteB, labels: lbl})

	screen, code := s.onTerminalWith(t, "n\n", "pause", "-n", ns, "-l", "batch=ask")
	if code != 2 || !strings.Contains(screen, "About to pause 2 Machines:") || !strings.Contains(screen, ns+"/a1 (VM vm-a1 on kv-a)") ||
		!strings.Contains(screen, "cancelled: nothing was sent") {
		t.Fatalf("answered no: exit %d\n%s", code, screen)
	}
	if n := len(s.calls(remoteA, ns)) + len(s.calls(remoteB, ns)); n != 0 {
		t.Fatalf("a cancelled run made %d calls", n)
	}
	screen, code = s.onTerminalWith(t, "y\n", "pause", "-n", ns, "-l", "batch=ask", "--wait", "--timeout", "30s")
	if code != 0 || !strings.Contains(screen, "waiting: "+ns+"/a1 is Paused") || !strings.Contains(screen, "2 paused, 0 unchanged, 0 failed") {
		t.Fatalf("answered yes: exit %d\n%s", code, screen)
	}
	if printable, _, _ := s.vmState(t, remoteB, ns, "vm-b1"); printable != "Paused" {
		t.Errorf("vm-b1 is %s after pause --wait", printable)
	}
	// Named Machines are not asked about, even on a terminal.
	screen, code = s.onTerminalWith(t, "", "unpause", "-n", ns, "a1", "b1")
	if code != 0 || strings.Contains(screen, "Continue?") {
		t.Fatalf("named Machines: exit %d\n%s", code, screen)
	}
}

func TestPowerWaitTimesOutNamingEachMachineAndItsLastState(t *testing.T) {
	s := needEnv(t)
	ns := s.powerWorld(t, powerMachine{name: "slow", cluster: remoteB})
	ctl := s.env.Remote(remoteB).KubeVirt.Controller
	ctl.Hold(true)
	t.Cleanup(func() { ctl.Hold(false) })
	start := time.Now()
	r := mustExit(t, s.plugin(t, "stop", "-n", ns, "slow", "--wait", "--timeout", "3s"), 2)
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("--timeout 3s took %s", took)
	}
	wantPowerAction(t, r, ns+"/slow", "stopped")
	mustContain(t, "timeout", r.stderr, "not Stopped after 3s", ns+"/slow (VM vm-slow on kv-b): last state: Running")
}

func TestPowerDeadClusterFailsOnlyItsMachinesWithinTheClusterTimeout(t *testing.T) {
	s := needEnv(t)
	tag := fmt.Sprintf("p%d", nsCounter.Add(1))
	s.registerTemporarily(t, "kv-hang-"+tag, withServer(t, s.env.Remote(remoteA).Kubeconfig, hangingServer(t)))
	ns := tag + "-dead"
	s.create(t, s.nsSup, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	s.create(t, s.env.Remote(remoteA), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	s.create(t, s.nsSup, machineYAML(ns, "lost", annotation("kv-hang-"+tag), "")+"---\n"+machineYAML(ns, "fine", annotation(remoteA), ""))
	t.Cleanup(func() {
		_ = deleteObject(context.Background(), s.client(t, s.nsSup), cluster.Machines, ns, "lost")
		_ = deleteObject(context.Background(), s.client(t, s.nsSup), cluster.Machines, ns, "fine")
	})
	s.create(t, s.env.Remote(remoteA), fmt.Sprintf(`apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: vm-fine
  namespace: %s
  labels:
    vitistack.io/source-machine: fine
spec:
  runStrategy: Halted
  template:
    spec:
      domain:
        devices: {}
`, ns))
	start := time.Now()
	r := mustExit(t, s.kubectl(t, call{args: []string{"vitimachine", "start", "-n", ns, "lost", "fine", "--cluster-timeout", "3s"}, supervisor: s.nsSup}), 2)
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("a hanging cluster cost %s with --cluster-timeout 3s", took)
	}
	wantPowerAction(t, r, ns+"/fine", "started")
	mustContain(t, "dead cluster row", reportAction(r.stdout, ns+"/lost"), "failed:", "did not answer within --cluster-timeout=3s")
}

func TestPowerLeaksNoCredentialAtAnyVerbosity(t *testing.T) {
	s := needEnv(t)
	ns := s.powerWorld(t, powerMachine{name: "quiet", cluster: remoteA})
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
	for v := 0; v <= 10; v++ {
		for _, args := range [][]string{
			{"stop", "-n", ns, "quiet", "--dry-run=server"},
			{"restart", "-n", ns, "quiet", "--wait", "--timeout", "30s"},
		} {
			r := mustSucceed(t, s.plugin(t, append(args, fmt.Sprintf("-v=%d", v))...))
			for what, secret := range secrets {
				if strings.Contains(r.stdout+r.stderr, secret) {
					t.Errorf("-v=%d %v: %s leaked", v, args, what)
				}
			}
		}
	}
}
