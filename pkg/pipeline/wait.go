package pipeline

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
)

// Running is the VirtualMachine printableStatus --wait waits for.
const Running = "Running"

// Wait watches the VirtualMachine of every plan that has one (created or already there) until its
// status.printableStatus is Running, or the timeout passes. progress, when set, is told each status
// change. It returns an error naming every VM that did not get there, with its last status.
func (p *Pipeline) Wait(ctx context.Context, plans []*Plan, timeout time.Duration, progress func(vm, status string)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var failed []string
	for _, pl := range plans {
		if pl.Err != nil || pl.SkipReason != "" || pl.VM == nil {
			continue
		}
		if a := pl.VM.Action; a != Created && a != Unchanged && a != Differs {
			continue
		}
		last, err := p.waitOne(ctx, pl, progress)
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s on %s (last status: %s): %v", pl.VM.Ref(), pl.Target.Name(), orUnknown(last), err))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("not Running after %s: %v", timeout, failed)
	}
	return nil
}

func (p *Pipeline) waitOne(ctx context.Context, pl *Plan, progress func(vm, status string)) (string, error) {
	c, it := pl.Target.Cluster, pl.VM
	last := ""
	for {
		w, err := c.Watch(ctx, it.Resource, it.Namespace, it.Name)
		if err != nil {
			if ctx.Err() != nil {
				return last, ctx.Err()
			}
			return last, err
		}
		done, status, err := drain(ctx, w, func(s string) {
			if s != last && progress != nil {
				progress(it.Ref(), s)
			}
			last = s
		})
		w.Stop()
		if done || err != nil {
			return status, err
		}
		// The server closed the watch; start another one.
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func drain(ctx context.Context, w watch.Interface, seen func(string)) (bool, string, error) {
	status := ""
	for {
		select {
		case <-ctx.Done():
			return false, status, fmt.Errorf("timed out")
		case ev, ok := <-w.ResultChan():
			if !ok {
				return false, status, nil
			}
			u, isObj := ev.Object.(*unstructured.Unstructured)
			if !isObj {
				continue
			}
			status, _, _ = unstructured.NestedString(u.Object, "status", "printableStatus")
			seen(status)
			if status == Running {
				return true, status, nil
			}
		}
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "<unknown>"
	}
	return s
}
