package status_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	clienttesting "k8s.io/client-go/testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
	"github.com/vitistack/kubectl-vitimachine/pkg/status"
)

// watching runs Watch in the background and hands out what it emits and notifies, and the waits
// it asked for (answered at once: the tests never sleep).
type watching struct {
	rows    chan status.Row
	cancel  context.CancelFunc
	done    chan struct{}
	mu      sync.Mutex
	waits   []time.Duration
	notices []string
}

func watchRows(t *testing.T, w *clustertest.World, machines []*vitistackv1alpha1.Machine, opts status.Options) (*watching, *status.Report) {
	t.Helper()
	wt := &watching{rows: make(chan status.Row, 100), done: make(chan struct{})}
	opts.Wait = func(ctx context.Context, d time.Duration) error {
		wt.mu.Lock()
		defer wt.mu.Unlock()
		wt.waits = append(wt.waits, d)
		return ctx.Err()
	}
	opts.Notify = func(msg string) {
		wt.mu.Lock()
		defer wt.mu.Unlock()
		wt.notices = append(wt.notices, msg)
	}
	r := reader(w, opts)
	ctx, cancel := context.WithCancel(context.Background())
	wt.cancel = cancel
	rep := r.Read(ctx, machines)
	go func() {
		defer close(wt.done)
		r.Watch(ctx, rep, func(row status.Row) { wt.rows <- row })
	}()
	t.Cleanup(wt.stop)
	return wt, rep
}

// next is the next emitted row; the bound only keeps a broken test from hanging.
func (wt *watching) next(t *testing.T) string {
	t.Helper()
	select {
	case r := <-wt.rows:
		return line(r)
	case <-time.After(10 * time.Second):
		t.Fatal("no row emitted")
		return ""
	}
}

func (wt *watching) stop() {
	wt.cancel()
	<-wt.done
}

func update(t *testing.T, c *clustertest.Cluster, doc string) {
	t.Helper()
	u := clustertest.Object(doc)
	if err := c.Fake.Tracker().Update(cluster.VirtualMachines.GVR, u, u.GetNamespace()); err != nil {
		t.Fatal(err)
	}
}

func TestWatchEmitsARowForEachChangeThatShows(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"})
	a := w.Remotes["kv-a"]
	add(t, a, vmDoc("team", "vm-web", "vitistack.io/source-machine: web", "Provisioning", false))
	wt, rep := watchRows(t, w, []*vitistackv1alpha1.Machine{machine("team", "web", "kv-a"), machine("team", "late", "kv-a")}, status.Options{})
	if got := lines(rep.Rows); got != "team/web kv-a vm-web Provisioning false 0/0  -\nteam/late kv-a - NotProvisioned - 0/0  -" {
		t.Fatalf("read:\n%s", got)
	}

	update(t, a, vmDoc("team", "vm-web", "vitistack.io/source-machine: web", "Running", true))
	if got := wt.next(t); got != "team/web kv-a vm-web Running true 0/0  -" {
		t.Errorf("after Running: %s", got)
	}
	add(t, a, vmiDoc("team", "vm-web", "node-2", "10.1.2.3"))
	if got := wt.next(t); got != "team/web kv-a vm-web Running true 0/0 10.1.2.3 node-2" {
		t.Errorf("after the VMI: %s", got)
	}
	add(t, a, pvcDoc("team", "vm-late-root-pvc", "late", "Pending"))
	if got := wt.next(t); got != "team/late kv-a - NotProvisioned - 0/1  -" {
		t.Errorf("after the PVC: %s", got)
	}
	// A change nobody sees (a label) emits nothing: the next row is the deletion's.
	update(t, a, vmDoc("team", "vm-web", "vitistack.io/source-machine: web\n    extra: label", "Running", true))
	if err := a.Fake.Tracker().Delete(cluster.VirtualMachines.GVR, "team", "vm-web"); err != nil {
		t.Fatal(err)
	}
	if got := wt.next(t); got != "team/web kv-a - NotProvisioned - 0/0  -" {
		t.Errorf("after the delete: %s", got)
	}
	wt.stop()
	// The watches resumed from the lists: no list was read twice.
	req := a.Requests()
	if req["list virtualmachines"] != 1 || req["watch virtualmachines"] != 1 || req["watch virtualmachineinstances"] != 1 || req["watch persistentvolumeclaims"] != 1 {
		t.Errorf("requests %v", req)
	}
	if len(wt.notices) != 0 || len(wt.waits) != 0 {
		t.Errorf("notices %q, waits %v", wt.notices, wt.waits)
	}
}

