package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// nsSync runs "kubectl vitimachine ns-sync ARGS..." against the ns-sync supervisor.
func (s *suite) nsSync(t *testing.T, args ...string) result {
	t.Helper()
	return s.kubectl(t, call{args: append([]string{"vitimachine", "ns-sync"}, args...), supervisor: s.nsSup})
}

// nsRow is the MACHINES and ACTION cells of a namespace on a cluster in the ns-sync table.
func nsRow(report, clusterName, namespace string) string {
	for _, line := range strings.Split(report, "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && f[0] == clusterName && f[1] == namespace {
			return strings.Join(f[2:], " ")
		}
	}
	return ""
}

func TestNSSyncCreatesEachNamespaceOnItsClusterAndReportsOrphans(t *testing.T) {
	s := needEnv(t)
	tag := fmt.Sprintf("n%d", nsCounter.Add(1))
	nsA, nsB, nsShared, nsExisting := tag+"-team-a", tag+"-team-b", tag+"-shared", tag+"-existing"
	a, b := s.env.Remote(remoteA), s.env.Remote(remoteB)
	for _, ns := range []string{nsA, nsB, nsShared, nsExisting} {
		s.create(t, s.nsSup, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	}
	s.create(t, s.nsSup, strings.Join([]string{
		machineYAML(nsA, "a1", annotation(remoteA), ""), machineYAML(nsA, "a2", annotation(remoteA), ""),
		machineYAML(nsB, "b1", annotation(remoteB), ""),
		machineYAML(nsShared, "s-a", annotation(remoteA), ""), machineYAML(nsShared, "s-b", annotation(remoteB), ""),
		machineYAML(nsExisting, "e1", annotation(remoteA), ""),
		strings.Replace(machineYAML(nsA, "px", annotation(remoteB), ""), "provider: kubevirt", "provider: proxmox", 1),
	}, "---\n"))
	s.create(t, a, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+nsExisting+"\n  labels:\n    owner: someone-else\n")
	orphan := tag + "-orphan"
	s.create(t, b, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+orphan+"\n  labels:\n    managed-by: vitistack-kubevirt-operator\n")
	existingBefore := s.get(t, a, cluster.Namespaces, "", nsExisting).GetResourceVersion()

	// Dry run first: nothing is written.
	r := mustSucceed(t, s.nsSync(t, "--dry-run=client"))
	if got := nsRow(r.stdout, remoteA, nsA); got != "a1,a2 would create" {
		t.Errorf("dry-run row for %s = %q\n%s", nsA, got, r)
	}
	if s.get(t, a, cluster.Namespaces, "", nsA) != nil {
		t.Fatal("dry-run created a namespace")
	}

	r = mustSucceed(t, s.nsSync(t))
	for _, want := range []struct{ cluster, ns, row string }{
		{remoteA, nsA, "a1,a2 created"}, {remoteB, nsB, "b1 created"},
		{remoteA, nsShared, "s-a created"}, {remoteB, nsShared, "s-b created"}, {remoteA, nsExisting, "e1 exists"},
	} {
		if got := nsRow(r.stdout, want.cluster, want.ns); got != want.row {
			t.Errorf("%s %s: %q, want %q\n%s", want.cluster, want.ns, got, want.row, r.stdout)
		}
	}
	if nsRow(r.stdout, remoteB, nsA) != "" || s.get(t, b, cluster.Namespaces, "", nsA) != nil {
		t.Error("a namespace went to a cluster none of its Machines use")
	}
	for _, p := range []struct{ plane, ns string }{{remoteA, nsA}, {remoteB, nsB}, {remoteA, nsShared}, {remoteB, nsShared}} {
		ns := s.get(t, s.env.Remote(p.plane), cluster.Namespaces, "", p.ns)
		if ns == nil {
			t.Errorf("%s: namespace %s missing", p.plane, p.ns)
			continue
		}
		wantLabels(t, ns, map[string]string{"managed-by": "vitistack-kubevirt-operator"})
	}
	existing := s.get(t, a, cluster.Namespaces, "", nsExisting)
	if existing.GetResourceVersion() != existingBefore || existing.GetLabels()["managed-by"] != "" {
		t.Error("an existing namespace was modified")
	}
	mustContain(t, "report", r.stdout, "skipped machine "+nsA+"/px", "Orphaned namespaces", orphan)
	if s.get(t, b, cluster.Namespaces, "", orphan) == nil {
		t.Error("the orphan was deleted")
	}
	for _, ns := range []string{nsA, nsB, nsShared} {
		if strings.Contains(r.stdout[strings.Index(r.stdout, "Orphaned"):], ns+"\n") {
			t.Errorf("namespace %s with Machines listed as orphan", ns)
		}
	}

	// Filtered runs: -n restricts, -l filters; orphans are not judged then.
	r = mustSucceed(t, s.nsSync(t, "-n", nsB))
	if strings.Contains(r.stdout, nsA) || nsRow(r.stdout, remoteB, nsB) != "b1 exists" {
		t.Errorf("-n %s:\n%s", nsB, r.stdout)
	}
	mustContain(t, "report", r.stdout, "orphans not checked")

	// A second run changes nothing.
	r = mustSucceed(t, s.nsSync(t, "-o", "json"))
	var rep struct {
		Summary struct{ Created, Exists, Failed int }
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("-o json: %v\n%s", err, r.stdout)
	}
	if rep.Summary.Created != 0 || rep.Summary.Failed != 0 || rep.Summary.Exists < 5 {
		t.Errorf("re-run summary %+v", rep.Summary)
	}
}

func TestNSSyncReportsTerminatingNamespaces(t *testing.T) {
	s := needEnv(t)
	tag := fmt.Sprintf("n%d", nsCounter.Add(1))
	ns := tag + "-dying"
	s.create(t, s.nsSup, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	s.create(t, s.nsSup, machineYAML(ns, "d1", annotation(remoteA), ""))
	t.Cleanup(func() { _ = deleteObject(t.Context(), s.client(t, s.nsSup), cluster.Machines, ns, "d1") })
	a := s.env.Remote(remoteA)
	s.create(t, a, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	// A bare API server has no namespace controller: a deleted namespace stays Terminating.
	if err := deleteObject(t.Context(), s.client(t, a), cluster.Namespaces, "", ns); err != nil {
		t.Fatal(err)
	}
	r := mustExit(t, s.nsSync(t, "-n", ns), 2)
	if got := nsRow(r.stdout, remoteA, ns); !strings.HasPrefix(got, "d1 terminating") {
		t.Errorf("row %q\n%s", got, r)
	}
	mustContain(t, "summary", r.stdout, "1 terminating")
}

func TestNSSyncConcurrentRunsAllSucceed(t *testing.T) {
	s := needEnv(t)
	tag := fmt.Sprintf("n%d", nsCounter.Add(1))
	var docs []string
	for i := range 12 {
		ns := fmt.Sprintf("%s-c%d", tag, i)
		s.create(t, s.nsSup, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
		kv := remoteA
		if i%2 == 1 {
			kv = remoteB
		}
		docs = append(docs, strings.Replace(machineYAML(ns, "m", annotation(kv), ""), "metadata:\n", "metadata:\n  labels:\n    batch: "+tag+"\n", 1))
	}
	s.create(t, s.nsSup, strings.Join(docs, "---\n"))
	const runs = 4
	results := make([]result, runs)
	var wg sync.WaitGroup
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.kubectl(t, call{args: []string{"vitimachine", "ns-sync", "-l", "batch=" + tag, "--concurrency", "4"}, supervisor: s.nsSup})
		}()
	}
	wg.Wait()
	created := 0
	for _, r := range results {
		mustSucceed(t, r)
		for i := range 12 {
			kv := remoteA
			if i%2 == 1 {
				kv = remoteB
			}
			if strings.HasSuffix(nsRow(r.stdout, kv, fmt.Sprintf("%s-c%d", tag, i)), "m created") {
				created++
			}
		}
	}
	if created != 12 {
		t.Errorf("%d creates reported across %d concurrent runs, want each of the 12 namespaces created exactly once", created, runs)
	}
}

func TestNSSyncDoesNotCallANamespaceOfAnUnresolvedMachineAnOrphan(t *testing.T) {
	s := needEnv(t)
	tag := fmt.Sprintf("n%d", nsCounter.Add(1))
	ns := tag + "-unsure"
	s.create(t, s.nsSup, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	// The Machine names a KubevirtConfig that does not exist: it cannot be resolved this run.
	s.create(t, s.nsSup, machineYAML(ns, "m", annotation("kv-missing"), ""))
	t.Cleanup(func() { _ = deleteObject(context.Background(), s.client(t, s.nsSup), cluster.Machines, ns, "m") })
	s.create(t, s.env.Remote(remoteA), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n  labels:\n    managed-by: vitistack-kubevirt-operator\n")
	r := mustExit(t, s.nsSync(t), 2)
	mustContain(t, "report", r.stdout, `KubevirtConfig "kv-missing" not found`)
	if i := strings.Index(r.stdout, "Orphaned"); i >= 0 && strings.Contains(r.stdout[i:], ns) {
		t.Errorf("namespace of an unresolved Machine listed as orphan:\n%s", r.stdout)
	}
}
