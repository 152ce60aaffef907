package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
)

// CreateOptions carries `kubectl vitimachine create`.
type CreateOptions struct {
	root     *RootOptions
	Pipeline *PipelineFlags
	DryRun   DryRunFlag
	Output   OutputFlag
	Report   string
	Diff     bool
	Wait     bool
	Timeout  time.Duration

	run *pipelineRun
}

// NewCmdCreate builds `kubectl vitimachine create`.
func NewCmdCreate(root *RootOptions) *cobra.Command {
	o := &CreateOptions{root: root, Pipeline: newPipelineFlags(), Timeout: 5 * time.Minute, Report: "table",
		Output: OutputFlag{Allowed: []string{"yaml", "json", "name"}, JSONPath: true,
			Help: "Print the objects this run creates (or would create) as a v1 List: yaml, json, name or jsonpath=TEMPLATE (the report then goes to stderr)"}}
	c := &cobra.Command{
		Use:   "create (-f FILENAME [-R] | NAME... | -l SELECTOR | -A)",
		Short: "Provision Machines on their KubeVirt clusters: namespace, PVCs, then the VirtualMachine",
		Long: `Provision Machines on their remote KubeVirt clusters.

For each Machine: find its remote cluster, make sure its namespace exists there (an existing
namespace is never touched), then create its PersistentVolumeClaims and its VirtualMachine.
Every Machine is checked completely before anything is written; a Machine that fails a check
writes nothing. Objects that exist are never updated: the report says when they differ and
--diff shows how. Nothing is ever deleted.

Machines given with -f are created on the supervisor when they are absent there.

Exit status: 0 when everything succeeded, 2 or more when anything failed.`,
		Example: `  # Preview what would be created, with a diff of every object
  kubectl vitimachine create -f machine.yaml --dry-run=server --diff

  # Provision two Machines that already exist on the supervisor, and wait until they run
  kubectl vitimachine create -n team-a web-1 web-2 --wait

  # Use a specific remote cluster, bypassing KubevirtConfig discovery
  kubectl vitimachine create -f machines/ --remote-kubeconfig ~/.kube/kubevirt.yaml

  # Every Machine of a team, in all namespaces, from the supervisor
  kubectl vitimachine create -A -l team=a

  # A folder and its subfolders (files without Machines, such as a kustomization, are skipped)
  kubectl vitimachine create -f machines/ -R

  # The objects create would make, as a List, for review
  kubectl vitimachine create -f machine.yaml --dry-run=client -o yaml`,
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
	o.Pipeline.AddFlags(c.Flags(), "Provision Machines that carry the kubevirt-operator's finalizer (owned by a running operator)")
	o.DryRun.AddFlag(c.Flags())
	o.DryRun.AddFieldManagerFlag(c.Flags())
	o.Output.AddFlag(c)
	c.Flags().StringVar(&o.Report, "report", o.Report, "Format of the report: table, or json or yaml for scripts (each object's Machine, cluster, action and message, and the counts)")
	c.Flags().BoolVar(&o.Diff, "diff", false, "Show a diff of every object against what is live before the report")
	c.Flags().BoolVar(&o.Wait, "wait", false, "Wait until every VirtualMachine is Running")
	c.Flags().DurationVar(&o.Timeout, "timeout", o.Timeout, "How long --wait waits")
	registerCompletions(c, root)
	return c
}

// Complete parses the flags and builds the pipeline.
func (o *CreateOptions) Complete(c *cobra.Command, args []string) error {
	if err := o.DryRun.Complete(c); err != nil {
		return err
	}
	if err := o.Output.Validate(c); err != nil {
		return err
	}
	if !slices.Contains(printer.ReportFormats, o.Report) {
		return newUsageError(c, fmt.Errorf("invalid --report %q (use %s)", o.Report, orList(printer.ReportFormats)))
	}
	run, err := o.Pipeline.complete(c, o.root, args, o.DryRun.Writer())
	o.run = run
	return err
}

// Validate refuses flag combinations that cannot work together.
func (o *CreateOptions) Validate(c *cobra.Command) error {
	switch {
	case o.Output.Value != "" && o.Diff:
		return newUsageError(c, fmt.Errorf("--diff and --output both write to stdout; use one"))
	case o.Wait && !o.DryRun.Stores():
		return newUsageError(c, fmt.Errorf("--wait needs real writes; drop --dry-run or --wait"))
	}
	return nil
}

// Run plans every Machine, shows diffs when asked, applies, reports and optionally waits.
func (o *CreateOptions) Run(ctx context.Context) error {
	plans, err := o.run.plan(ctx)
	if err != nil || plans == nil {
		return err
	}
	if o.Diff {
		if _, err := printDiffs(o.root, pipeline.Diffs(plans)); err != nil {
			return err
		}
	}
	p := o.run.pipeline
	p.Apply(ctx, plans)

	report := o.root.Out
	if o.Output.Value != "" {
		report = o.root.ErrOut
		objs, refs := pipeline.Objects(plans)
		if err := printer.List(o.root.Out, o.Output.Value, objs, refs); err != nil {
			return err
		}
	}
	sum := p.Summarize(plans)
	if err := o.printReport(report, plans, sum); err != nil {
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

// printReport prints the report as --report says: the table and the summary line, or the data.
func (o *CreateOptions) printReport(w io.Writer, plans []*pipeline.Plan, sum plan.Summary) error {
	if o.Report != "table" {
		return printer.ReportStructured(w, o.Report, printer.Rows(plans), sum)
	}
	if err := printer.Report(w, printer.Rows(plans), printer.NewPalette(o.root.colorFor(w))); err != nil {
		return err
	}
	return printer.Summary(w, sum)
}

func (o *CreateOptions) wait(ctx context.Context, plans []*pipeline.Plan) error {
	var progress func(vm, status string)
	if isTerminal(o.root.ErrOut) {
		progress = func(vm, status string) {
			if status == "" {
				status = "<no status yet>"
			}
			fmt.Fprintf(o.root.ErrOut, "waiting: %s is %s\n", vm, status)
		}
	}
	err := o.run.pipeline.Wait(ctx, plans, o.Timeout, progress)
	var we *pipeline.WaitError
	if errors.As(err, &we) && we.Interrupted {
		return fmt.Errorf("%w (%w)", err, ctx.Err())
	}
	return err
}
