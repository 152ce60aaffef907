package power

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
)

// Wait follows every item whose call was accepted until its VM reaches the verb's goal: Running
// (the VM's printableStatus Running and, after restart, a new VMI), Stopped (no VMI left), Paused
// (the VMI's Paused condition), or, for migrate, the VMI's migration completed on another node
// than before (status.migrationState: completed, not failed, targetNode the VMI's node). Each
// poll reads one VM list and one VMI list per (cluster, namespace), never a request per Machine,
// without the cluster deadline (waiting is not bounded by it). progress, when set, hears each
// Machine's state when it changes. The error is a *pipeline.WaitError naming every Machine that did
// not get there, with its last state.
func (r *Runner) Wait(ctx context.Context, items []*Item, timeout time.Duration, progress func(machine, state string)) error {
	type place struct {
		client    *cluster.Client
		namespace string
	}
	waiting := map[place][]*Item{}
	for _, it := range items {
		if it.Outcome == Done {
			p := place{it.client, it.Namespace}
			waiting[p] = append(waiting[p], it)
		}
	}
	if len(waiting) == 0 {
		return nil
	}
	poll := r.Options.Poll
	if poll <= 0 {
		poll = time.Second
	}
	wctx, cancel := context.WithTimeoutCause(ctx, timeout, pipeline.ErrWaitTimeout)
	defer cancel()
	last := map[*Item]string{}
	var mu sync.Mutex
	for {
		type round struct {
			p   place
			its []*Item
		}
		var rounds []round
		for p, its := range waiting {
			rounds = append(rounds, round{p, its})
		}
		var wg sync.WaitGroup
		for _, rd := range rounds {
			p, its := rd.p, rd.its
			wg.Go(func() {
				vms, vmis, err := readFresh(wctx, p.client.Unbounded(), p.namespace)
				mu.Lock()
				defer mu.Unlock()
				var kept []*Item
				for _, it := range its {
					state, ok := "", false
					if err != nil {
						state = "unknown (" + err.Error() + ")"
					} else {
						state, ok = r.reached(it, vms[it.VM], vmis[it.VM])
					}
					if state != last[it] {
						last[it] = state
						if progress != nil {
							progress(it.Namespace+"/"+it.Machine, state)
						}
					}
					if !ok {
						kept = append(kept, it)
					}
				}
				if len(kept) == 0 {
					delete(waiting, p)
				} else {
					waiting[p] = kept
				}
			})
		}
		wg.Wait()
		if len(waiting) == 0 {
			return nil
		}
		select {
		case <-wctx.Done():
			var lines []string
			for _, its := range waiting {
				for _, it := range its {
					lines = append(lines, fmt.Sprintf("%s/%s (VM %s on %s): last state: %s", it.Namespace, it.Machine, it.VM, it.Cluster, orUnknown(last[it])))
				}
			}
			sort.Strings(lines)
			return &pipeline.WaitError{Unmet: "not " + r.Verb.Goal, Interrupted: ctx.Err() != nil && !errors.Is(context.Cause(wctx), pipeline.ErrWaitTimeout), Timeout: timeout, Lines: lines}
		case <-time.After(poll):
		}
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "<none yet>"
	}
	return s
}

// readFresh lists a namespace's VMs and VMIs now (not from the run's memo), by name.
func readFresh(ctx context.Context, c *cluster.Client, namespace string) (vms, vmis map[string]*unstructured.Unstructured, err error) {
	vms, vmis = map[string]*unstructured.Unstructured{}, map[string]*unstructured.Unstructured{}
	var vmErr, vmiErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		vmErr = c.List(ctx, cluster.VirtualMachines, namespace, "", func(u *unstructured.Unstructured) error {
			vms[u.GetName()] = u.DeepCopy()
			return nil
		})
	})
	wg.Go(func() {
		vmiErr = c.List(ctx, cluster.VirtualMachineInstances, namespace, "", func(u *unstructured.Unstructured) error {
			vmis[u.GetName()] = u.DeepCopy()
			return nil
		})
	})
	wg.Wait()
	return vms, vmis, errors.Join(vmErr, vmiErr)
}

// reached says the item's state now and whether it is the verb's goal.
func (r *Runner) reached(it *Item, vm, vmi *unstructured.Unstructured) (string, bool) {
	if vm == nil {
		return "VM gone", false
	}
	printable, _, _ := unstructured.NestedString(vm.Object, "status", "printableStatus")
	state := printable
	if state == "" {
		state = "<no status yet>"
	}
	switch r.Verb.Goal {
	case Running:
		if r.Verb.Subresource == "restart" && vmi != nil && vmi.GetUID() == it.vmiUID {
			return state + " (not restarted yet)", false
		}
		return state, printable == Running && vmi != nil && !pausedVMI(vmi)
	case Stopped:
		return state, vmi == nil && printable == Stopped
	case Paused:
		return state, vmi != nil && pausedVMI(vmi)
	case Migrated:
		if vmi == nil {
			return state + " (no VMI)", false
		}
		node, _, _ := unstructured.NestedString(vmi.Object, "status", "nodeName")
		completed, _, _ := unstructured.NestedBool(vmi.Object, "status", "migrationState", "completed")
		failed, _, _ := unstructured.NestedBool(vmi.Object, "status", "migrationState", "failed")
		targetNode, _, _ := unstructured.NestedString(vmi.Object, "status", "migrationState", "targetNode")
		switch {
		case failed:
			return "migration failed", false
		case completed && node != it.node && node == targetNode:
			return "migrated to " + node, true
		}
		return "migrating from " + it.node, false
	}
	return state, true
}
