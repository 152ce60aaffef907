package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
)

// Running is the VirtualMachine printableStatus --wait waits for.
const Running = "Running"

// TerminalStatuses are printableStatus values that need a person, not time: --wait stops on them.
var TerminalStatuses = []string{"ErrorUnschedulable", "ErrImagePull", "ImagePullBackOff", "CrashLoopBackOff", "ErrorPvcNotFound", "DataVolumeError"}

// ErrWaitTimeout is the cause of a wait that ran out of time.
var ErrWaitTimeout = errors.New("timed out")

// errTerminal marks a VM in a terminal status.
var errTerminal = errors.New("a status that does not resolve by waiting")

// WaitError names every object a wait ended without, each with its last status: the VMs that did
// not become Running (create --wait), the objects still there (delete --wait).
type WaitError struct {
	// Unmet says what the objects of Lines are not: "not Running", "still there".
	Unmet string
	// Interrupted is true when the caller's context ended (Ctrl-C), not the timeout.
	Interrupted bool
	Timeout     time.Duration
	Lines       []string
}

func (e *WaitError) Error() string {
	head := fmt.Sprintf("%s after %s:", e.Unmet, e.Timeout)
	if e.Interrupted {
		head = "interrupted while waiting; " + e.Unmet + ":"
	}
	return head + "\n  " + strings.Join(e.Lines, "\n  ")
}

// Await runs waits all at once under timeout and returns, as a *WaitError saying what the objects
// are not (unmet), the line of every wait that did not end well; nil when all did. A wait returns
// "" when its object got there, else its line. Waits see the timeout as their context's deadline.
func Await(ctx context.Context, timeout time.Duration, unmet string, waits []func(ctx context.Context) string) error {
	wctx, cancel := context.WithTimeoutCause(ctx, timeout, ErrWaitTimeout)
	defer cancel()
	lines := make([]string, len(waits))
	var wg sync.WaitGroup
	for i, w := range waits {
		wg.Go(func() { lines[i] = w(wctx) })
	}
	wg.Wait()
	lines = slices.DeleteFunc(lines, func(l string) bool { return l == "" })
	if len(lines) == 0 {
		return nil
	}
	slices.Sort(lines)
	return &WaitError{Unmet: unmet, Interrupted: ctx.Err() != nil, Timeout: timeout, Lines: lines}
}

// WaitLine is the line of a wait that ended with err: the object, its last status, and err unless
// it is only the deadline or the interrupt, which the WaitError says.
func WaitLine(object, last string, err error) string {
	line := object + ": last status: " + orUnknown(last)
	if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		line += ": " + err.Error()
	}
	return line
}

// Wait watches the VirtualMachine of every plan that has one (created or already there), all at
// once, until its status.printableStatus is Running, it reaches a terminal status, or the timeout
// passes. progress, when set, is told each status change. The error is a *WaitError.
func (p *Pipeline) Wait(ctx context.Context, plans []*Plan, timeout time.Duration, progress func(vm, status string)) error {
	var waits []func(context.Context) string
	for _, pl := range plans {
		if pl.Err != nil || pl.SkipReason != "" || pl.VM == nil {
			continue
		}
		if a, _ := pl.VM.Final(); a != plan.Created && a != plan.Unchanged && a != plan.Differs {
			continue
		}
		waits = append(waits, func(wctx context.Context) string {
			last, err := p.waitOne(wctx, pl, progress)
			object := fmt.Sprintf("%s on %s", pl.VM.Ref(), pl.Target.Cluster.ID)
			switch {
			case err == nil:
				return ""
			case errors.Is(err, errTerminal):
				return fmt.Sprintf("%s: last status: %s (%s; not waiting for it)%s", object, orUnknown(last), err, lastWarning(ctx, pl))
			}
			return WaitLine(object, last, err)
		})
	}
	return Await(ctx, timeout, "not Running", waits)
}

