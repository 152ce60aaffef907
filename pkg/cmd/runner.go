package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
)

// actor is what a command that acts on Machines does at each step of the runner: create and
// delete today, the power verbs and resize next. Each step is the command's; the order, the
// output streams, the exit status and the wait are the runner's.
type actor interface {
	// plan reads the Machines and plans them all, writing nothing; nil plans (and no error) mean
	// there is nothing to do, which plan has said.
	plan(ctx context.Context) ([]*pipeline.Plan, error)
	// apply carries the plans out.
	apply(ctx context.Context, plans []*pipeline.Plan)
	// objects are what -o prints: the objects written (or nil) and their references.
	objects(plans []*pipeline.Plan) ([]map[string]any, []string)
	// summarize counts the outcomes.
	summarize(plans []*pipeline.Plan) plan.Summary
	// report prints the report to w.
	report(w io.Writer, plans []*pipeline.Plan, sum plan.Summary) error
	// wait waits until the applied plans reach their goal, within timeout; progress hears each
	// object's status.
	wait(ctx context.Context, plans []*pipeline.Plan, timeout time.Duration, progress func(object, status string)) error
}

// confirmer is an actor that asks before it applies (a verb that stops running VMs, say): an
// error from confirm ends the run before any write.
type confirmer interface {
	confirm(ctx context.Context, plans []*pipeline.Plan) error
}

// RunFlags are the flags of the runner's steps every acting command shares: --diff, -o (its
// OutputFlag), --wait and --timeout.
type RunFlags struct {
	Output  OutputFlag
	Diff    bool
	Wait    bool
	Timeout time.Duration
}

// validate refuses the combinations that cannot work: --diff and -o both on stdout, --wait
// without real writes, --wait with a --timeout that is not positive. verb names the writes ("writes", "deletes").
func (f *RunFlags) validate(c *cobra.Command, stores bool, verb string) error {
	switch {
	case f.Output.Value != "" && f.Diff:
		return newUsageError(c, fmt.Errorf("--diff and --output both write to stdout; use one"))
	case f.Wait && !stores:
		return newUsageError(c, fmt.Errorf("--wait needs real %s; drop --dry-run or --wait", verb))
	case f.Wait && f.Timeout <= 0:
		return newUsageError(c, fmt.Errorf("invalid --timeout %s: --wait needs a positive duration (e.g. --timeout=5m)", f.Timeout))
	}
	return nil
}

// run is the runner: plan → diff (--diff) → confirm (an actor that is a confirmer) → apply → -o →
// report → exit status → wait (--wait).
func (f *RunFlags) run(ctx context.Context, root *RootOptions, a actor) error {
	plans, err := a.plan(ctx)
	if err != nil || plans == nil {
		return err
	}
	if f.Diff {
		if _, err := printDiffs(root, pipeline.Diffs(plans)); err != nil {
			return err
		}
	}
	if c, ok := a.(confirmer); ok {
		if err := c.confirm(ctx, plans); err != nil {
			return err
		}
	}
	a.apply(ctx, plans)

	report := root.Out
	if f.Output.Value != "" {
		report = root.ErrOut
		objs, refs := a.objects(plans)
		if f.Output.Value != "name" && pipeline.HoldSecrets(objs) && isTerminal(root.Out) {
			fmt.Fprintln(root.ErrOut, "warning: the objects below carry cloud-init and Secret data in the clear, as they would be stored; redirect -o to a file or a pipe (the report and --diff mask it)")
		}
		if err := printer.List(root.Out, f.Output.Value, objs, refs); err != nil {
			return err
		}
	}
	sum := a.summarize(plans)
	if err := a.report(report, plans, sum); err != nil {
		return err
	}
	if sum.Failed > 0 {
		return &reportedError{msg: fmt.Sprintf("%d failed (see the report above)", sum.Failed)}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	if !f.Wait {
		return nil
	}
	var progress func(object, status string)
	if isTerminal(root.ErrOut) {
		progress = func(object, status string) {
			if status == "" {
				status = "<no status yet>"
			}
			fmt.Fprintf(root.ErrOut, "waiting: %s is %s\n", object, status)
		}
	}
	err = a.wait(ctx, plans, f.Timeout, progress)
	var we *pipeline.WaitError
	if errors.As(err, &we) && we.Interrupted {
		return fmt.Errorf("%w (%w)", err, ctx.Err())
	}
	return err
}
