package power

import (
	"context"
	"errors"
	"fmt"
	"sync"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/vitistack/kubectl-vitimachine/pkg/batch"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// Outcome is what happened to one Machine.
type Outcome int

const (
	// Call: the Machine needs its subresource call (planned, not yet sent).
	Call Outcome = iota
	// Done: the call was accepted.
	Done
	// Would: a dry run; the call was not sent, or the server accepted its dry run.
	Would
	// Unchanged: the VM is already in the state asked for; no call.
	Unchanged
	// NotProvisioned: the Machine has no VM.
	NotProvisioned
	// Failed: resolution, reading or the call failed, or the VM is in no state the verb can act on.
	Failed
)

// Item is one Machine of a run and what happened to it.
type Item struct {
	Namespace, Machine string
	// Cluster is the display name of the Machine's cluster ("" when unknown).
	Cluster string
	// VM is the VirtualMachine's name ("" without one).
	VM      string
	Outcome Outcome
	// Action is the report's wording: "started", "would start", "already running", "not
	// provisioned", "failed".
	Action string
	// Error says why Outcome is Failed.
	Error string

	client *cluster.Client
	// before is what was read: the VMI's uid and node, for --wait.
	vmiUID types.UID
	node   string
}

// Skipped is a Machine of another provider: not acted on.
type Skipped struct {
	Machine, Reason string
}

// Runner runs one verb over Machines. Create one per run.
type Runner struct {
	// Resolver resolves Machines as status does (nothing recorded); its ListVMs should be
	// Runner.ListVMs, so the VM search and the plan share the VM lists.
	Resolver *target.Resolver
	Writer   write.Writer
	Verb     Verb
	Options  Options

	lists batch.Memo[listKey, []*unstructured.Unstructured]
}

type listKey struct {
	cluster   cluster.ID
	resource  string
	namespace string
}

// ListVMs lists a cluster's VMs in a namespace ("" for all) once per run, for the VM search.
func (r *Runner) ListVMs(ctx context.Context, c *cluster.Client, namespace string, each func(*unstructured.Unstructured) error) error {
	items, err := r.list(ctx, c, cluster.VirtualMachines, namespace)
	if err != nil {
		return err
	}
	for _, u := range items {
		if err := each(u); err != nil {
			return err
		}
	}
	return nil
}

// list reads a resource in a namespace of a cluster once per run; a list across the cluster read
// before answers for every namespace.
func (r *Runner) list(ctx context.Context, c *cluster.Client, res cluster.Resource, namespace string) ([]*unstructured.Unstructured, error) {
	if namespace != "" {
		if all, ok := r.lists.Peek(listKey{c.ID, res.GVR.Resource, ""}); ok {
			var out []*unstructured.Unstructured
			for _, u := range all {
				if u.GetNamespace() == namespace {
					out = append(out, u)
				}
			}
			return out, nil
		}
	}
	return r.lists.Get(listKey{c.ID, res.GVR.Resource, namespace}, func() ([]*unstructured.Unstructured, error) {
		var out []*unstructured.Unstructured
		err := c.List(ctx, res, namespace, "", func(u *unstructured.Unstructured) error {
			out = append(out, u.DeepCopy())
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("cluster %s: list %s in %q: %w", c.ID, res.GVR.Resource, namespace, err)
		}
		return out, nil
	})
}

// Plan resolves every Machine, reads each (cluster, namespace) once (clusters in parallel) and
// decides each Machine's action. Machines of another provider are returned in skipped.
func (r *Runner) Plan(ctx context.Context, machines []*vitistackv1alpha1.Machine) (items []*Item, skipped []Skipped) {
	type group struct {
		client  *cluster.Client
		byNS    map[string][]*Item
		machine map[*Item]*vitistackv1alpha1.Machine
	}
	groups := map[cluster.ID]*group{}
	var order []cluster.ID
	for _, m := range machines {
		if m.Namespace == "" {
			m.Namespace = "default"
		}
		if ok, why := vitistack.HandledByKubevirt(m); !ok {
			skipped = append(skipped, Skipped{Machine: m.Namespace + "/" + m.Name, Reason: why})
			continue
		}
		it := &Item{Namespace: m.Namespace, Machine: m.Name}
		items = append(items, it)
		t, err := r.Resolver.Resolve(ctx, m)
		var miss *target.SearchError
		switch {
		case errors.As(err, &miss) && len(miss.Skipped) == 0:
			it.Outcome, it.Action = NotProvisioned, "not provisioned"
			continue
		case err != nil:
			it.Cluster = m.Annotations[vitistack.AnnotationKubevirtConfig]
			it.fail(err.Error())
			continue
		}
		it.Cluster, it.client = t.Name(), t.Cluster
		g, ok := groups[t.Cluster.ID]
		if !ok {
			g = &group{client: t.Cluster, byNS: map[string][]*Item{}, machine: map[*Item]*vitistackv1alpha1.Machine{}}
			groups[t.Cluster.ID] = g
			order = append(order, t.Cluster.ID)
		}
		g.byNS[m.Namespace] = append(g.byNS[m.Namespace], it)
		g.machine[it] = m
	}
	var wg sync.WaitGroup
	for _, id := range order {
		g := groups[id]
		wg.Go(func() {
			for ns, its := range g.byNS {
				vms, vmis, err := r.read(ctx, g.client, ns)
				for _, it := range its {
					if err != nil {
						it.fail(r.describe(g.client, err))
						continue
					}
					r.decide(it, render.MachineVM(g.machine[it].Name, vms), vmis)
				}
			}
		})
	}
	wg.Wait()
	return items, skipped
}

// describe words a failed read or call of a cluster: a missed deadline in the one wording of
// --cluster-timeout (cluster.TimeoutError), anything else as it is.
func (r *Runner) describe(_ *cluster.Client, err error) string {
	var te *cluster.TimeoutError
	if errors.As(err, &te) {
		return te.Error()
	}
	return err.Error()
}

// read lists a namespace's VMs and VMIs (in parallel); VMIs by name.
func (r *Runner) read(ctx context.Context, c *cluster.Client, namespace string) ([]*unstructured.Unstructured, map[string]*unstructured.Unstructured, error) {
	var vms, vmiList []*unstructured.Unstructured
	var vmErr, vmiErr error
	var wg sync.WaitGroup
	wg.Go(func() { vms, vmErr = r.list(ctx, c, cluster.VirtualMachines, namespace) })
	wg.Go(func() { vmiList, vmiErr = r.list(ctx, c, cluster.VirtualMachineInstances, namespace) })
	wg.Wait()
	if err := errors.Join(vmErr, vmiErr); err != nil {
		return nil, nil, err
	}
	vmis := map[string]*unstructured.Unstructured{}
	for _, u := range vmiList {
		vmis[u.GetName()] = u
	}
	return vms, vmis, nil
}

func (it *Item) fail(msg string) {
	it.Outcome, it.Action, it.Error = Failed, "failed", msg
}

// vmState is what a verb decides on.
type vmState struct {
	runStrategy string
	// vmi: a VMI exists and is not final; phase its phase.
	vmi, paused bool
	phase       string
}

func stateOf(vm, vmi *unstructured.Unstructured) vmState {
	s := vmState{runStrategy: runStrategy(vm)}
	if vmi != nil {
		s.phase, _, _ = unstructured.NestedString(vmi.Object, "status", "phase")
		s.vmi = s.phase != "Succeeded" && s.phase != "Failed"
		s.paused = pausedVMI(vmi)
	}
	return s
}

// runStrategy is the VM's runStrategy; the deprecated spec.running counts as Always or Halted, and
// neither is Halted (kubevirt.io/api VirtualMachine.RunStrategy).
func runStrategy(vm *unstructured.Unstructured) string {
	if running, ok, _ := unstructured.NestedBool(vm.Object, "spec", "running"); ok {
		if running {
			return "Always"
		}
		return "Halted"
	}
	if rs, _, _ := unstructured.NestedString(vm.Object, "spec", "runStrategy"); rs != "" {
		return rs
	}
	return "Halted"
}

// pausedVMI reports the VMI's Paused condition (status True).
func pausedVMI(vmi *unstructured.Unstructured) bool {
	conditions, _, _ := unstructured.NestedSlice(vmi.Object, "status", "conditions")
	for _, c := range conditions {
		if m, _ := c.(map[string]any); m["type"] == "Paused" && m["status"] == "True" {
			return true
		}
	}
	return false
}

// decide sets the item's action from its VM and the namespace's VMIs, before any call: a VM
// already in the state asked for needs no call, and a verb that needs a running VMI (restart,
// pause, unpause, soft-reboot, migrate) fails without a call when there is none, as KubeVirt would
// refuse it ("VM is not running").
func (r *Runner) decide(it *Item, vm *unstructured.Unstructured, vmis map[string]*unstructured.Unstructured) {
	if vm == nil {
		it.Outcome, it.Action = NotProvisioned, "not provisioned"
		return
	}
	it.VM = vm.GetName()
	vmi := vmis[it.VM]
	if vmi != nil {
		it.vmiUID = vmi.GetUID()
		it.node, _, _ = unstructured.NestedString(vmi.Object, "status", "nodeName")
	}
	s := stateOf(vm, vmi)
	unchanged := func(action string) { it.Outcome, it.Action = Unchanged, action }
	notRunning := func() {
		it.fail(fmt.Sprintf("VM %s is not running (start it: kubectl vitimachine start -n %s %s)", it.VM, it.Namespace, it.Machine))
	}
	switch r.Verb.Subresource {
	case "start":
		if s.vmi || s.runStrategy == "Always" {
			unchanged("already running")
			return
		}
	case "stop":
		halted := s.runStrategy == "Halted" && (!s.vmi || r.Options.GracePeriod == nil)
		if halted || (!s.vmi && (s.runStrategy == "Manual" || s.runStrategy == "RerunOnFailure")) {
			unchanged("already stopped")
			return
		}
	case "restart", "migrate", "softreboot":
		if !s.vmi {
			notRunning()
			return
		}
		if s.paused && r.Verb.Subresource != "restart" {
			it.fail(fmt.Sprintf("VM %s is paused (unpause it first)", it.VM))
			return
		}
	case "pause":
		if !s.vmi {
			notRunning()
			return
		}
		if s.paused {
			unchanged("already paused")
			return
		}
	case "unpause":
		if !s.vmi {
			notRunning()
			return
		}
		if !s.paused {
			unchanged("already running")
			return
		}
	}
	it.Outcome, it.Action = Call, r.Verb.Would()
}

// Apply sends the call of every item that needs one, in parallel (Options.Workers per cluster),
// and records the outcomes. The calls count against each client's --cluster-timeout, which runs
// down only while that cluster's own requests are in flight: the time the plan waited for other
// clusters, or for a person to confirm, does not count.
func (r *Runner) Apply(ctx context.Context, items []*Item) {
	byCluster := map[cluster.ID][]*Item{}
	for _, it := range items {
		if it.Outcome == Call {
			byCluster[it.client.ID] = append(byCluster[it.client.ID], it)
		}
	}
	workers := r.Options.Workers
	if workers <= 0 {
		workers = 32
	}
	var wg sync.WaitGroup
	for _, its := range byCluster {
		wg.Go(func() {
			batch.Each(len(its), workers, func(i int) { r.call(ctx, its[i]) })
		})
	}
	wg.Wait()
}

// call sends one item's subresource call through the write seam.
func (r *Runner) call(ctx context.Context, it *Item) {
	v := r.Verb
	out := r.Writer.Put(ctx, it.client, write.Call{
		Action:       cluster.Action{Resource: v.Resource(), Namespace: it.Namespace, Name: it.VM, Subresource: v.Subresource},
		Options:      func(dryRun bool) ([]byte, error) { return v.body(r.Options, dryRun) },
		ServerDryRun: v.ServerDryRun,
	})
	switch out.Result {
	case write.Stored:
		it.Outcome, it.Action = Done, v.Done
	case write.WouldStore:
		it.Outcome, it.Action = Would, v.Would()
	case write.NoServerDryRun:
		it.Outcome, it.Action = Would, v.Would()+" (not sent: KubeVirt has no server dry run for "+v.Subresource+")"
	case write.Pending, write.Exists, write.Gone, write.Changed, write.Failed:
		it.fail(r.describe(it.client, out.Err))
	}
}

// Summary counts a run's items.
type Summary struct {
	Done, Unchanged, NotProvisioned, Failed int
	// DryRun is "", "client" or "server".
	DryRun string
}

// Summarize counts the items; a dry run's would-be calls count as Done.
func (r *Runner) Summarize(items []*Item) Summary {
	s := Summary{DryRun: r.Writer.DryRun()}
	for _, it := range items {
		switch it.Outcome {
		case Done, Would:
			s.Done++
		case Unchanged:
			s.Unchanged++
		case NotProvisioned:
			s.NotProvisioned++
		case Failed, Call:
			s.Failed++
		}
	}
	return s
}