func (p *Pipeline) waitOne(ctx context.Context, pl *Plan, progress func(vm, status string)) (string, error) {
	c, it := pl.Target.Cluster, pl.VM
	last := ""
	err := Rewatch(ctx, c, it, func(w watch.Interface) (bool, error) {
		return drain(ctx, w, func(s string) {
			if s != last && progress != nil {
				progress(it.Ref(), s)
			}
			last = s
		})
	})
	return last, err
}

// Rewatch watches the item's object on c in rounds until one is done or fails. Each round starts a
// watch and hands it to round, which reads it until the object got where it should (true), something
// failed (an error), or the server closed the watch (false, nil): then, after a short pause, the
// next round starts. A watch that cannot start fails with OrContext. create --wait and delete --wait
// share it.
func Rewatch(ctx context.Context, c *cluster.Client, it *plan.Item, round func(watch.Interface) (bool, error)) error {
	for {
		w, err := c.Watch(ctx, it.Resource, it.Namespace, it.Name)
		if err != nil {
			return OrContext(ctx, err)
		}
		done, err := round(w)
		w.Stop()
		if done || err != nil {
			return err
		}
		// The server closed the watch; start another one.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// OrContext is the context's error once it has ended, else err: a request cut short by the
// deadline or the interrupt fails with that, not with how the request saw it.
func OrContext(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// drain reads a watch until the VM runs (true), reaches a terminal status or the context ends (an
// error), or the server closes the watch (false, nil).
func drain(ctx context.Context, w watch.Interface, seen func(string)) (bool, error) {
	for {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case ev, ok := <-w.ResultChan():
			if !ok {
				return false, nil
			}
			u, isObj := ev.Object.(*unstructured.Unstructured)
			if !isObj {
				continue
			}
			status, _, _ := unstructured.NestedString(u.Object, "status", "printableStatus")
			seen(status)
			switch {
			case status == Running:
				return true, nil
			case slices.Contains(TerminalStatuses, status):
				return false, errTerminal
			}
		}
	}
}

// eventTimeout bounds the read of a VM's events after it reached a terminal status.
const eventTimeout = 5 * time.Second

// lastWarning is "; last warning event: REASON: MESSAGE" for the newest Warning event of the VM
// (or of its VMI, which has the VM's name), read from the VM's namespace; "" when there is none. The
// read is not bounded by the cluster's deadline: waiting comes after the cluster's work.
func lastWarning(ctx context.Context, pl *Plan) string {
	ctx, cancel := context.WithTimeout(ctx, eventTimeout)
	defer cancel()
	vm := pl.VM
	var newest *unstructured.Unstructured
	var newestAt time.Time
	err := pl.Target.Cluster.Unbounded().ListFields(ctx, cluster.Events, vm.Namespace, "involvedObject.name="+vm.Name+",type=Warning", func(u *unstructured.Unstructured) error {
		name, _, _ := unstructured.NestedString(u.Object, "involvedObject", "name")
		kind, _, _ := unstructured.NestedString(u.Object, "involvedObject", "kind")
		typ, _, _ := unstructured.NestedString(u.Object, "type")
		if name != vm.Name || typ != "Warning" || (kind != "VirtualMachine" && kind != "VirtualMachineInstance") {
			return nil
		}
		if at := eventTime(u); newest == nil || !at.Before(newestAt) {
			newest, newestAt = u, at
		}
		return nil
	})
	switch {
	case err != nil:
		return "; its events could not be read: " + err.Error()
	case newest == nil:
		return ""
	}
	reason, _, _ := unstructured.NestedString(newest.Object, "reason")
	msg, _, _ := unstructured.NestedString(newest.Object, "message")
	return "; last warning event: " + reason + ": " + msg
}

// eventTime is when an event last happened: lastTimestamp, the series' last observation, eventTime,
// or when it was stored.
func eventTime(u *unstructured.Unstructured) time.Time {
	for _, path := range [][]string{{"lastTimestamp"}, {"series", "lastObservedTime"}, {"eventTime"}} {
		if s, _, _ := unstructured.NestedString(u.Object, path...); s != "" {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t
			}
		}
	}
	return u.GetCreationTimestamp().Time
}

func orUnknown(s string) string {
	if s == "" {
		return "<unknown>"
	}
	return s
}
