package cmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/vitistack/kubectl-vitimachine/pkg/deletion"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
	"github.com/vitistack/kubectl-vitimachine/pkg/source"
)

// DeleteOptions carries `kubectl vitimachine delete`.
type DeleteOptions struct {
	root      *RootOptions
	Machines  *PipelineFlags
	DryRun    DryRunFlag
	Output    OutputFlag
	Diff      bool
	Wait      bool
	Timeout   time.Duration
	KeepDisks bool
	Machine   bool

	deleter *deletion.Deleter
	source  source.Request
}

// NewCmdDelete builds `kubectl vitimachine delete`.
func NewCmdDelete(root *RootOptions) *cobra.Command {
	o := &DeleteOptions{root: root, Machines: newPipelineFlags(), Timeout: 5 * time.Minute,
		Output: OutputFlag{Allowed: []string{"name"},
			Help: "Print the objects this run deletes (or would delete) as kind.group/name, one a line: name (the report then goes to stderr)"}}
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
	switch {
	case o.Output.Value != "" && o.Diff:
		return newUsageError(c, fmt.Errorf("--diff and --output both write to stdout; use one"))
	case o.Wait && !o.DryRun.Stores():
		return newUsageError(c, fmt.Errorf("--wait needs real deletes; drop --dry-run or --wait"))
	case o.Wait && o.Timeout <= 0:
		return newUsageError(c, fmt.Errorf("invalid --timeout %s: --wait needs a positive duration (e.g. --timeout=5m)", o.Timeout))
	}
	return nil
}

// Run plans every Machine, shows diffs when asked, deletes, reports and optionally waits.
func (o *DeleteOptions) Run(ctx context.Context) error {
	d := o.deleter
	inputs, err := source.Load(ctx, d.Supervisor, o.source)
	if err != nil {
		return err
	}
	plans := d.Plan(ctx, inputs)
	if o.Diff {
		if _, err := printDiffs(o.root, pipeline.Diffs(plans)); err != nil {
			return err
		}
	}
	d.Apply(ctx, plans)

	report := o.root.Out
	if o.Output.Value != "" {
		report = o.root.ErrOut
		if err := printer.List(o.root.Out, o.Output.Value, nil, deletion.Refs(plans)); err != nil {
			return err
		}
	}
	if err := printer.Report(report, printer.Rows(plans), printer.NewPalette(o.root.colorFor(report))); err != nil {
		return err
	}
	sum := d.Summarize(plans)
	if err := printer.DeletionSummary(report, sum); err != nil {
		return err
	}
	if sum.Failed > 0 {
		return &reportedError{msg: fmt.Sprintf("%d failed (see the report above)", sum.Failed)}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	if o.Wait {
		return o.wait(ctx, plans)
	}
	return nil
}

func (o *DeleteOptions) wait(ctx context.Context, plans []*pipeline.Plan) error {
	var progress func(object, status string)
	if isTerminal(o.root.ErrOut) {
		progress = func(object, status string) {
			fmt.Fprintf(o.root.ErrOut, "waiting: %s is %s\n", object, status)
		}
	}
	err := o.deleter.Wait(ctx, plans, o.Timeout, progress)
	var we *pipeline.WaitError
	if errors.As(err, &we) && we.Interrupted {
		return fmt.Errorf("%w (%w)", err, ctx.Err())
	}
	return err
}
