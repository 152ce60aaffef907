package cmd

import (
	"context"
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
	Report   string
	RunFlags

	run *pipelineRun
}

// NewCmdCreate builds `kubectl vitimachine create`.
func NewCmdCreate(root *RootOptions) *cobra.Command {
	o := &CreateOptions{root: root, Pipeline: newPipelineFlags(), Report: "table", RunFlags: RunFlags{Timeout: 5 * time.Minute,
		Output: OutputFlag{Allowed: []string{"yaml", "json", "name"}, JSONPath: true,
			Help: "Print the objects this run creates or updates (or would) as a v1 List, as they would be stored, cloud-init Secret data included: yaml, json, name or jsonpath=TEMPLATE (the report then goes to stderr)"}}}
	c := &cobra.Command{
		Use:   "create (-f FILENAME [-R] | NAME... | -l SELECTOR | -A)",
		Short: "Provision Machines on their KubeVirt clusters: namespace, PVCs, then the VirtualMachine",
		Long: `Provision Machines on their remote KubeVirt clusters.

For each Machine: find its remote cluster, make sure its namespace exists there (an existing
namespace is never touched), then create its PersistentVolumeClaims and its VirtualMachine.
Every Machine is checked completely before anything is written; a Machine that fails a check
writes nothing. Objects that exist are not updated (the report says when they differ and --diff
shows how), with two exceptions on the supervisor: the Machine's NetworkConfiguration gets the
VM's interface appended, and the Machine the vitistack.io/kubevirt-config annotation when the
plugin chose its KubevirtConfig. Nothing is ever deleted.

Machines given with -f are created on the supervisor when they are absent there.

Exit status: 0 when everything succeeded, 2 when anything failed.`,
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
	return o.RunFlags.validate(c, o.DryRun.Stores(), "writes")
}

// Run plans every Machine, shows diffs when asked, applies, reports and optionally waits (the
// runner's steps).
func (o *CreateOptions) Run(ctx context.Context) error {
	return o.RunFlags.run(ctx, o.root, creator{o})
}

// creator is create's part of the runner's steps.
type creator struct{ o *CreateOptions }

func (c creator) plan(ctx context.Context) ([]*pipeline.Plan, error) { return c.o.run.plan(ctx) }

func (c creator) apply(ctx context.Context, plans []*pipeline.Plan) {
	c.o.run.pipeline.Apply(ctx, plans)
}

func (c creator) objects(plans []*pipeline.Plan) ([]map[string]any, []string) {
	return pipeline.Objects(plans)
}

func (c creator) summarize(plans []*pipeline.Plan) plan.Summary {
	return c.o.run.pipeline.Summarize(plans)
}

// report prints the report as --report says: the table and the summary line, or the data.
func (c creator) report(w io.Writer, plans []*pipeline.Plan, sum plan.Summary) error {
	if c.o.Report != "table" {
		return printer.ReportStructured(w, c.o.Report, printer.Rows(plans), sum)
	}
	if err := printer.Report(w, printer.Rows(plans), printer.NewPalette(c.o.root.colorFor(w))); err != nil {
		return err
	}
	return printer.Summary(w, sum)
}

func (c creator) wait(ctx context.Context, plans []*pipeline.Plan, timeout time.Duration, progress func(vm, status string)) error {
	return c.o.run.pipeline.Wait(ctx, plans, timeout, progress)
}
