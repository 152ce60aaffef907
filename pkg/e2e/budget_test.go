package e2e

import (
	"fmt"
	"strings"
	"testing"
)

func TestNSSyncRequestBudget(t *testing.T) {
	s := needEnv(t)
	tag := fmt.Sprintf("n%d", nsCounter.Add(1))
	var docs []string
	missing := map[string]int{}
	for i := range 9 {
		ns := fmt.Sprintf("%s-b%d", tag, i)
		s.create(t, s.nsSup, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
		kv := []string{remoteA, remoteB}[i%2]
		missing[kv]++
		// Two Machines per namespace: still one create per namespace.
		for _, m := range []string{"m1", "m2"} {
			docs = append(docs, strings.Replace(machineYAML(ns, m, annotation(kv), ""), "metadata:\n", "metadata:\n  labels:\n    batch: "+tag+"\n", 1))
		}
	}
	s.create(t, s.nsSup, strings.Join(docs, "---\n"))

	m := s.mark(t)
	mustSucceed(t, s.nsSync(t, "-l", "batch="+tag))
	sup := budget(s.requests(t, m, s.nsSup))
	want := map[string]int{"list machines": 1, "list kubevirtconfigs": 1, "get secrets": 2}
	if show(sup) != show(want) {
		t.Errorf("supervisor requests: %s\nwant %s", show(sup), show(want))
	}
	for _, kv := range []string{remoteA, remoteB} {
		got := budget(s.requests(t, m, s.env.Remote(kv)))
		want := map[string]int{"list namespaces": 1, "create namespaces": missing[kv]}
		if show(got) != show(want) {
			t.Errorf("%s requests: %s\nwant %s", kv, show(got), show(want))
		}
	}

	m = s.mark(t)
	mustSucceed(t, s.nsSync(t, "-l", "batch="+tag))
	for _, p := range s.planes() {
		if n := writes(s.requests(t, m, p)); n != 0 {
			t.Errorf("re-run made %d writes on %s", n, p.Name)
		}
	}
}

func TestCreateRequestBudget(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.create(t, s.env.Supervisor, machineYAML(ns, "counted", annotation(remoteA), "  machineClass: small\n"))
	m := s.mark(t)
	mustSucceed(t, s.plugin(t, "create", "-n", ns, "counted"))
	sup := s.requests(t, m, s.env.Supervisor)
	remote := s.requests(t, m, s.env.Remote(remoteA))
	// get machine, list KubevirtConfigs, get Secret, get MachineClass, list NetworkNamespaces.
	if r := len(sup) - writes(sup); r > 5 {
		t.Errorf("supervisor: %d reads, budget 5: %s", r, show(budget(sup)))
	}
	if r := len(remote) - writes(remote); r > 6 {
		t.Errorf("remote: %d reads, budget 6: %s", r, show(budget(remote)))
	}
	if w := writes(remote); w != 3 {
		t.Errorf("remote: %d writes, want namespace + PVC + VM: %s", w, show(budget(remote)))
	}
	for _, e := range append(sup, remote...) {
		if e.ObjectRef == nil {
			t.Errorf("discovery or other non-resource request: %s", e)
		}
	}
	if n := len(s.requests(t, m, s.env.Remote(remoteB))); n != 0 {
		t.Errorf("%d requests to the cluster the Machine does not use", n)
	}

	m = s.mark(t)
	mustSucceed(t, s.plugin(t, "create", "-n", ns, "counted"))
	for _, p := range s.planes() {
		if n := writes(s.requests(t, m, p)); n != 0 {
			t.Errorf("re-run made %d writes on %s", n, p.Name)
		}
	}
}

// TestNSSyncVMSearchListsEachClusterOnce: Machines without the annotation, with two KubevirtConfigs,
// are placed by finding their VMs. However many Machines there are, each cluster's VMs are listed once.
func TestNSSyncVMSearchListsEachClusterOnce(t *testing.T) {
	s := needEnv(t)
	tag := fmt.Sprintf("n%d", nsCounter.Add(1))
	b := s.env.Remote(remoteB)
	var docs []string
	for i := range 3 {
		ns := fmt.Sprintf("%s-s%d", tag, i)
		s.create(t, s.nsSup, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
		s.create(t, b, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
		for _, m := range []string{"m1", "m2"} {
			s.create(t, b, vmYAML(ns, "vm-"+m, "    vitistack.io/source-machine: "+m+"\n"))
			docs = append(docs, strings.Replace(machineYAML(ns, m, "", ""), "metadata:\n", "metadata:\n  labels:\n    batch: "+tag+"\n", 1))
		}
	}
	s.create(t, s.nsSup, strings.Join(docs, "---\n"))
	m := s.mark(t)
	r := mustSucceed(t, s.nsSync(t, "-l", "batch="+tag))
	mustContain(t, "report", r.stdout, "chosen by VM found on its cluster", "0 created, 3 exist, 0 failed")
	sup := budget(s.requests(t, m, s.nsSup))
	if want := map[string]int{"list machines": 1, "list kubevirtconfigs": 1, "get secrets": 2, "patch machines": 6}; show(sup) != show(want) {
		t.Errorf("supervisor: %s\nwant %s", show(sup), show(want))
	}
	for kv, want := range map[string]map[string]int{
		remoteA: {"list virtualmachines": 1},
		remoteB: {"list virtualmachines": 1, "list namespaces": 1},
	} {
		if got := budget(s.requests(t, m, s.env.Remote(kv))); show(got) != show(want) {
			t.Errorf("%s: %s\nwant %s", kv, show(got), show(want))
		}
	}
}

// TestCreateBatchReadsGrowWithNamespacesNotMachines: N Machines in M namespaces from one file cost
// reads per namespace (and per MachineClass), never per Machine or per disk.
func TestCreateBatchReadsGrowWithNamespacesNotMachines(t *testing.T) {
	s := needEnv(t)
	const perNamespace = 4
	var namespaces []string
	for range 3 {
		namespaces = append(namespaces, s.namespace(t))
	}
	var docs []string
	for i, ns := range namespaces {
		for j := range perNamespace {
			class := []string{"small", "medium"}[j%2]
			docs = append(docs, machineYAML(ns, fmt.Sprintf("b%d-%d", i, j), annotation(remoteB),
				"  machineClass: "+class+"\n  disks:\n    - name: os\n      boot: true\n    - name: data\n"))
		}
	}
	file := writeFile(t, "batch.yaml", strings.Join(docs, "---\n"))
	n, m, classes := perNamespace*len(namespaces), len(namespaces), 2

	for run, wantWrites := range []int{n + m + 3*n, 0} { // first: Machines, namespaces, 2 PVCs and a VM each; then nothing
		mark := s.mark(t)
		mustSucceed(t, s.plugin(t, "create", "-f", file))
		sup := s.requests(t, mark, s.env.Supervisor)
		remote := s.requests(t, mark, s.env.Remote(remoteB))
		// Supervisor: one Machine list per namespace, one get per MachineClass, the KubevirtConfig list,
		// the NetworkNamespace list, one Secret per cluster.
		if r, most := len(sup)-writes(sup), m+classes+2+1; r > most {
			t.Errorf("run %d: supervisor: %d reads, budget %d: %s", run, r, most, show(budget(sup)))
		}
		// Remote: per namespace a get, a VM list and a PVC list; the StorageClass list and the
		// StorageProfile get once.
		if r, most := len(remote)-writes(remote), 3*m+2; r > most {
			t.Errorf("run %d: remote: %d reads, budget %d: %s", run, r, most, show(budget(remote)))
		}
		if w := writes(sup) + writes(remote); w != wantWrites {
			t.Errorf("run %d: %d writes, want %d: %s %s", run, w, wantWrites, show(budget(sup)), show(budget(remote)))
		}
	}
}

// TestClientLimitsFollowTheServer: a real API server answers with API Priority and Fairness headers,
// so the plugin sets no client-side rate limit for it; -v=4 says so per cluster. --qps sets one.
func TestClientLimitsFollowTheServer(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "limits", annotation(remoteA), ""))
	r := mustSucceed(t, s.plugin(t, "create", "-f", file, "--dry-run=client", "-v=4"))
	mustContain(t, "stderr", r.stderr,
		"cluster supervisor: API Priority and Fairness (no client-side rate limit); at most 32 requests in flight",
		"cluster kv-a: API Priority and Fairness (no client-side rate limit); at most 32 requests in flight")
	r = mustSucceed(t, s.plugin(t, "create", "-f", file, "--dry-run=client", "-v=4", "--qps", "20"))
	if strings.Contains(r.stderr, "no client-side rate limit") {
		t.Errorf("--qps left the client unlimited:\n%s", r.stderr)
	}
}
