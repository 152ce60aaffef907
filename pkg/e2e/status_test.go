package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// statusRow is the cells of a Machine's row in status's table (MACHINE first, or NAMESPACE first
// under -A); nil when there is none. An "error: …" STATUS cell is kept whole, as the last cell.
func statusRow(out, machine string, allNamespaces bool) []string {
	col := 0
	if allNamespaces {
		col = 1
	}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) <= col || f[col] != machine {
			continue
		}
		if i := strings.Index(line, "error: "); i >= 0 {
			cell := line[i:]
			if j := strings.Index(cell, "   "); j >= 0 {
				cell = cell[:j]
			}
			return append(f[:col+3], cell)
		}
		return f
	}
	return nil
}

// wantRow compares the leading cells of a Machine's row (AGE and later are left out).
func wantRow(t *testing.T, r result, machine string, want ...string) {
	t.Helper()
	got := statusRow(r.stdout, machine, false)
	if len(got) < len(want) || strings.Join(got[:len(want)], " ") != strings.Join(want, " ") {
		t.Errorf("row of %s: %q, want %q\n%s", machine, got, want, r)
	}
}

// playVirtController reports a VM Running and ready, and gives it a VMI on a node with an IPv4
// and an IPv6 address, as virt-controller and virt-handler would.
func (s *suite) playVirtController(t *testing.T, p *testenv.Plane, ns, vmName, node, ip string) {
	t.Helper()
	vm := s.get(t, p, cluster.VirtualMachines, ns, vmName)
	_ = unstructured.SetNestedField(vm.Object, "Running", "status", "printableStatus")
	_ = unstructured.SetNestedField(vm.Object, true, "status", "ready")
	s.updateStatus(t, p, cluster.VirtualMachines, vm)
	vmi := testenv.Object("kubevirt.io/v1", "VirtualMachineInstance", ns, vmName)
	vmi.Object["spec"] = map[string]any{"domain": map[string]any{"devices": map[string]any{}}}
	// The VMI CRD has no status subresource: its status is written with the object.
	vmi.Object["status"] = map[string]any{"phase": "Running", "nodeName": node,
		"interfaces": []any{map[string]any{"name": "default", "ipAddress": "fd00::7", "ipAddresses": []any{"fd00::7", ip}}}}
	if err := testenv.Create(context.Background(), s.client(t, p), cluster.VirtualMachineInstances, vmi); err != nil {
		t.Fatal(err)
	}
}

// setPhase writes an object's status.phase through its status subresource.
func (s *suite) setPhase(t *testing.T, p *testenv.Plane, r cluster.Resource, ns, name, phase string) {
	t.Helper()
	u := s.get(t, p, r, ns, name)
	_ = unstructured.SetNestedField(u.Object, phase, "status", "phase")
	s.updateStatus(t, p, r, u)
}

