package deletion

import (
	"context"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
)

// Gone is the status Wait reports for an object that no longer exists.
const Gone = "gone"

// Wait watches every object the plans deleted, and every one that was already being deleted, all at
// once, until each is gone (or replaced by another object of the same name) or the timeout passes.
// progress, when set, is told each status change ("terminating (finalizers: …)", Gone). The error
// is a *pipeline.WaitError.
func (d *Deleter) Wait(ctx context.Context, plans []*pipeline.Plan, timeout time.Duration, progress func(object, status string)) error {
	var waits []func(context.Context) string
	for _, pl := range plans {
		for _, it := range pl.Items {
			if a, _ := it.Final(); a != plan.Deleted && a != plan.Terminating {
				continue
			}
			c := pl.ClientFor(d.Supervisor, it.Cluster)
			object := it.Ref() + " on " + it.Cluster.Name
			waits = append(waits, func(wctx context.Context) string {
				last, err := waitGone(wctx, c, it, func(s string) {
					if progress != nil {
						progress(object, s)
					}
				})
				if err == nil {
					return ""
				}
				return pipeline.WaitLine(object, last, err)
			})
		}
	}
	return pipeline.Await(ctx, timeout, "still there", waits)
}

// waitGone waits until one object is gone. Each round starts a watch and then reads the object, so
// that a deletion is seen whether it happened before the watch started (the read) or after (the
// watch). seen is told every status change; the last one is returned.
func waitGone(ctx context.Context, c *cluster.Client, it *plan.Item, seen func(string)) (string, error) {
	if c == nil {
		return "", fmt.Errorf("no client for cluster %s", it.Cluster)
	}
	// Waiting lasts as long as --timeout says, not the cluster's deadline (cluster.Client.Bound).
	c = c.Unbounded()
	uid := (&unstructured.Unstructured{Object: it.Live}).GetUID()
	last := ""
	report := func(s string) {
		if s != last {
			seen(s)
		}
		last = s
	}
	err := pipeline.Rewatch(ctx, c, it, func(w watch.Interface) (bool, error) {
		u, err := c.GetUnstructured(ctx, it.Resource, it.Namespace, it.Name)
		switch {
		case apierrors.IsNotFound(err) || (err == nil && replaced(u, uid)):
			report(Gone)
			return true, nil
		case err != nil:
			return false, pipeline.OrContext(ctx, err)
		}
		report(status(u))
		return drain(ctx, w, it.Name, uid, report)
	})
	return last, err
}

// drain reads a watch until the object is gone (true), the context ends (an error), or the server
// closes the watch (false, nil).
func drain(ctx context.Context, w watch.Interface, name string, uid types.UID, report func(string)) (bool, error) {
	for {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case ev, ok := <-w.ResultChan():
			if !ok {
				return false, nil
			}
			u, isObj := ev.Object.(*unstructured.Unstructured)
			if !isObj || u.GetName() != name {
				continue
			}
			if ev.Type == watch.Deleted || replaced(u, uid) {
				report(Gone)
				return true, nil
			}
			report(status(u))
		}
	}
}

// replaced reports whether u is another object than the one with uid (an empty uid matches any).
func replaced(u *unstructured.Unstructured, uid types.UID) bool {
	return uid != "" && u.GetUID() != uid
}

// status is how an object still there is reported: terminating with what holds it, or present.
func status(u *unstructured.Unstructured) string {
	if u.GetDeletionTimestamp() == nil {
		return "present"
	}
	if f := u.GetFinalizers(); len(f) > 0 {
		return "terminating (finalizers: " + strings.Join(f, ", ") + ")"
	}
	return "terminating"
}
