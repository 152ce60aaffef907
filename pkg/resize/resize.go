// Package resize changes the size of provisioned Machines: their MachineClass, CPU cores, memory or
// disk sizes. For each Machine it computes the changed Machine spec (supervisor) and, exactly as
// create renders them for the changed Machine (pipeline.RenderFor), the VM template's CPU and memory
// and the PVCs' sizes (remote), and compares them with the live objects.
//
// Like create and delete it plans every Machine first (reads only; one VM list and one PVC list per
// cluster and namespace, shared with create's planning) and refuses before any write what cannot be
// done: a disk that would shrink, a StorageClass that cannot expand, a Machine without a VM, a
// Machine the operator owns (without Force). Apply then writes, per Machine and in this order, the
// Machine, the PVCs that grow and the VM template, each as a merge patch under the resourceVersion
// that was planned: an object changed in between is not written, and the Machine's later writes are
// not attempted.
package resize

import (
	"context"
	"errors"
	"fmt"
	"strings"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/batch"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/diff"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// GiB is one gibibyte; disk sizes are whole GiB (the Machine's spec.disks[].sizeGB).
const GiB = int64(1) << 30

// Change is what a run changes on every Machine; zero fields are left as they are.
type Change struct {
	// Class is the new spec.machineClass.
	Class string
	// CPU is the new spec.cpu.cores.
	CPU int
	// Memory is the new spec.memory (bytes; the VM gets it as whole Mi).
	Memory *resource.Quantity
	// Disks are new disk sizes by disk name.
	Disks []Disk
}

// Empty reports a change that changes nothing.
func (c Change) Empty() bool {
	return c.Class == "" && c.CPU == 0 && c.Memory == nil && len(c.Disks) == 0
}

// Disk is one --disk NAME=SIZE.
type Disk struct {
	Name string
	// GiB is the size in whole GiB.
	GiB int64
}

// ParseDisk reads NAME=SIZE, SIZE a quantity of whole GiB (20Gi, 1Ti).
func ParseDisk(s string) (Disk, error) {
	name, size, ok := strings.Cut(s, "=")
	if !ok || name == "" || size == "" {
		return Disk{}, fmt.Errorf("--disk %q: want NAME=SIZE, such as root=20Gi", s)
	}
	q, err := resource.ParseQuantity(size)
	if err != nil {
		return Disk{}, fmt.Errorf("--disk %q: size: %w", s, err)
	}
	b := q.Value()
	if b <= 0 || b%GiB != 0 {
		return Disk{}, fmt.Errorf("--disk %q: size must be a positive whole number of Gi (spec.disks[].sizeGB is in GiB), such as %s=20Gi", s, name)
	}
	return Disk{Name: name, GiB: b / GiB}, nil
}

// Options are resize's choices from flags.
type Options struct {
	Change Change
	// Force resizes Machines that carry the operator's finalizer.
	Force bool
}

// Resizer plans and applies resizes. Create one per run.
type Resizer struct {
	// Pipeline is create's pipeline: its reads, caches and rendering are the plan's.
	Pipeline *pipeline.Pipeline
	Options  Options

	classes batch.Memo[classKey, *storagev1.StorageClass]
}

type classKey struct {
	cluster cluster.ID
	name    string
}

// Plan is one Machine's resize: the pipeline plan (items in write order: Machine, PVCs, VM) and
// whether its VM needs a restart for the change to take effect.
type Plan struct {
	*pipeline.Plan
	// Restart says the VM's CPU or memory change needs a restart (false when it has none, or it is
	// applied live).
	Restart bool
}

// Plans are the pipeline plans of resize plans, for reports and diffs.
func Plans(plans []*Plan) []*pipeline.Plan {
	out := make([]*pipeline.Plan, len(plans))
	for i, p := range plans {
		out[i] = p.Plan
	}
	return out
}

// Plan reads what each Machine needs and decides every write, without writing. Plans come back in
// input order.
func (r *Resizer) Plan(ctx context.Context, inputs []plan.Input) []*Plan {
	plans := make([]*Plan, len(inputs))
	for i, in := range inputs {
		plans[i] = &Plan{Plan: &pipeline.Plan{Input: in}}
	}
	batch.Each(len(plans), pipeline.Workers, func(i int) { plans[i].Err = r.plan(ctx, plans[i]) })
	return plans
}

func (r *Resizer) plan(ctx context.Context, pl *Plan) error {
	if pl.Machine.Namespace == "" {
		pl.Machine.Namespace = "default"
	}
	live, err := r.liveMachine(ctx, pl)
	if err != nil {
		return err
	}
	m := pl.Machine
	if ok, why := vitistack.HandledByKubevirt(m); !ok {
		pl.SkipReason = why
		return nil
	}
	if !r.Options.Force && vitistack.OwnedByOperator(m) {
		return fmt.Errorf("machine %q carries the finalizer %s: a running kubevirt-operator owns it and renders its VM itself; change the Machine with kubectl and let the operator act, or use --force to resize with the plugin anyway", pl.Key(), vitistack.Finalizer)
	}
	changed, patch, err := r.change(m, live)
	if err != nil {
		return fmt.Errorf("machine %q: %w", pl.Key(), err)
	}
	t, err := r.Pipeline.Resolver.Resolve(ctx, m)
	if err != nil {
		return err
	}
	pl.Target = t
	c := t.Cluster
	vms, pvcs, exists, err := r.Pipeline.Remote(ctx, c, m.Namespace)
	if err != nil {
		return err
	}
	vmName := render.VMName(r.Pipeline.Options.Render.Naming, m.Name)
	vm := vms[vmName]
	if !exists || vm == nil {
		return fmt.Errorf("machine %q is not provisioned: no VirtualMachine %q in namespace %q on cluster %s (create it first: kubectl vitimachine create -n %s %s)", pl.Key(), vmName, m.Namespace, c.ID, m.Namespace, m.Name)
	}
	objs, err := r.Pipeline.RenderFor(ctx, changed, t, vm)
	if errors.Is(err, render.ErrStaticIPPending) {
		return fmt.Errorf("machine %q: %w", pl.Key(), err)
	}
	if err != nil {
		return err
	}
	machineItem := &plan.Item{Cluster: r.Pipeline.Supervisor.ID, Resource: cluster.Machines, Namespace: m.Namespace, Name: m.Name, Live: live}
	planPatch(machineItem, patch)
	items := []*plan.Item{machineItem}
	for _, want := range objs.PVCs {
		it, err := r.pvcItem(ctx, c, pl, want.Name, want.Spec.Resources.Requests.Storage(), pvcs[want.Name])
		if err != nil {
			return err
		}
		items = append(items, it)
	}
	vmItem, restart, err := vmItem(c.ID, vm, objs)
	if err != nil {
		return fmt.Errorf("machine %q: %w", pl.Key(), err)
	}
	pl.Restart = restart
	pl.VM = vmItem
	pl.Items = append(items, vmItem)
	return nil
}

// liveMachine is the Machine as the supervisor has it, unstructured (it carries the resourceVersion
// the Machine's patch is sent under). A Machine from a file is read from the supervisor: resize
// changes existing Machines only.
func (r *Resizer) liveMachine(ctx context.Context, pl *Plan) (map[string]any, error) {
	if !pl.FromFile {
		u, err := cluster.ToUnstructured(pl.Machine)
		if err != nil {
			return nil, err
		}
		u.SetAPIVersion(cluster.Machines.APIVersion())
		u.SetKind(cluster.Machines.Kind)
		return u.Object, nil
	}
	u, err := r.Pipeline.Supervisor.GetUnstructured(ctx, cluster.Machines, pl.Machine.Namespace, pl.Machine.Name)
	switch {
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("machine %q (%s) does not exist on the supervisor: resize changes existing Machines (create it first)", pl.Key(), pl.Origin)
	case err != nil:
		return nil, fmt.Errorf("get machine %q on the supervisor: %w", pl.Key(), err)
	}
	var m vitistackv1alpha1.Machine
	if err := cluster.FromUnstructured(u, &m); err != nil {
		return nil, fmt.Errorf("decode machine %q: %w", pl.Key(), err)
	}
	pl.Machine = &m
	return u.Object, nil
}

// change applies the run's change to a Machine: the changed Machine (for rendering) and the merge
// patch of its spec (only the fields that change; nil when none does). Disks are changed in the live
// object's own list, so fields this plugin does not know survive the patch.
func (r *Resizer) change(m *vitistackv1alpha1.Machine, live map[string]any) (*vitistackv1alpha1.Machine, map[string]any, error) {
	ch := r.Options.Change
	out := m.DeepCopy()
	spec := map[string]any{}
	if ch.Class != "" && ch.Class != m.Spec.MachineClass {
		out.Spec.MachineClass = ch.Class
		spec["machineClass"] = ch.Class
	}
	if ch.CPU > 0 && ch.CPU != m.Spec.CPU.Cores {
		out.Spec.CPU.Cores = ch.CPU
		spec["cpu"] = map[string]any{"cores": int64(ch.CPU)}
	}
	if ch.Memory != nil && ch.Memory.Value() != m.Spec.Memory {
		out.Spec.Memory = ch.Memory.Value()
		spec["memory"] = ch.Memory.Value()
	}
	if len(ch.Disks) > 0 {
		disks, changed, err := resizeDisks(out, live, ch.Disks)
		if err != nil {
			return nil, nil, err
		}
		if changed {
			spec["disks"] = disks
		}
	}
	if len(spec) == 0 {
		return out, nil, nil
	}
	return out, map[string]any{"spec": spec}, nil
}

// resizeDisks sets the sizes of the named disks in m and in a copy of the live spec.disks, and
// refuses a disk that does not exist or would shrink. A Machine without spec.disks has one disk,
// "root", of render.DefaultDiskSize GiB: resizing it writes that disk into spec.disks.
func resizeDisks(m *vitistackv1alpha1.Machine, live map[string]any, want []Disk) ([]any, bool, error) {
	raw, _, _ := unstructured.NestedSlice(live, "spec", "disks")
	if len(m.Spec.Disks) == 0 {
		m.Spec.Disks = []vitistackv1alpha1.MachineSpecDisk{{Name: "root", SizeGB: render.DefaultDiskSize, Boot: true}}
		raw = []any{map[string]any{"name": "root", "sizeGB": int64(render.DefaultDiskSize), "boot": true}}
	}
	if len(raw) != len(m.Spec.Disks) {
		return nil, false, fmt.Errorf("spec.disks: %d disks in the object but %d decoded", len(raw), len(m.Spec.Disks))
	}
	changed := false
	for _, d := range want {
		i := diskIndex(m.Spec.Disks, d.Name)
		if i < 0 {
			return nil, false, fmt.Errorf("--disk %s: the Machine has no disk %q (its disks: %s); resize changes the size of existing disks only", d.Name, d.Name, strings.Join(diskNames(m.Spec.Disks), ", "))
		}
		have := m.Spec.Disks[i].SizeGB
		if have == 0 {
			have = render.DefaultDiskSize
		}
		switch {
		case d.GiB < have:
			return nil, false, fmt.Errorf("--disk %s=%dGi: disk %q is %dGi; a disk cannot shrink (nothing written)", d.Name, d.GiB, d.Name, have)
		case d.GiB == have:
			continue
		}
		m.Spec.Disks[i].SizeGB = d.GiB
		entry, _ := raw[i].(map[string]any)
		if entry == nil {
			return nil, false, fmt.Errorf("spec.disks[%d] is not an object", i)
		}
		entry["sizeGB"] = d.GiB
		changed = true
	}
	return raw, changed, nil
}

// diskIndex finds a disk by the name render gives it: its name, "root" for an unnamed first disk,
// "disk<i>" for other unnamed ones.
func diskIndex(disks []vitistackv1alpha1.MachineSpecDisk, name string) int {
	for i, n := range diskNames(disks) {
		if n == name {
			return i
		}
	}
	return -1
}

func diskNames(disks []vitistackv1alpha1.MachineSpecDisk) []string {
	out := make([]string, len(disks))
	for i, d := range disks {
		switch {
		case d.Name != "":
			out[i] = d.Name
		case i == 0:
			out[i] = "root"
		default:
			out[i] = fmt.Sprintf("disk%d", i)
		}
	}
	return out
}

// planPatch decides an item from its live object and patch: unchanged when the patch changes
// nothing, else a PatchObject whose Desired is the live object patched.
func planPatch(it *plan.Item, patch map[string]any) {
	it.Desired = mergePatch(it.Live, patch)
	if patch == nil || diff.Equal(it.Desired, it.Live) {
		it.Action, it.Patch = plan.Unchanged, nil
		return
	}
	it.Write, it.Action, it.Patch = plan.PatchObject, plan.WouldUpdate, patch
}

// mergePatch applies a JSON merge patch (RFC 7386) to a copy of obj.
func mergePatch(obj, patch map[string]any) map[string]any {
	out := runtimeCopy(obj)
	for k, v := range patch {
		pv, isMap := v.(map[string]any)
		switch {
		case v == nil:
			delete(out, k)
		case isMap:
			cur, _ := out[k].(map[string]any)
			out[k] = mergePatch(cur, pv)
		default:
			out[k] = v
		}
	}
	return out
}

func runtimeCopy(obj map[string]any) map[string]any {
	if obj == nil {
		return map[string]any{}
	}
	return (&unstructured.Unstructured{Object: obj}).DeepCopy().Object
}

// pvcItem plans one disk's PVC: unchanged at the same size, a grow when bigger (refused when its
// StorageClass does not allow expansion), a refusal when smaller or missing.
func (r *Resizer) pvcItem(ctx context.Context, c *cluster.Client, pl *Plan, name string, want *resource.Quantity, live map[string]any) (*plan.Item, error) {
	if live == nil {
		return nil, fmt.Errorf("machine %q: PVC %q is missing in namespace %q on cluster %s (create provisions it: kubectl vitimachine create -n %s %s)", pl.Key(), name, pl.Machine.Namespace, c.ID, pl.Machine.Namespace, pl.Machine.Name)
	}
	it := &plan.Item{Cluster: c.ID, Resource: cluster.PVCs, Namespace: pl.Machine.Namespace, Name: name, Live: live}
	s, _, _ := unstructured.NestedString(live, "spec", "resources", "requests", "storage")
	have, err := resource.ParseQuantity(s)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: PVC %q: spec.resources.requests.storage %q: %w", c.ID, name, s, err)
	}
	switch have.Cmp(*want) {
	case 0:
		planPatch(it, nil)
		return it, nil
	case 1:
		return nil, fmt.Errorf("machine %q: PVC %q on cluster %s is %s and would be %s: a PVC cannot shrink (nothing written)", pl.Key(), name, c.ID, have.String(), want.String())
	}
	if phase, _, _ := unstructured.NestedString(live, "status", "phase"); phase != "Bound" {
		return nil, fmt.Errorf("machine %q: PVC %q on cluster %s is %s, not Bound: Kubernetes grows bound claims only (nothing written)", pl.Key(), name, c.ID, orNone(phase))
	}
	class, _, _ := unstructured.NestedString(live, "spec", "storageClassName")
	if err := r.expandable(ctx, c, class); err != nil {
		return nil, fmt.Errorf("machine %q: PVC %q cannot grow from %s to %s: %w (nothing written)", pl.Key(), name, have.String(), want.String(), err)
	}
	planPatch(it, map[string]any{"spec": map[string]any{"resources": map[string]any{"requests": map[string]any{"storage": want.String()}}}})
	it.Message = fmt.Sprintf("%s → %s", have.String(), want.String())
	return it, nil
}

