package status

import (
	"context"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// Backoff bounds the waits between the attempts of a failed watch: the first wait, doubled after
// each failure up to the last.
const (
	FirstRetry = time.Second
	LastRetry  = 30 * time.Second
)

// Watch follows, after Read, the VMs, VMIs and PVCs behind the report's rows: one watch per list
// Read made (across a cluster, or per namespace), each resuming at its list's resourceVersion, so
// no change after the table is missed. Whenever a row's status, readiness, disks, IP, VM, node or
// drift changes, emit gets the new row; emit is called from one goroutine at a time.
//
// A watch that fails is re-established after a wait that doubles from FirstRetry to LastRetry; a
// list whose resourceVersion expired is read again, and so is a cluster that could not be read at
// all, on the same schedule. Notify hears when a cluster's watches fail and when they are all back.
// The other clusters keep streaming. Watch returns when ctx ends.
func (r *Reader) Watch(ctx context.Context, rep *Report, emit func(Row)) {
	w := &watcher{r: r, rep: rep, emit: emit, last: append([]Row(nil), rep.Rows...), failing: map[streamKey]bool{}}
	var wg sync.WaitGroup
	for _, g := range rep.groups {
		// Following lasts as long as the caller says: watches are not bounded, and each list again
		// gets a fresh --cluster-timeout (cluster.Client.Fresh).
		g := &group{client: g.client, entries: g.entries, scopes: g.scopes}
		for _, res := range watched {
			for _, ns := range g.scopes[res.GVR.Resource] {
				wg.Add(1)
				go func() {
					defer wg.Done()
					w.follow(ctx, g, res, ns)
				}()
			}
		}
	}
	wg.Wait()
}

// watcher is the state of one Watch: the rows as last shown and which streams are failing.
type watcher struct {
	r    *Reader
	rep  *Report
	emit func(Row)

	mu      sync.Mutex
	last    []Row
	failing map[streamKey]bool
}

type streamKey struct {
	cluster   cluster.ID
	resource  string
	namespace string
}

// follow keeps one watch going until ctx ends.
func (w *watcher) follow(ctx context.Context, g *group, res cluster.Resource, ns string) {
	key := streamKey{g.client.ID, res.GVR.Resource, ns}
	rv := w.r.Store.version(g.client.ID, res, ns)
	wait := FirstRetry
	for ctx.Err() == nil {
		var err error
		verb := "list"
		progressed := false
		if rv == "" {
			if rv, err = w.r.Store.relist(ctx, g.client.Fresh(), res, ns); err == nil {
				w.report(key, nil, 0)
				w.refresh(ctx, g, ns)
				progressed = true
			}
		}
		if err == nil {
			var n int
			verb = "watch"
			rv, n, err = w.stream(ctx, g, res, ns, rv, func() { w.report(key, nil, 0) })
			progressed = progressed || n > 0
		}
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			w.report(key, &ListError{Cluster: g.client.ID, Resource: res, Namespace: ns, Verb: verb, Err: err}, wait)
		case progressed:
			wait = FirstRetry
			continue
		}
		// A failure, or a watch the server closed before anything happened: wait before the next.
		if w.sleep(ctx, wait) != nil {
			return
		}
		wait = min(2*wait, LastRetry)
	}
}

// stream runs one watch from rv until it ends; connected is called once it is established. It
// returns the resourceVersion to resume from ("" when it expired: list again), how many events it
// applied, and why it failed.
func (w *watcher) stream(ctx context.Context, g *group, res cluster.Resource, ns, rv string, connected func()) (string, int, error) {
	wi, err := g.client.WatchFrom(ctx, res, ns, "", rv)
	if err != nil {
		if expired(err) {
			return "", 0, nil
		}
		return rv, 0, err
	}
	defer wi.Stop()
	connected()
	n := 0
	for {
		var ev watch.Event
		var ok bool
		select {
		case <-ctx.Done():
			return rv, n, nil
		case ev, ok = <-wi.ResultChan():
		}
		if !ok {
			return rv, n, nil
		}
		switch ev.Type {
		case watch.Error:
			err := apierrors.FromObject(ev.Object)
			if expired(err) {
				return "", n, nil
			}
			return rv, n, err
		case watch.Bookmark:
			if m, err := meta.Accessor(ev.Object); err == nil {
				rv = m.GetResourceVersion()
			}
			n++
		case watch.Added, watch.Modified, watch.Deleted:
			u, isU := ev.Object.(*unstructured.Unstructured)
			if !isU {
				continue
			}
			rv = u.GetResourceVersion()
			w.r.Store.apply(g.client.ID, res, ns, ev.Type, u)
			w.refresh(ctx, g, u.GetNamespace())
			n++
		}
	}
}

func expired(err error) bool { return apierrors.IsResourceExpired(err) || apierrors.IsGone(err) }

// refresh joins again the rows of a cluster's namespace ("" for all of its namespaces) and emits
// those that look different.
func (w *watcher) refresh(ctx context.Context, g *group, ns string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, n := range g.namespaces() {
		if ns != "" && n != ns {
			continue
		}
		p := w.r.Store.place(g.client.ID, n)
		for _, e := range g.entries[n] {
			row := w.r.join(e, p)
			if w.r.Options.Drift && row.Error == "" {
				w.r.drift(ctx, e, p, &row)
			}
			if !same(row, w.last[e.index]) {
				w.last[e.index] = row
				w.emit(row)
			}
		}
	}
}

// report records whether a stream is failing (err non-nil) and tells Notify when its cluster's
// first stream fails and when its last failing stream is back.
func (w *watcher) report(key streamKey, err error, wait time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	before := w.clusterFailing(key.cluster)
	if err != nil {
		w.failing[key] = true
	} else {
		delete(w.failing, key)
	}
	after := w.clusterFailing(key.cluster)
	switch {
	case !before && after:
		w.notify(fmt.Sprintf("watch: %v; retrying in %s (backing off up to %s)", err, wait, LastRetry))
	case before && !after:
		w.notify(fmt.Sprintf("watch: cluster %s: watching again", key.cluster))
	}
}

func (w *watcher) clusterFailing(id cluster.ID) bool {
	for k := range w.failing {
		if k.cluster == id {
			return true
		}
	}
	return false
}

func (w *watcher) notify(msg string) {
	if w.r.Options.Notify != nil {
		w.r.Options.Notify(msg)
	}
}

func (w *watcher) sleep(ctx context.Context, d time.Duration) error {
	if w.r.Options.Wait != nil {
		return w.r.Options.Wait(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
