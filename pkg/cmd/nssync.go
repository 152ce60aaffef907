package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vitistack/kubectl-vitimachine/pkg/diff"
	"github.com/vitistack/kubectl-vitimachine/pkg/nssync"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/source"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// NSSyncOptions carries `kubectl vitimachine ns-sync`.
type NSSyncOptions struct {
	root        *RootOptions
	Target      *TargetFlags
	Selector    string
	DryRun      DryRunFlag
	Output      OutputFlag
	Diff        bool
	ManagedBy   string
	Concurrency int
	// AllNamespaces is -A: every namespace, which is also the default without -n.
	AllNamespaces bool

	syncer    *nssync.Syncer
	namespace string
}

// NewCmdNSSync builds `kubectl vitimachine ns-sync`.
func NewCmdNSSync(root *RootOptions) *cobra.Command {
	o := &NSSyncOptions{root: root, Target: newTargetFlags(),
		Output:    OutputFlag{Allowed: []string{"yaml", "json"}, JSONPath: true, Help: "Print the report as yaml, json or jsonpath=TEMPLATE"},
		ManagedBy: vitistack.DefaultManagedByKey + "=" + vitistack.DefaultManagedByValue, Concurrency: 16}
	c := &cobra.Command{
		Use:   "ns-sync",
		Short: "Make sure every Machine's namespace exists on its remote cluster",
		Long: `Make sure every Machine's namespace exists on its remote KubeVirt cluster, for many Machines
and many clusters at once.

Machines come from all namespaces of the supervisor (-A, the default) unless -n is given; -l
filters them. Each Machine is resolved to its remote cluster exactly as "create" does. Per
cluster: one paged namespace list, then one create per missing namespace, with the managed-by
label. Existing namespaces are never modified. Clusters are processed in parallel; a cluster
that does not answer within --cluster-timeout costs that timeout once and is reported, the
others go on.

Namespaces on a cluster that carry the managed-by label but that no Machine needs any more are
listed as orphans; nothing is ever deleted.

Exit status: 0 when every namespace exists (or would be created), 2 when anything failed.`,
		Example: `  # What would be created, everywhere
  kubectl vitimachine ns-sync --dry-run=client

  # Only the Machines of one team, as JSON for a pipeline
  kubectl vitimachine ns-sync -n team-a -o json

  # Machines with a label, with a shorter deadline per cluster
  kubectl vitimachine ns-sync -l vitistack.io/clusterid=prod --cluster-timeout=10s`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.Complete(c); err != nil {
				return err
			}
			if err := o.Validate(c); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Selector, "selector", "l", "", "Label selector of the Machines")
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "The Machines of every namespace (the default without -n; with -n, -A wins, as in kubectl)")
	o.DryRun.AddFlag(f)
	o.DryRun.AddFieldManagerFlag(f)
	o.Output.AddFlag(c)
	f.BoolVar(&o.Diff, "diff", false, "Show the namespaces that would be created, as a diff")
	f.StringVar(&o.ManagedBy, "managed-by-label", o.ManagedBy, "KEY=VALUE label put on created namespaces, and used to find orphans")
	f.IntVar(&o.Concurrency, "concurrency", o.Concurrency, "Namespace creates in flight per cluster")
	o.Target.AddFlags(f)
	registerCompletions(c, root)
	return c
}

// Complete parses the flags and builds the syncer.
func (o *NSSyncOptions) Complete(c *cobra.Command) error {
	if err := o.DryRun.Complete(c); err != nil {
		return err
	}
	key, value, err := managedByLabel(c, o.ManagedBy)
	if err != nil {
		return err
	}
	if err := o.Output.Validate(c); err != nil {
		return err
	}
	if err := validSelector(c, o.Selector); err != nil {
		return err
	}
	if err := o.Target.validate(); err != nil {
		return newUsageError(c, err)
	}
	if o.Concurrency < 1 {
		return newUsageError(c, fmt.Errorf("--concurrency must be at least 1"))
	}
	if c.Flags().Changed("namespace") && !o.AllNamespaces {
		if o.namespace, _, err = o.root.ConfigFlags.ToRawKubeConfigLoader().Namespace(); err != nil {
			return err
		}
	}
	sup, err := o.Target.supervisor(o.root)
	if err != nil {
		return err
	}
	res, err := o.Target.resolver(o.root, sup, "", true)
	if err != nil {
		return err
	}
	o.syncer = &nssync.Syncer{
		Supervisor: sup,
		Resolver:   res,
		Writer:     o.DryRun.Writer(),
		Options: nssync.Options{Namespace: render.Options{ManagedByKey: key, ManagedByValue: value},
			Concurrency: o.Concurrency, CheckOrphans: o.namespace == "" && o.Selector == ""},
	}
	if isTerminal(o.root.ErrOut) {
		o.syncer.Progress = func(msg string) { fmt.Fprintln(o.root.ErrOut, msg) }
	}
	return nil
}

// Validate refuses flag combinations that cannot work together.
func (o *NSSyncOptions) Validate(c *cobra.Command) error {
	if o.Output.Value != "" && o.Diff {
		return newUsageError(c, fmt.Errorf("--diff and --output both write to stdout; use one"))
	}
	return nil
}

// Run lists the Machines, syncs and prints.
func (o *NSSyncOptions) Run(ctx context.Context) error {
	machines, err := source.List(ctx, o.syncer.Supervisor, o.namespace, o.Selector)
	if err != nil {
		return err
	}
	rep := o.syncer.Sync(ctx, machines)
	if err := o.print(rep); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	if rep.Failed() {
		return &reportedError{msg: fmt.Sprintf("%d failed, %d terminating (see the report)", rep.Summary.Failed, rep.Summary.Terminating)}
	}
	return nil
}

func (o *NSSyncOptions) print(rep *nssync.Report) error {
	if o.Output.Value != "" {
		return printer.NSSyncStructured(o.root.Out, o.Output.Value, rep)
	}
	if o.Diff {
		var pairs []diff.Pair
		for _, n := range rep.Namespaces {
			if n.Action != plan.WouldCreate && n.Action != plan.Created {
				continue
			}
			pairs = append(pairs, diff.Pair{Cluster: n.Cluster, Name: diff.KubectlName("v1", "Namespace", "", n.Namespace), Desired: n.Desired})
		}
		if _, err := printDiffs(o.root, pairs); err != nil {
			return err
		}
	}
	return printer.NSSync(o.root.Out, rep, printer.NewPalette(o.root.colorFor(o.root.Out)))
}
