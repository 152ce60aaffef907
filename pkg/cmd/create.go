package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/vitistack/kubectl-vitimachine/pkg/diff"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// CreateOptions carries `kubectl vitimachine create`.
type CreateOptions struct {
	root     *RootOptions
	Pipeline *PipelineFlags
	DryRun   string
	Output   string
	Diff     bool
	Wait     bool
	Timeout  time.Duration

	opts   pipeline.Options
	dryRun write.Strategy
}

// NewCmdCreate builds `kubectl vitimachine create`.
func NewCmdCreate(root *RootOptions) *cobra.Command {
	o := &CreateOptions{root: root, Pipeline: newPipelineFlags(), DryRun: "none", Timeout: 5 * time.Minute}
	c := &cobra.Command{
		Use:   "create (-f FILENAME | NAME...)",
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

  # The objects create would make, as a List, for review
  kubectl vitimachine create -f machine.yaml --dry-run=client -o yaml`,
		ValidArgsFunction: completeMachines(root),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(c, args); err != nil {
				return err
			}
			return o.Run(c.Context(), args)
		},
	}
	o.Pipeline.AddFlags(c.Flags())
	c.Flags().StringVar(&o.DryRun, "dry-run", o.DryRun, `"none", "client" (write nothing anywhere) or "server" (send every write with dryRun=All)`)
	c.Flags().Lookup("dry-run").NoOptDefVal = "client"
	c.Flags().StringVarP(&o.Output, "output", "o", "", "Print the objects this run creates (or would create) as a v1 List: yaml, json or name (the report then goes to stderr)")
	c.Flags().BoolVar(&o.Diff, "diff", false, "Show a diff of every object against what is live before the report")
	c.Flags().BoolVar(&o.Wait, "wait", false, "Wait until every VirtualMachine is Running")
	c.Flags().DurationVar(&o.Timeout, "timeout", o.Timeout, "How long --wait waits")
	registerCompletions(c, root)
	return c
}

// Complete validates the flags and turns them into typed options.
func (o *CreateOptions) Complete(c *cobra.Command, args []string) error {
	var err error
	if o.opts, err = o.Pipeline.options(c, args); err != nil {
		return err
	}
	if o.dryRun, err = parseDryRun(c, o.DryRun); err != nil {
		return err
	}
	switch o.Output {
	case "", "yaml", "json", "name":
	default:
		return newUsageError(c, fmt.Errorf("invalid --output %q (use yaml, json or name)", o.Output))
	}
	if o.Output != "" && o.Diff {
		return newUsageError(c, fmt.Errorf("--diff and --output both write to stdout; use one"))
	}
	if o.Wait && o.dryRun != write.None {
		return newUsageError(c, fmt.Errorf("--wait needs real writes; drop --dry-run or --wait"))
	}
	return nil
}

// Run plans every Machine, shows diffs when asked, applies, reports and optionally waits.
func (o *CreateOptions) Run(ctx context.Context, args []string) error {
	p, plans, err := o.Pipeline.plan(ctx, o.root, o.opts, o.dryRun, args)
	if err != nil {
		return err
	}
	if o.Diff {
		if _, err := printPlanDiffs(o.root, plans); err != nil {
			return err
		}
	}
	p.Apply(ctx, plans)

	report := o.root.Out
	if o.Output != "" {
		report = o.root.ErrOut
		objs, refs := listObjects(plans)
		if err := printer.List(o.root.Out, o.Output, objs, refs); err != nil {
			return err
		}
	}
	pal := printer.NewPalette(o.root.colorFor(report))
	if err := printer.Report(report, printer.Rows(plans), pal); err != nil {
		return err
	}
	sum := pipeline.Summarize(plans)
	if err := printer.Summary(report, sum, o.dryRun); err != nil {
		return err
	}
	if sum.Failed > 0 {
		return &reportedError{msg: fmt.Sprintf("%d failed (see the report above)", sum.Failed)}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	if o.Wait {
		return p.Wait(ctx, plans, o.Timeout, o.progress())
	}
	return nil
}

// progress reports VM status changes on stderr, only when stderr is a terminal.
func (o *CreateOptions) progress() func(vm, status string) {
	if !isTerminal(o.root.ErrOut) {
		return nil
	}
	return func(vm, status string) {
		fmt.Fprintf(o.root.ErrOut, "waiting: %s is %s\n", vm, orUnknownStatus(status))
	}
}

func orUnknownStatus(s string) string {
	if s == "" {
		return "<no status yet>"
	}
	return s
}

// listObjects is what -o prints: the objects this run creates (or would create), in order: the
// Machine when it came from a file and was absent, then namespace, PVCs and VirtualMachine. Objects
// that exist already, and objects the duplicate guard held back, are left out, so that applying the
// List never changes an existing object nor makes a second VM for a Machine.
func listObjects(plans []*pipeline.Plan) ([]map[string]any, []string) {
	var objs []map[string]any
	var refs []string
	for _, pl := range plans {
		if pl.Err != nil || pl.SkipReason != "" {
			continue
		}
		for _, it := range pl.Items {
			switch it.Action {
			case pipeline.Created, pipeline.WouldCreate, pipeline.NamespacePending:
			default:
				continue
			}
			// Secret-like values never reach the output, -o included (see docs/security.md).
			objs = append(objs, diff.Mask(it.Desired))
			refs = append(refs, it.Ref())
		}
	}
	return objs, refs
}

func parseDryRun(c *cobra.Command, s string) (write.Strategy, error) {
	if st, ok := write.Parse(s); ok {
		return st, nil
	}
	return write.None, newUsageError(c, fmt.Errorf(`invalid --dry-run %q (use "none", "client" or "server")`, s))
}
