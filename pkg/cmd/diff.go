package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vitistack/kubectl-vitimachine/pkg/diff"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// DiffOptions carries `kubectl vitimachine diff`.
type DiffOptions struct {
	root     *RootOptions
	Pipeline *PipelineFlags

	run *pipelineRun
}

// NewCmdDiff builds `kubectl vitimachine diff`.
func NewCmdDiff(root *RootOptions) *cobra.Command {
	o := &DiffOptions{root: root, Pipeline: newPipelineFlags()}
	c := &cobra.Command{
		Use:   "diff (-f FILENAME [-R] | NAME... | -l SELECTOR | -A)",
		Short: "Show what create would change on the clusters, as a diff",
		Long: `Show the plan of "kubectl vitimachine create" against live state, as a unified diff.

Objects that would be created show as all additions; existing objects that differ from what
create would make show their differences (only the fields the plugin sets are compared, so
server defaults and status never show). Secret-like values are masked. Nothing is written.
KUBECTL_EXTERNAL_DIFF is honoured as in kubectl diff.

Exit status: 0 no differences, 1 differences found, 2 an error.`,
		Example: `  # What would change for a Machine on the supervisor
  kubectl vitimachine diff -n team-a web-1

  # In CI: fail when the clusters are not what the manifests describe
  kubectl vitimachine diff -f machines/ -R || echo "drift"

  # Every Machine on the supervisor with a label, in all namespaces
  kubectl vitimachine diff -A -l tier=db`,
		ValidArgsFunction: completeMachines(root),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(c, args); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	o.Pipeline.AddFlags(c.Flags(), "Diff Machines that carry the kubevirt-operator's finalizer, as create --force would provision them")
	registerCompletions(c, root)
	return c
}

// Complete parses the flags and builds the pipeline; diff never writes, so its writer is a client
// dry run.
func (o *DiffOptions) Complete(c *cobra.Command, args []string) error {
	run, err := o.Pipeline.complete(c, o.root, args, write.Writer{Strategy: write.Client})
	o.run = run
	return err
}

// Run plans without writing and prints the diffs.
func (o *DiffOptions) Run(ctx context.Context) error {
	plans, err := o.run.plan(ctx)
	if err != nil || plans == nil {
		return err
	}
	var errs []error
	for _, pl := range plans {
		if pl.Err != nil {
			errs = append(errs, pl.Err)
		}
	}
	changed, err := printDiffs(o.root, pipeline.Diffs(plans))
	if err != nil {
		return err
	}
	for _, pl := range plans {
		if pl.SkipReason != "" {
			fmt.Fprintf(o.root.ErrOut, "skipped machine %q: %s\n", pl.Key(), pl.SkipReason)
		}
		for _, it := range pl.Items {
			switch {
			case it.Action == plan.Skipped:
				fmt.Fprintf(o.root.ErrOut, "skipped %s: %s\n", it.Ref(), it.Message)
			case it.Action == plan.Differs && it.Message != "":
				fmt.Fprintf(o.root.ErrOut, "note: %s: %s\n", it.Ref(), it.Message)
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

// printDiffs prints diffs: built in and coloured, or through $KUBECTL_EXTERNAL_DIFF as kubectl diff
// does. It reports whether there was any difference.
func printDiffs(root *RootOptions, pairs []diff.Pair) (bool, error) {
	if len(pairs) == 0 {
		return false, nil
	}
	if ext := root.Env.get("KUBECTL_EXTERNAL_DIFF"); ext != "" {
		return true, diff.External{Command: ext, Out: root.Out, Err: root.ErrOut}.Diff(pairs)
	}
	pal := printer.NewPalette(root.colorFor(root.Out))
	for _, p := range pairs {
		u, err := diff.Object(p.Label(), p.Desired, p.Live)
		if err != nil {
			return true, err
		}
		if err := printer.Diff(root.Out, u, pal); err != nil {
			return true, err
		}
	}
	return true, nil
}