func TestStatusJoinsEachMachineWithItsVMVMIAndDisksAcrossClusters(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	tag := fmt.Sprintf("st%d", nsCounter.Add(1))
	a := s.env.Remote(remoteA)
	label := "  labels:\n    batch: " + tag + "\n"
	disks := "  machineClass: small\n  disks:\n  - {name: os, sizeGB: 10, boot: true}\n  - {name: data, sizeGB: 20}\n"
	s.create(t, s.env.Supervisor, strings.Replace(machineYAML(ns, "up", annotation(remoteA), disks), "metadata:\n", "metadata:\n"+label, 1)+"---\n"+
		strings.Replace(machineYAML(ns, "down", annotation(remoteB), ""), "metadata:\n", "metadata:\n"+label, 1))
	mustSucceed(t, s.plugin(t, "create", "-n", ns, "up"))
	s.playVirtController(t, a, ns, "vm-up", "node-7", "10.244.1.7")
	s.setPhase(t, a, cluster.PVCs, ns, "vm-up-os-pvc", "Bound")
	s.setPhase(t, s.env.Supervisor, cluster.Machines, ns, "up", "Running")

	m := s.mark(t)
	r := mustSucceed(t, s.plugin(t, "status", "-n", ns))
	wantRow(t, r, "up", "up", remoteA, "vm-up", "Running", "True", "1/2", "10.244.1.7")
	wantRow(t, r, "down", "down", remoteB, "<none>", "NotProvisioned", "False", "0/0", "<none>")
	mustContain(t, "header", r.stdout, "MACHINE   CLUSTER   VM ")
	// Read-only, and batched: one list per resource and namespace on each cluster.
	sup := budget(s.requests(t, m, s.env.Supervisor))
	if want := map[string]int{"list machines": 1, "list kubevirtconfigs": 1, "get secrets": 2}; show(sup) != show(want) {
		t.Errorf("supervisor requests: %s\nwant %s", show(sup), show(want))
	}
	for _, kv := range []string{remoteA, remoteB} {
		want := map[string]int{"list virtualmachines": 1, "list virtualmachineinstances": 1, "list persistentvolumeclaims": 1}
		if got := budget(s.requests(t, m, s.env.Remote(kv))); show(got) != show(want) {
			t.Errorf("%s requests: %s\nwant %s", kv, show(got), show(want))
		}
	}
	for _, p := range s.planes() {
		if n := writes(s.requests(t, m, p)); n != 0 {
			t.Errorf("status made %d writes on %s", n, p.Name)
		}
	}

	t.Run("json", func(t *testing.T) {
		r := mustSucceed(t, s.plugin(t, "status", "-n", ns, "-o", "json"))
		var doc struct {
			Items []struct {
				Machine struct{ Namespace, Name string }
				Cluster string
				VM      *struct {
					Name, Status string
					Ready        bool
				}
				VMI *struct {
					Phase, Node string
					IPs         []string
				}
				PVCs  []struct{ Name, Phase string }
				Error *string
			}
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		if len(doc.Items) != 2 {
			t.Fatalf("%d items\n%s", len(doc.Items), r.stdout)
		}
		down, up := doc.Items[0], doc.Items[1] // as listed: by name
		if up.Machine.Namespace != ns || up.Machine.Name != "up" || up.Cluster != remoteA || up.Error == nil || *up.Error != "" {
			t.Errorf("up: %+v", up)
		}
		if up.VM == nil || up.VM.Name != "vm-up" || up.VM.Status != "Running" || !up.VM.Ready {
			t.Errorf("up.vm: %+v", up.VM)
		}
		if up.VMI == nil || up.VMI.Phase != "Running" || up.VMI.Node != "node-7" || strings.Join(up.VMI.IPs, ",") != "fd00::7,10.244.1.7" {
			t.Errorf("up.vmi: %+v", up.VMI)
		}
		if fmt.Sprint(up.PVCs) != "[{vm-up-data-pvc Pending} {vm-up-os-pvc Bound}]" {
			t.Errorf("up.pvcs: %+v", up.PVCs)
		}
		if down.Machine.Name != "down" || down.Cluster != remoteB || down.VM != nil || down.VMI != nil || down.PVCs == nil || len(down.PVCs) != 0 {
			t.Errorf("down: %+v", down)
		}
		if strings.Contains(r.stdout, "\x1b[") {
			t.Error("colour in -o json")
		}
	})

	t.Run("wide and drift", func(t *testing.T) {
		m := s.mark(t)
		r := mustSucceed(t, s.plugin(t, "status", "-n", ns, "-o", "wide"))
		if got := statusRow(r.stdout, "up", false); len(got) != 12 || strings.Join(got[8:], " ") != "node-7 Running no <none>" {
			t.Errorf("up: %q\n%s", got, r)
		}
		if got := statusRow(r.stdout, "down", false); len(got) != 12 || strings.Join(got[8:], " ") != "<none> <none> - <none>" {
			t.Errorf("down: %q\n%s", got, r)
		}
		// Drift reads the MachineClass, the storage facts and the namespace's NetworkNamespaces once,
		// nothing per Machine.
		sup := budget(s.requests(t, m, s.env.Supervisor))
		if want := map[string]int{"list machines": 1, "list kubevirtconfigs": 1, "get secrets": 2, "get machineclasses": 1, "list networknamespaces": 1}; show(sup) != show(want) {
			t.Errorf("supervisor requests: %s\nwant %s", show(sup), show(want))
		}
		want := map[string]int{"list virtualmachines": 1, "list virtualmachineinstances": 1, "list persistentvolumeclaims": 1, "list storageclasses": 1, "get storageprofiles": 1}
		if got := budget(s.requests(t, m, a)); show(got) != show(want) {
			t.Errorf("%s requests: %s\nwant %s", remoteA, show(got), show(want))
		}

		vm := s.get(t, a, cluster.VirtualMachines, ns, "vm-up")
		_ = unstructured.SetNestedField(vm.Object, int64(5), "spec", "template", "spec", "domain", "cpu", "cores")
		if _, err := dynamicFor(t, a).Resource(cluster.VirtualMachines.GVR).Namespace(ns).Update(context.Background(), vm, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		r = mustSucceed(t, s.plugin(t, "status", "-n", ns, "-o", "wide"))
		if got := statusRow(r.stdout, "up", false); len(got) != 12 || got[10] != "yes" {
			t.Errorf("after changing the live VM: %q\n%s", got, r)
		}
	})

	t.Run("names, -A and completion", func(t *testing.T) {
		m := s.mark(t)
		r := mustExit(t, s.plugin(t, "status", "-n", ns, "up", "ghost"), 2)
		wantRow(t, r, "up", "up", remoteA, "vm-up", "Running")
		mustContain(t, "stderr", r.stderr, `machine "ghost" not found on the supervisor in namespace "`+ns+`"`, "1 named Machine not found")
		if sup := budget(s.requests(t, m, s.env.Supervisor)); sup["get machines"] != 2 || sup["list machines"] != 0 {
			t.Errorf("supervisor: %s, want one get per NAME", show(sup))
		}

		r = mustSucceed(t, s.plugin(t, "status", "-A", "-l", "batch="+tag))
		if got := statusRow(r.stdout, "up", true); len(got) < 3 || got[0] != ns || got[2] != remoteA {
			t.Errorf("-A: %q\n%s", got, r)
		}
		mustContain(t, "-A header", r.stdout, "NAMESPACE")

		r = mustSucceed(t, s.plugin(t, "__complete", "status", "-n", ns, ""))
		mustContain(t, "completion", r.stdout, "up\n", "down\n")

		mustExit(t, s.plugin(t, "status", "-A", "up"), 2)
		mustExit(t, s.plugin(t, "status", "-l", "x=y", "up"), 2)
	})

	t.Run("colour on a terminal only", func(t *testing.T) {
		screen := s.onTerminal(t, nil, "status", "-n", ns)
		mustContain(t, "terminal", screen, "\x1b[32mRunning")
		screen = s.onTerminal(t, nil, "status", "-n", ns, "-o", "json", "--color=always")
		if strings.Contains(screen, "\x1b[") {
			t.Errorf("colour in -o json:\n%q", screen)
		}
		if r := mustSucceed(t, s.plugin(t, "status", "-n", ns)); strings.Contains(r.stdout, "\x1b[") {
			t.Error("colour when not on a terminal")
		}
	})
}

func dynamicFor(t *testing.T, p *testenv.Plane) dynamic.Interface {
	t.Helper()
	d, err := dynamic.NewForConfig(p.Config)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestStatusFindsUnannotatedMachinesByTheirVM: with two KubevirtConfigs and no annotation, status
// resolves as create does (the VM search), records nothing, and reuses the search's VM lists.
func TestStatusFindsUnannotatedMachinesByTheirVM(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	b := s.env.Remote(remoteB)
	s.create(t, b, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	s.create(t, b, vmYAML(ns, "vm-placed", "    vitistack.io/source-machine: placed\n"))
	s.create(t, s.env.Supervisor, machineYAML(ns, "placed", "", "")+"---\n"+machineYAML(ns, "nowhere", "", ""))
	m := s.mark(t)
	r := mustSucceed(t, s.plugin(t, "status", "-n", ns))
	wantRow(t, r, "placed", "placed", remoteB, "vm-placed", "<none>")
	wantRow(t, r, "nowhere", "nowhere", "<none>", "<none>", "NotProvisioned")
	if got := recorded(t, s, ns, "placed"); got != "" {
		t.Errorf("status recorded the KubevirtConfig %q", got)
	}
	for kv, want := range map[string]map[string]int{
		remoteA: {"list virtualmachines": 1},
		remoteB: {"list virtualmachines": 1, "list virtualmachineinstances": 1, "list persistentvolumeclaims": 1},
	} {
		if got := budget(s.requests(t, m, s.env.Remote(kv))); show(got) != show(want) {
			t.Errorf("%s: %s\nwant %s", kv, show(got), show(want))
		}
	}
	for _, p := range s.planes() {
		if n := writes(s.requests(t, m, p)); n != 0 {
			t.Errorf("status made %d writes on %s", n, p.Name)
		}
	}
}

func TestStatusShowsEveryRowWhenAClusterIsDeadOrHangs(t *testing.T) {
	s := needEnv(t)
	tag := fmt.Sprintf("st%d", nsCounter.Add(1))
	good := s.env.Remote(remoteA).Kubeconfig
	s.registerTemporarily(t, "kv-dead", withServer(t, good, closedPort(t)))
	s.registerTemporarily(t, "kv-hang", withServer(t, good, hangingServer(t)))
	ns := tag + "-faults"
	s.create(t, s.nsSup, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	var docs []string
	for name, kv := range map[string]string{"ok": remoteA, "dead-1": "kv-dead", "dead-2": "kv-dead", "hung": "kv-hang"} {
		docs = append(docs, machineYAML(ns, name, annotation(kv), ""))
		// These Machines point at clusters that go away with the test; they go too.
		t.Cleanup(func() { _ = deleteObject(context.Background(), s.client(t, s.nsSup), cluster.Machines, ns, name) })
	}
	s.create(t, s.nsSup, strings.Join(docs, "---\n"))

	const timeout = 3 * time.Second
	start := time.Now()
	r := mustExit(t, s.kubectl(t, call{args: []string{"vitimachine", "status", "-n", ns, "--cluster-timeout", timeout.String()}, supervisor: s.nsSup}), 2)
	took := time.Since(start)
	wantRow(t, r, "ok", "ok", remoteA, "<none>", "NotProvisioned")
	for _, name := range []string{"dead-1", "dead-2"} {
		if got := statusRow(r.stdout, name, false); len(got) != 4 || !strings.HasPrefix(got[3], "error: cluster kv-dead: list ") || !strings.Contains(got[3], "connection refused") {
			t.Errorf("%s: %q\n%s", name, got, r)
		}
	}
	if got := statusRow(r.stdout, "hung", false); len(got) != 4 || got[3] != "error: cluster kv-hang (context "+currentContext(t, good)+") did not answer within --cluster-timeout=3s" {
		t.Errorf("hung: %q\n%s", got, r)
	}
	mustContain(t, "stderr", r.stderr, "3 Machines could not be read")
	// Clusters are read in parallel, each within its deadline: about one timeout in all (loose bound:
	// start-up and a loaded machine; one deadline per Machine or per cluster would take 9s or more).
	if took > 3*timeout {
		t.Errorf("status took %s with --cluster-timeout=%s", took.Round(time.Millisecond), timeout)
	}
}

// syncBuffer is a bytes.Buffer that a process writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// await waits until the buffer holds want, at most 30s, without sleeping blindly: it polls the
// buffer the process writes.
func (b *syncBuffer) await(t *testing.T, want string) {
	t.Helper()
	eventually(t, 30*time.Second, fmt.Sprintf("no %q in the output", want), func() bool { return strings.Contains(b.String(), want) })
}

func TestStatusWatchPrintsALinePerChange(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	s.create(t, s.env.Supervisor, machineYAML(ns, "w", annotation(remoteA), "")+"---\n"+machineYAML(ns, "idle", annotation(remoteA), ""))
	mustSucceed(t, s.plugin(t, "create", "-n", ns, "w"))

	cmd := exec.Command(filepath.Join(s.assets, "kubectl"), "vitimachine", "status", "-n", ns, "-w")
	cmd.Env = []string{"PATH=" + s.bin + string(os.PathListSeparator) + s.assets + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + s.dir, "KUBECONFIG=" + s.env.Supervisor.KubeconfigPath}
	var out, errOut syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	out.await(t, "vm-w")
	table := out.String()
	if n := strings.Count(table, "\n"); n != 3 {
		t.Fatalf("table of %d lines:\n%s", n, table)
	}

	// The watch resumes at the list's resourceVersion: a change right after the table is seen even if
	// it comes before the watch is established.
	s.playVirtController(t, a, ns, "vm-w", "node-3", "10.244.3.3")
	out.await(t, "10.244.3.3")
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(out.String(), table)), "\n")
	for _, l := range lines {
		if f := strings.Fields(l); len(f) < 4 || f[0] != "w" || f[2] != "vm-w" {
			t.Errorf("watch line %q is not a row of w", l)
		}
	}
	if last := strings.Fields(lines[len(lines)-1]); strings.Join(last[3:7], " ") != "Running True 0/1 10.244.3.3" {
		t.Errorf("last line %q\n%s", lines[len(lines)-1], out.String())
	}
	if n := strings.Count(out.String(), "\nidle "); n != 1 {
		t.Errorf("a Machine that did not change got a line:\n%s", out.String())
	}

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
			t.Errorf("Ctrl-C: %v, want exit 130\nstderr:\n%s", err, errOut.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("still watching 15s after Ctrl-C")
	}
	if e := errOut.String(); e != "" {
		t.Errorf("stderr:\n%s", e)
	}
}

// TestStatusListsAcrossTheClusterForManyNamespaces: beyond 5 namespaces on a cluster, each resource
// is listed once across the cluster instead of once per namespace.
func TestStatusListsAcrossTheClusterForManyNamespaces(t *testing.T) {
	s := needEnv(t)
	tag := fmt.Sprintf("st%d", nsCounter.Add(1))
	var docs []string
	for i := range 6 {
		ns := fmt.Sprintf("%s-many-%d", tag, i)
		s.create(t, s.env.Supervisor, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
		docs = append(docs, strings.Replace(machineYAML(ns, "m", annotation(remoteA), ""), "metadata:\n", "metadata:\n  labels:\n    batch: "+tag+"\n", 1))
	}
	s.create(t, s.env.Supervisor, strings.Join(docs, "---\n"))
	m := s.mark(t)
	r := mustSucceed(t, s.plugin(t, "status", "-A", "-l", "batch="+tag))
	if n := strings.Count(r.stdout, "NotProvisioned"); n != 6 {
		t.Errorf("%d rows NotProvisioned, want 6\n%s", n, r)
	}
	events := s.requests(t, m, s.env.Remote(remoteA))
	if want := map[string]int{"list virtualmachines": 1, "list virtualmachineinstances": 1, "list persistentvolumeclaims": 1}; show(budget(events)) != show(want) {
		t.Errorf("%s: %s\nwant %s", remoteA, show(budget(events)), show(want))
	}
	for _, e := range events {
		if e.ObjectRef == nil || e.ObjectRef.Namespace != "" {
			t.Errorf("not a list across the cluster: %s", e)
		}
	}
}

// TestStatusWatchWithNothingToWatchEnds: -w over Machines that no cluster holds (here: a
// KubevirtConfig that does not exist) prints the table and ends with the table's exit status.
func TestStatusWatchWithNothingToWatchEnds(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.create(t, s.env.Supervisor, machineYAML(ns, "orphan", annotation("kv-nowhere"), ""))
	r := mustExit(t, s.plugin(t, "status", "-n", ns, "-w"), 2)
	if got := statusRow(r.stdout, "orphan", false); len(got) != 4 || got[1] != "kv-nowhere" || !strings.HasPrefix(got[3], `error: KubevirtConfig "kv-nowhere" not found on the supervisor`) {
		t.Errorf("%q\n%s", got, r)
	}
}

// TestStatusWideOnAnISOMachineAsksNoImageServer: status is read-only and talks to the clusters
// only: -o wide renders an ISO Machine's drift with the live VM's ISO DataVolumeTemplate size
// standing for the image's, so the image's server gets no request (create asked it once).
func TestStatusWideOnAnISOMachineAsksNoImageServer(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	var closed atomic.Bool
	var after atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if closed.Load() {
			after.Add(1)
			http.Error(w, "status must not ask the image server", http.StatusTeapot)
			return
		}
		w.Header().Set("Content-Length", "104857600") // 100 MiB: 1Gi with the operator's 10 %
	}))
	defer srv.Close()
	file := writeFile(t, "m.yaml", machineYAML(ns, "disc", annotation(remoteA)+"    kubevirt.io/boot-source: datavolume\n", "  os:\n    imageID: "+srv.URL+"/talos.iso\n"))
	r := mustSucceed(t, s.plugin(t, "create", "-f", file))
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-disc", "created")

	closed.Store(true)
	r = mustSucceed(t, s.plugin(t, "status", "-n", ns, "-o", "wide"))
	if got := statusRow(r.stdout, "disc", false); len(got) != 12 || got[10] != "no" {
		t.Errorf("disc: %q\n%s", got, r)
	}
	if n := after.Load(); n != 0 {
		t.Errorf("status -o wide made %d requests to the image server", n)
	}
}
