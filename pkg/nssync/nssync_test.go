package nssync_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
	"github.com/vitistack/kubectl-vitimachine/pkg/nssync"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

var nsOpts = render.Options{ManagedByKey: vitistack.DefaultManagedByKey, ManagedByValue: vitistack.DefaultManagedByValue}

func m(ns, name, config string) *vitistackv1alpha1.Machine {
	mm := &vitistackv1alpha1.Machine{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if config != "" {
		mm.Annotations = map[string]string{vitistack.AnnotationKubevirtConfig: config}
	}
	return mm
}

func machineDoc(ns, name string) string {
	return fmt.Sprintf("apiVersion: vitistack.io/v1alpha1\nkind: Machine\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  provider: kubevirt\n", name, ns)
}

func syncer(w *clustertest.World, s write.Strategy, opts nssync.Options) *nssync.Syncer {
	if opts.Namespace == (render.Options{}) {
		opts.Namespace = nsOpts
	}
	return &nssync.Syncer{Supervisor: w.Supervisor.Client, Resolver: w.Resolver(target.Options{IndexVMs: true}), Writer: write.Writer{Strategy: s}, Options: opts}
}

func rows(r *nssync.Report) string {
	var out []string
	for _, n := range r.Namespaces {
		line := fmt.Sprintf("%s %s %s %s", n.Cluster, n.Namespace, strings.Join(n.Machines, ","), n.Action)
		if n.Message != "" {
			line += ": " + n.Message
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

func TestSyncPerCluster(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a", "kv-b"})
	a, b := w.Remotes["kv-a"], w.Remotes["kv-b"]
	if err := a.Fake.Tracker().Add(clustertest.Object("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: there\n  labels:\n    team: blue\n")); err != nil {
		t.Fatal(err)
	}
	if err := a.Fake.Tracker().Add(clustertest.Object("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: going\nstatus:\n  phase: Terminating\n")); err != nil {
		t.Fatal(err)
	}
	if err := b.Fake.Tracker().Add(clustertest.Object("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: orphan\n  labels:\n    managed-by: vitistack-kubevirt-operator\n")); err != nil {
		t.Fatal(err)
	}
	machines := []*vitistackv1alpha1.Machine{
		m("new", "n1", "kv-a"), m("new", "n2", "kv-a"), m("there", "t1", "kv-a"), m("going", "g1", "kv-a"),
		m("new", "b1", "kv-b"), m("lost", "l1", "nope"),
		{ObjectMeta: metav1.ObjectMeta{Namespace: "px", Name: "p1"}, Spec: vitistackv1alpha1.MachineSpec{Provider: "proxmox"}},
	}
	rep := syncer(w, write.None, nssync.Options{Concurrency: 4, CheckOrphans: true}).Sync(context.Background(), machines)
	want := "kv-a going g1 terminating: " + pipeline.TerminatingMessage + "\n" +
		"kv-a new n1,n2 created\n" +
		"kv-a there t1 exists\n" +
		"kv-b new b1 created"
	if got := rows(rep); got != want {
		t.Errorf("rows:\n%s\nwant:\n%s", got, want)
	}
	if len(rep.Unresolved) != 1 || !strings.Contains(rep.Unresolved[0].Message, `KubevirtConfig "nope" not found`) {
		t.Errorf("unresolved %+v", rep.Unresolved)
	}
	if len(rep.Skipped) != 1 || rep.Skipped[0].Machine != "px/p1" {
		t.Errorf("skipped %+v", rep.Skipped)
	}
	if len(rep.Orphans) != 1 || rep.Orphans[0] != (nssync.Orphan{Cluster: "kv-b", Namespace: "orphan"}) {
		t.Errorf("orphans %+v", rep.Orphans)
	}
	if rep.Summary != (nssync.Summary{Created: 2, Exists: 1, Terminating: 1, Failed: 1, Skipped: 1, Orphans: 1}) || !rep.Failed() {
		t.Errorf("summary %+v", rep.Summary)
	}
	// One namespace list per cluster and one create per missing namespace; nothing else.
	for name, want := range map[string]string{"kv-a": "create namespaces=1 list namespaces=1", "kv-b": "create namespaces=1 list namespaces=1"} {
		if got := show(w.Remotes[name].Requests()); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	if ns := a.Get(cluster.Namespaces, "", "there"); len(ns.GetLabels()) != 1 {
		t.Errorf("an existing namespace was changed: %v", ns.GetLabels())
	}
	if ns := a.Get(cluster.Namespaces, "", "new"); ns.GetLabels()[vitistack.DefaultManagedByKey] != vitistack.DefaultManagedByValue {
		t.Errorf("created namespace labels %v", ns.GetLabels())
	}
	// A re-run writes nothing.
	w.Reset()
	rep = syncer(w, write.None, nssync.Options{Concurrency: 4}).Sync(context.Background(), machines[:3])
	if a.Writes() != 0 || rep.Summary.Exists != 2 || rep.OrphansChecked {
		t.Errorf("re-run: %d writes, %+v", a.Writes(), rep.Summary)
	}
}

func show(m map[string]int) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	for i := range parts {
		for j := i + 1; j < len(parts); j++ {
			if parts[j] < parts[i] {
				parts[i], parts[j] = parts[j], parts[i]
			}
		}
	}
	return strings.Join(parts, " ")
}

func TestSyncRecordsTheChosenKubevirtConfig(t *testing.T) {
	for _, tc := range []struct {
		s        write.Strategy
		writes   int
		recorded bool
	}{{write.None, 1, true}, {write.Client, 0, false}} {
		w := clustertest.NewWorld([]string{"kv-a"}, machineDoc("team", "web"))
		rep := syncer(w, tc.s, nssync.Options{}).Sync(context.Background(), []*vitistackv1alpha1.Machine{m("team", "web", "")})
		if len(rep.Annotated) != 1 || rep.Annotated[0].Message != "vitistack.io/kubevirt-config=kv-a (chosen by only KubevirtConfig)" {
			t.Errorf("%v: annotated %+v", tc.s, rep.Annotated)
		}
		if n := w.Supervisor.Requests()["patch machines"]; n != tc.writes {
			t.Errorf("%v: %d patches", tc.s, n)
		}
		got := w.Supervisor.Get(cluster.Machines, "team", "web").GetAnnotations()[vitistack.AnnotationKubevirtConfig] == "kv-a"
		if got != tc.recorded {
			t.Errorf("%v: recorded %v", tc.s, got)
		}
	}
	// A Machine whose annotation cannot be recorded is not synced.
	w := clustertest.NewWorld([]string{"kv-a"}, machineDoc("team", "web"))
	w.Supervisor.Fail("patch", "machines", "", apierrors.NewForbidden(schema.GroupResource{Resource: "machines"}, "web", nil))
	rep := syncer(w, write.None, nssync.Options{}).Sync(context.Background(), []*vitistackv1alpha1.Machine{m("team", "web", "")})
	if len(rep.Unresolved) != 1 || !strings.HasPrefix(rep.Unresolved[0].Message, "record cluster supervisor: machine.vitistack.io/web: ") || len(rep.Namespaces) != 0 {
		t.Errorf("unresolved %+v, namespaces %+v", rep.Unresolved, rep.Namespaces)
	}
}

func TestSyncFailuresStayWithTheirCluster(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a", "kv-b"})
	w.Remotes["kv-a"].Fail("list", "namespaces", "", apierrors.NewForbidden(schema.GroupResource{Resource: "namespaces"}, "", nil))
	w.Remotes["kv-b"].Fail("create", "namespaces", "bad", apierrors.NewForbidden(schema.GroupResource{Resource: "namespaces"}, "bad", nil))
	w.Remotes["kv-b"].Fail("create", "namespaces", "raced", apierrors.NewAlreadyExists(schema.GroupResource{Resource: "namespaces"}, "raced"))
	machines := []*vitistackv1alpha1.Machine{m("x", "a1", "kv-a"), m("bad", "b1", "kv-b"), m("good", "b2", "kv-b"), m("raced", "b3", "kv-b")}
	rep := syncer(w, write.None, nssync.Options{Concurrency: 2}).Sync(context.Background(), machines)
	want := "kv-a x a1 error: list namespaces: namespaces is forbidden: <nil>\n" +
		"kv-b bad b1 error: cluster kv-b: namespace/bad: namespaces \"bad\" is forbidden: <nil>\n" +
		"kv-b good b2 created\n" +
		"kv-b raced b3 exists: created meanwhile by someone else"
	if got := rows(rep); got != want {
		t.Errorf("rows:\n%s\nwant:\n%s", got, want)
	}
}

func TestProgress(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"})
	var seen []string
	s := syncer(w, write.Client, nssync.Options{})
	s.Progress = func(msg string) { seen = append(seen, msg) }
	rep := s.Sync(context.Background(), []*vitistackv1alpha1.Machine{m("x", "a1", "kv-a")})
	if len(seen) != 2 || !strings.HasPrefix(seen[0], "kv-a: listing namespaces (1 needed)") || !strings.HasPrefix(seen[1], "kv-a: done in ") {
		t.Errorf("progress %q", seen)
	}
	if rep.DryRun != "client" || rows(rep) != "kv-a x a1 would create" {
		t.Errorf("%q %s", rep.DryRun, rows(rep))
	}
}