// expandable refuses a StorageClass without allowVolumeExpansion; each class is read once per run.
func (r *Resizer) expandable(ctx context.Context, c *cluster.Client, name string) error {
	if name == "" {
		return errors.New("it names no StorageClass, so nothing says it can expand")
	}
	sc, err := r.classes.Get(classKey{c.ID, name}, func() (*storagev1.StorageClass, error) {
		var sc storagev1.StorageClass
		return &sc, c.Get(ctx, cluster.StorageClasses, "", name, &sc)
	})
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("its StorageClass %q does not exist on cluster %s", name, c.ID)
	case err != nil:
		return fmt.Errorf("cluster %s: get storageclass %q: %w", c.ID, name, err)
	case sc.AllowVolumeExpansion == nil || !*sc.AllowVolumeExpansion:
		return fmt.Errorf("its StorageClass %q does not allow volume expansion (allowVolumeExpansion is not true)", name)
	}
	return nil
}

// Apply writes the plans, Machine by Machine and item by item in plan order (Machine, PVCs, VM). A
// Machine whose plan failed writes nothing; a write that fails or finds its object changed stops
// the Machine's later writes. Machines of one cluster and namespace go one after the other;
// different namespaces pipeline.Workers at a time.
func (r *Resizer) Apply(ctx context.Context, w write.Writer, plans []*Plan) {
	byPlan := map[*pipeline.Plan]*Plan{}
	for _, p := range plans {
		byPlan[p.Plan] = p
	}
	gs := pipeline.Groups(Plans(plans))
	batch.Each(len(gs), pipeline.Workers, func(i int) {
		for _, pl := range gs[i] {
			r.apply(ctx, w, byPlan[pl])
		}
	})
}

