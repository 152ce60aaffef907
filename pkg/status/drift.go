package status

import (
	"context"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/diff"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
)

// drift compares a row's live VM with the VM create would render now for the Machine, as diff
// does: only the fields create sets count. The Machine is rendered under the naming scheme its
// VM's name follows. MachineClasses, storage facts and the supervisor's NetworkNamespaces (and
// NetworkConfigurations, for a MAC) are read once per run (the pipeline's memo). p is the row's place.
func (r *Reader) drift(ctx context.Context, e *entry, p *place, row *Row) {
	if row.VM == nil {
		row.Drift = DriftNone
		return
	}
	var live map[string]any
	if vm := p.vms[row.VM.Name]; vm != nil {
		live = vm.full
	}
	pl := r.pipelineFor(e, row.VM.Name)
	// The live VM's MAC is kept when none is persisted, as create keeps it.
	objs, err := pl.RenderFor(ctx, e.machine, e.target, live)
	var desired map[string]any
	if err == nil {
		desired, err = cluster.Content(objs.VM)
	}
	switch {
	case err != nil:
		row.Drift, row.DriftError = DriftUnknown, err.Error()
	case live == nil:
		row.Drift, row.DriftError = DriftUnknown, "the live VirtualMachine was not kept"
	case diff.Equal(desired, live):
		row.Drift = DriftNo
	default:
		row.Drift = DriftYes
	}
}

// pipelineFor is the pipeline whose naming scheme names the VM as it is named: the Reader's, or
// one just like it with the other scheme (a VM named by neither gets the Reader's, and so differs).
func (r *Reader) pipelineFor(e *entry, vmName string) *pipeline.Pipeline {
	own := r.Pipeline.Options.Render.Naming
	if vmName == render.VMName(own, e.machine.Name) {
		return r.Pipeline
	}
	other := render.NamingOperator
	if own == render.NamingOperator {
		other = render.NamingSeed
	}
	if vmName != render.VMName(other, e.machine.Name) {
		return r.Pipeline
	}
	r.siblingOnce.Do(func() {
		opts := r.Pipeline.Options
		opts.Render.Naming = other
		r.sibling = &pipeline.Pipeline{Supervisor: r.Pipeline.Supervisor, Resolver: r.Pipeline.Resolver, Writer: r.Pipeline.Writer, Options: opts}
	})
	return r.sibling
}
