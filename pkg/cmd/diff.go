package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// DiffOptions carries `kubectl vitimachine diff`.
type DiffOptions struct {
	root     *RootOptions
	Pipeline *PipelineFlags
	opts     pipeline.Options
}

// NewCmdDiff builds `kubectl vitimachine diff`.
func NewCmdDiff(root *RootOptions) *cobra.Command {
	o := &DiffOptions{root: root, Pipeline: newPipelineFlags()}
	c := &cobra.Command{
		Use:   "diff (-f FILENAME | NAME...)",
		Short: "Show what create would change on the clusters, as a diff",
		Long: `Show the plan of "kubectl vitimachine create" against live state, as a unified diff.

Objects that would be created show as all additions; existing objects that differ from what
create would make show their differences (only the fields the plugin sets are compared, so
server defaults and status never show). Secret-like values are masked. Nothing is written.
KUBECTL_EXTERNAL_DIFF is honoured as in kubectl diff.

Exit status: 0 no differences, 1 differences found, 2 or more an error.`,
		Example: `  # What would change for a Machine on the supervisor
  kubectl vitimachine diff -n team-a web-1

  # In CI: fail when the clusters are not what the manifests describe
  kubectl vitimachine diff -f machines/ || echo "drift"`,
		ValidArgsFunction: completeMachines(root),
		RunE: func(c *cobra.Command, args []string) error {
			var err error
			if o.opts, err = o.Pipeline.options(c, args); err != nil {
				return err
			}
			return o.Run(c.Context(), args)
		},
	}
	o.Pipeline.AddFlags(c.Flags())
	registerCompletions(c, root)
	return c
}

// Run plans without writing and prints the diffs.
func (o *DiffOptions) Run(ctx context.Context, args []string) error {
	_, plans, err := o.Pipeline.plan(ctx, o.root, o.opts, write.Client, args)
	if err != nil {
		return err
	}
	var errs []error
	for _, pl := range plans {
		if pl.Err != nil {
			errs = append(errs, pl.Err)
		}
	}
	changed, err := printPlanDiffs(o.root, plans)
	if err != nil {
		return err
	}
	for _, pl := range plans {
		if pl.SkipReason != "" {
			fmt.Fprintf(o.root.ErrOut, "skipped machine %q: %s\n", pl.Key(), pl.SkipReason)
		}
		for _, it := range pl.Items {
			if it.Action == pipeline.Skipped {
				fmt.Fprintf(o.root.ErrOut, "skipped %s: %s\n", it.Ref(), it.Message)
			}
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if changed {
		return ErrDifferences
	}
	return nil
}