func (r *Resizer) apply(ctx context.Context, w write.Writer, pl *Plan) {
	if pl.Err != nil || pl.SkipReason != "" {
		return
	}
	applier := plan.Applier{Writer: w}
	var failed *plan.Item
	for _, it := range pl.Items {
		if it.Write != plan.PatchObject {
			continue
		}
		switch {
		case failed != nil:
			it.Result, it.ResultMessage = plan.Skipped, fmt.Sprintf("not attempted: %s failed", failed.Ref())
			continue
		case ctx.Err() != nil:
			it.Result, it.ResultMessage = plan.Skipped, "not attempted: interrupted"
			continue
		}
		switch out := applier.Apply(ctx, pl.ClientFor(r.Pipeline.Supervisor, it.Cluster), it); out.Result {
		case write.Changed, write.Failed:
			failed = it
		case write.Stored, write.WouldStore, write.Pending, write.Exists, write.Gone, write.NoServerDryRun:
		}
	}
}

// Summarize counts the final actions of every item (and each refused Machine as one failure).
func Summarize(plans []*Plan, dryRun string) plan.Summary {
	return pipeline.Summarize(Plans(plans), dryRun)
}

// Written reports a Machine none of whose writes failed or was left out.
func Written(p *Plan) bool {
	for _, it := range p.Items {
		if a, _ := it.Final(); a == plan.Failed || a == plan.Skipped {
			return false
		}
	}
	return true
}

// NeedsRestart reports a Machine whose VM template was (or would be) updated with a change that
// needs a restart.
func NeedsRestart(p *Plan) bool {
	if p.Err != nil || !p.Restart || p.VM == nil {
		return false
	}
	a, _ := p.VM.Final()
	return a == plan.Updated || a == plan.WouldUpdate
}

// Restarts counts the Machines whose VM template was (or would be) updated with a change that
// needs a restart.
func Restarts(plans []*Plan) int {
	n := 0
	for _, p := range plans {
		if NeedsRestart(p) {
			n++
		}
	}
	return n
}
