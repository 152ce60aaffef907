// Package deletion removes what create made for Machines, and nothing else: on each Machine's remote
// cluster its VirtualMachine, its PVCs, its cloud-init Secret and the NetworkAttachmentDefinitions no
// other VM uses; on the supervisor its NetworkConfiguration and, when asked, the Machine itself.
// Objects qualify by their labels (the managed-by label and vitistack.io/source-machine=<machine>),
// never by their name alone. A namespace is never deleted.
//
// Like create, it plans every Machine first (reads only, nothing recorded anywhere) and then applies
// the plans through plan.Applier. Every delete carries the uid and resourceVersion that were
// planned as preconditions, so an object replaced or changed in between is not deleted. Plans, items
// and actions are pipeline's, so reports read like create's.
package deletion

import (
	"context"
	"fmt"
	"sync"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/vitistack/kubectl-vitimachine/pkg/batch"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// Options are delete's choices from flags.
type Options struct {
	// Naming is the scheme create named the VM with: a VM of that name is reported even when it is
	// not the Machine's (and then kept).
	Naming render.Naming
	// ManagedByKey and ManagedByValue are the managed-by label create writes. PVCs, the cloud-init
	// Secret, NetworkAttachmentDefinitions and the NetworkConfiguration are deleted only with it.
	ManagedByKey, ManagedByValue string
	// Force deletes for Machines that carry the operator's finalizer.
	Force bool
	// KeepDisks keeps the PVCs.
	KeepDisks bool
	// Machine also deletes the Machine on the supervisor, last.
	Machine bool
}

// Deleter plans and applies deletions. Create one per run: it reads each namespace of each cluster
// once and shares what it read between the Machines of that namespace.
type Deleter struct {
	Supervisor *cluster.Client
	Resolver   *target.Resolver
	Writer     write.Writer
	Options    Options

	snapshots batch.Memo[nsKey, *snapshot]
	nads      batch.Memo[nadKey, nadRead]

	mu sync.Mutex
	// uses holds what deciding each NetworkAttachmentDefinition item needs.
	uses map[*plan.Item]*nadUse
}

// nsKey is one namespace of one cluster.
type nsKey struct {
	cluster   cluster.ID
	namespace string
}

// Plan reads what each Machine's deletion needs and decides every delete, without writing anything
// (the chosen KubevirtConfig is not recorded either). Plans come back in input order.
func (d *Deleter) Plan(ctx context.Context, inputs []plan.Input) []*pipeline.Plan {
	plans := make([]*pipeline.Plan, len(inputs))
	for i, in := range inputs {
		plans[i] = &pipeline.Plan{Input: in}
	}
	batch.Each(len(plans), pipeline.Workers, func(i int) { plans[i].Err = d.plan(ctx, plans[i]) })
	d.settleShared(plans)
	return plans
}

func (d *Deleter) plan(ctx context.Context, pl *pipeline.Plan) error {
	if pl.Machine.Namespace == "" {
		pl.Machine.Namespace = "default"
	}
	live, err := d.liveMachine(ctx, pl)
	if err != nil {
		return err
	}
	m := pl.Machine
	if ok, why := vitistack.HandledByKubevirt(m); !ok {
		pl.SkipReason = why
		return nil
	}
	if !d.Options.Force && vitistack.OwnedByOperator(m) {
		return fmt.Errorf("machine %q carries the finalizer %s: a running kubevirt-operator owns it and removes its remote objects itself when the Machine is deleted (kubectl delete machine -n %s %s); use --force to delete them with the plugin anyway",
			pl.Key(), vitistack.Finalizer, m.Namespace, m.Name)
	}
	t, err := d.Resolver.Resolve(ctx, m)
	if err != nil {
		return err
	}
	pl.Target = t
	return d.planObjects(ctx, pl, live)
}

// liveMachine returns the Machine as it is on the supervisor (nil when it is not there). A Machine
// from a file is replaced by the live one when it exists; when it does not, the file's Machine still
// finds its remote objects.
func (d *Deleter) liveMachine(ctx context.Context, pl *pipeline.Plan) (map[string]any, error) {
	if !pl.FromFile {
		u, err := cluster.ToUnstructured(pl.Machine)
		if err != nil {
			return nil, err
		}
		u.SetAPIVersion(cluster.Machines.APIVersion())
		u.SetKind(cluster.Machines.Kind)
		return u.Object, nil
	}
	u, err := d.Supervisor.GetUnstructured(ctx, cluster.Machines, pl.Machine.Namespace, pl.Machine.Name)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
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