// failFirst makes the first n watches of a resource on a cluster fail with err.
func failFirst(c *clustertest.Cluster, resource string, n int32, err error) *atomic.Int32 {
	var calls atomic.Int32
	c.Fake.PrependWatchReactor(resource, func(clienttesting.Action) (bool, watch.Interface, error) {
		if calls.Add(1) <= n {
			return true, nil, err
		}
		return false, nil, nil
	})
	return &calls
}

func TestAFailingWatchIsRetriedWithBackoffWhileTheOthersStream(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a", "kv-b"})
	a, b := w.Remotes["kv-a"], w.Remotes["kv-b"]
	add(t, a, vmDoc("team", "vm-a", "vitistack.io/source-machine: a", "Starting", false))
	add(t, b, vmDoc("team", "vm-b", "vitistack.io/source-machine: b", "Starting", false))
	failFirst(b, "virtualmachines", 3, errors.New("connection refused"))
	wt, _ := watchRows(t, w, []*vitistackv1alpha1.Machine{machine("team", "a", "kv-a"), machine("team", "b", "kv-b")}, status.Options{})

	update(t, a, vmDoc("team", "vm-a", "vitistack.io/source-machine: a", "Running", true))
	update(t, b, vmDoc("team", "vm-b", "vitistack.io/source-machine: b", "Running", true))
	got := map[string]bool{wt.next(t): true, wt.next(t): true}
	for _, want := range []string{"team/a kv-a vm-a Running true 0/0  -", "team/b kv-b vm-b Running true 0/0  -"} {
		if !got[want] {
			t.Errorf("missing %q in %v", want, got)
		}
	}
	wt.stop()
	if fmt.Sprint(wt.waits) != "[1s 2s 4s]" {
		t.Errorf("waits %v, want 1s 2s 4s", wt.waits)
	}
	want := []string{
		`watch: cluster kv-b: watch virtualmachines in "team": connection refused; retrying in 1s (backing off up to 30s)`,
		"watch: cluster kv-b: watching again",
	}
	if fmt.Sprint(wt.notices) != fmt.Sprint(want) {
		t.Errorf("notices:\n%q\nwant\n%q", wt.notices, want)
	}
}

func TestAnExpiredWatchListsAgain(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"})
	a := w.Remotes["kv-a"]
	add(t, a, vmDoc("team", "vm-a", "vitistack.io/source-machine: a", "Starting", false))
	var calls atomic.Int32
	a.Fake.PrependWatchReactor("virtualmachines", func(clienttesting.Action) (bool, watch.Interface, error) {
		if calls.Add(1) > 1 {
			return false, nil, nil
		}
		fw := watch.NewFake()
		go fw.Error(&apierrors.NewResourceExpired("too old resource version").ErrStatus)
		return true, fw, nil
	})
	wt, _ := watchRows(t, w, []*vitistackv1alpha1.Machine{machine("team", "a", "kv-a")}, status.Options{})
	update(t, a, vmDoc("team", "vm-a", "vitistack.io/source-machine: a", "Running", true))
	if got := wt.next(t); got != "team/a kv-a vm-a Running true 0/0  -" {
		t.Errorf("row %s", got)
	}
	wt.stop()
	if n := a.Requests()["list virtualmachines"]; n != 2 {
		t.Errorf("%d VM lists, want the first and one after the expiry", n)
	}
	if len(wt.notices) != 0 {
		t.Errorf("an expiry is routine, not a failure: %q", wt.notices)
	}
}

func TestAClusterThatCouldNotBeReadIsRetriedInTheWatch(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"})
	a := w.Remotes["kv-a"]
	add(t, a, vmDoc("team", "vm-a", "vitistack.io/source-machine: a", "Running", true))
	var lists atomic.Int32
	a.Fake.PrependReactor("list", "virtualmachines", func(clienttesting.Action) (bool, runtime.Object, error) {
		if lists.Add(1) <= 2 {
			return true, nil, errors.New("connection refused")
		}
		return false, nil, nil
	})
	wt, rep := watchRows(t, w, []*vitistackv1alpha1.Machine{machine("team", "a", "kv-a")}, status.Options{})
	if rep.Failed() != 1 {
		t.Fatalf("read:\n%s", lines(rep.Rows))
	}
	if got := wt.next(t); got != "team/a kv-a vm-a Running true 0/0  -" {
		t.Errorf("row %s", got)
	}
	wt.stop()
	want := []string{
		`watch: cluster kv-a: list virtualmachines in "team": connection refused; retrying in 1s (backing off up to 30s)`,
		"watch: cluster kv-a: watching again",
	}
	if fmt.Sprint(wt.notices) != fmt.Sprint(want) || fmt.Sprint(wt.waits) != "[1s]" {
		t.Errorf("notices %q, waits %v", wt.notices, wt.waits)
	}
}
