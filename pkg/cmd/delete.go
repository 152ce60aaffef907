package cmd

import (
	"context"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/vitistack/kubectl-vitimachine/pkg/deletion"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
	"github.com/vitistack/kubectl-vitimachine/pkg/source"
)

// DeleteOptions carries `kubectl vitimachine delete`.
type DeleteOptions struct {
	root     *RootOptions
	Machines *PipelineFlags
	DryRun   DryRunFlag
	RunFlags
	KeepDisks bool
	Machine   bool

	deleter *deletion.Deleter
	source  source.Request
}

// NewCmdDelete builds `kubectl vitimachine delete`.
func NewCmdDelete(root *RootOptions) *cobra.Command {
	o := &DeleteOptions{root: root, Machines: newPipelineFlags(), RunFlags: RunFlags{Timeout: 5 * time.Minute,
		Output: OutputFlag{Allowed: []string{"name"},
			Help: "Print the objects this run deletes (or would delete) as kind.group/name, one a line: name (the report then goes to stderr)"}}}
	c := &cobra.Command{
		Use:   "delete (-f FILENAME [-R] | NAME...)",
		Short: "Remove what create made for Machines: VM, PVCs, cloud-init Secret, network; never the namespace",
		Long: `Remove what "kubectl vitimachine create" made for Machines, and nothing else.

On each Machine's remote KubeVirt cluster, in its namespace, in this order:
  - the VirtualMachine labelled vitistack.io/source-machine=<machine> (or source-machine=<machine>);
  - the PersistentVolumeClaims labelled with the managed-by label and the Machine (kept with
    --keep-disks, and kept while another VM uses them);
  - the cloud-init Secret <vm>-cloudinit, when labelled like the PVCs;
  - the NetworkAttachmentDefinitions of the VM's Multus networks that carry the managed-by label and
    that no other VM in the namespace uses.
Then on the supervisor the Machine's NetworkConfiguration (when labelled with the managed-by label
and the Machine) and, with --machine, the Machine itself, last.

The namespace is never deleted; the report says when nothing is left in it. Objects without the
plugin's labels, or labelled for another Machine, are kept and reported. Machines that carry the
kubevirt-operator's finalizer are refused without --force: deleting the Machine lets the operator
clean up itself.

Every Machine is planned completely (reads only, nothing recorded) before the first delete, and every
delete carries the uid and resourceVersion that were planned: an object replaced or changed since is
not deleted, and reported as failed. A failure stops that Machine's later deletes. A second run
deletes nothing more.

Exit status: 0 when everything succeeded (objects already gone are fine), 2 when anything
failed.`,
		Example: `  # Preview: what would be deleted, with every object going away as a diff
  kubectl vitimachine delete -n team-a web-1 --dry-run=server --diff

  # Delete the VM and the network of two Machines, keep their disks
  kubectl vitimachine delete -n team-a web-1 web-2 --keep-disks

  # Delete everything create made for the Machines of a file, the Machines too, and wait until it is gone
  kubectl vitimachine delete -f machines/ --machine --wait

  # Objects made by a deployed kubevirt-operator (its label and names)
  kubectl vitimachine delete -n team-a db --naming operator --managed-by-label vitistack.io/managed-by=kubevirt-operator --force`,
		ValidArgsFunction: completeMachines(root),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(c, args); err != nil {
				return err
			}
			if err := o.Validate(c); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	f := c.Flags()
	o.Machines.AddMachineFlags(f, "Delete for Machines that carry the kubevirt-operator's finalizer (a running operator cleans up itself when the Machine is deleted)",
		"KEY=VALUE label create put on the objects; PVCs, Secrets, NetworkAttachmentDefinitions and NetworkConfigurations without it are kept")
	o.DryRun.AddFlag(f)
	o.Output.AddFlag(c)
	f.BoolVar(&o.Diff, "diff", false, "Show every object that would be deleted, as a diff (all removals), before the report")
	f.BoolVar(&o.Wait, "wait", false, "Wait until every deleted object is gone")
	f.DurationVar(&o.Timeout, "timeout", o.Timeout, "How long --wait waits")
	f.BoolVar(&o.KeepDisks, "keep-disks", false, "Keep the PersistentVolumeClaims")
	f.BoolVar(&o.Machine, "machine", false, "Also delete the Machine on the supervisor, last")
	registerCompletions(c, root)
	return c
}

// Complete parses the flags and builds the deleter. Nothing is read from a cluster yet.
func (o *DeleteOptions) Complete(c *cobra.Command, args []string) error {
	if err := o.DryRun.Complete(c); err != nil {
		return err
	}
	if err := o.Output.Validate(c); err != nil {
		return err
	}
	run, err := o.Machines.complete(c, o.root, args, o.DryRun.Writer())
	if err != nil {
		return err
	}
	p := run.pipeline
	o.deleter = &deletion.Deleter{Supervisor: p.Supervisor, Resolver: p.Resolver, Writer: p.Writer, Options: deletion.Options{
		Naming:         p.Options.Render.Naming,
		ManagedByKey:   p.Options.Render.ManagedByKey,
		ManagedByValue: p.Options.Render.ManagedByValue,
		Force:          p.Options.Force,
		KeepDisks:      o.KeepDisks,
		Machine:        o.Machine,
	}}
	o.source = run.source
	return nil
}

// Validate refuses flag combinations that cannot work together.
func (o *DeleteOptions) Validate(c *cobra.Command) error {
	return o.RunFlags.validate(c, o.DryRun.Stores(), "deletes")
}

// Run plans every Machine, shows diffs when asked, deletes, reports and optionally waits (the
// runner's steps).
func (o *DeleteOptions) Run(ctx context.Context) error {
	return o.RunFlags.run(ctx, o.root, deleter{o})
}

// deleter is delete's part of the runner's steps.
type deleter struct{ o *DeleteOptions }

func (d deleter) plan(ctx context.Context) ([]*pipeline.Plan, error) {
	inputs, err := source.Load(ctx, d.o.deleter.Supervisor, d.o.source)
	if err != nil {
		return nil, err
	}
	return d.o.deleter.Plan(ctx, inputs), nil
}

func (d deleter) apply(ctx context.Context, plans []*pipeline.Plan) { d.o.deleter.Apply(ctx, plans) }

func (d deleter) objects(plans []*pipeline.Plan) ([]map[string]any, []string) {
	return nil, deletion.Refs(plans)
}

func (d deleter) summarize(plans []*pipeline.Plan) plan.Summary { return d.o.deleter.Summarize(plans) }

func (d deleter) report(w io.Writer, plans []*pipeline.Plan, sum plan.Summary) error {
	if err := printer.Report(w, printer.Rows(plans), printer.NewPalette(d.o.root.colorFor(w))); err != nil {
		return err
	}
	return printer.DeletionSummary(w, sum)
}

func (d deleter) wait(ctx context.Context, plans []*pipeline.Plan, timeout time.Duration, progress func(object, status string)) error {
	return d.o.deleter.Wait(ctx, plans, timeout, progress)
}
