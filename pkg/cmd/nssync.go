package cmd

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vitistack/kubectl-vitimachine/pkg/diff"
	"github.com/vitistack/kubectl-vitimachine/pkg/nssync"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// NSSyncOptions carries `kubectl vitimachine ns-sync`.
type NSSyncOptions struct {
	root           *RootOptions
	Target         *TargetFlags
	Selector       string
	DryRun         string
	Output         string
	Diff           bool
	ManagedBy      string
	ClusterTimeout time.Duration
	Concurrency    int
}

// NewCmdNSSync builds `kubectl vitimachine ns-sync`.
func NewCmdNSSync(root *RootOptions) *cobra.Command {
	o := &NSSyncOptions{root: root, Target: newTargetFlags(), DryRun: "none",
		ManagedBy: render.DefaultManagedByKey + "=" + render.DefaultManagedByValue, ClusterTimeout: 30 * time.Second, Concurrency: 16}
	c := &cobra.Command{
		Use:   "ns-sync",
		Short: "Make sure every Machine's namespace exists on its remote cluster",
		Long: `Make sure every Machine's namespace exists on its remote KubeVirt cluster, for many Machines
and many clusters at once.

Machines come from all namespaces of the supervisor unless -n is given; -l filters them. Each
Machine is resolved to its remote cluster exactly as "create" does. Per cluster: one paged
namespace list, then one create per missing namespace, with the managed-by label. Existing
namespaces are never modified. Clusters are processed in parallel; a cluster that does not
answer within --cluster-timeout costs that timeout once and is reported, the others go on.

Namespaces on a cluster that carry the managed-by label but that no Machine needs any more are
listed as orphans; nothing is ever deleted.

Exit status: 0 when every namespace exists (or would be created), 2 or more when anything failed.`,
		Example: `  # What would be created, everywhere
  kubectl vitimachine ns-sync --dry-run=client

  # Only the Machines of one team, as JSON for a pipeline
  kubectl vitimachine ns-sync -n team-a -o json

  # Machines with a label, with a shorter deadline per cluster
  kubectl vitimachine ns-sync -l vitistack.io/clusterid=prod --cluster-timeout=10s`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return o.Run(c)
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Selector, "selector", "l", "", "Label selector of the Machines")
	f.StringVar(&o.DryRun, "dry-run", o.DryRun, `"none", "client" (write nothing anywhere) or "server" (send every write with dryRun=All)`)
	f.Lookup("dry-run").NoOptDefVal = "client"
	f.StringVarP(&o.Output, "output", "o", "", "Print the report as yaml or json")
	f.BoolVar(&o.Diff, "diff", false, "Show the namespaces that would be created, as a diff")
	f.StringVar(&o.ManagedBy, "managed-by-label", o.ManagedBy, "KEY=VALUE label put on created namespaces, and used to find orphans")
	f.DurationVar(&o.ClusterTimeout, "cluster-timeout", o.ClusterTimeout, "Deadline for all the work on one remote cluster")
	f.IntVar(&o.Concurrency, "concurrency", o.Concurrency, "Namespace creates in flight per cluster")
	o.Target.AddFlags(f)
	registerCompletions(c, root)
	return c
}

// Run lists the Machines, syncs and prints.
func (o *NSSyncOptions) Run(c *cobra.Command) error {
	ctx := c.Context()
	strategy, err := parseDryRun(c, o.DryRun)
	if err != nil {
		return err
	}
	key, value, ok := strings.Cut(o.ManagedBy, "=")
	if !ok || key == "" || value == "" {
		return newUsageError(c, fmt.Errorf("invalid --managed-by-label %q (use KEY=VALUE)", o.ManagedBy))
	}
	switch o.Output {
	case "", "yaml", "json":
	default:
		return newUsageError(c, fmt.Errorf("invalid --output %q (use yaml or json)", o.Output))
	}
	if o.Output != "" && o.Diff {
		return newUsageError(c, fmt.Errorf("--diff and --output both write to stdout; use one"))
	}
	if o.Concurrency < 1 {
		return newUsageError(c, fmt.Errorf("--concurrency must be at least 1"))
	}
	if err := o.Target.validate(); err != nil {
		return newUsageError(c, err)
	}
	sup, err := o.Target.supervisor(o.root)
	if err != nil {
		return err
	}
	res, err := o.Target.resolver(o.root, sup, "", o.ClusterTimeout, true)
	if err != nil {
		return err
	}
	namespace := ""
	if c.Flags().Changed("namespace") {
		namespace, _, err = o.root.ConfigFlags.ToRawKubeConfigLoader().Namespace()
		if err != nil {
			return err
		}
	}
	machines, err := nssync.ListMachines(ctx, sup, namespace, o.Selector)
	if err != nil {
		return err
	}
	s := &nssync.Syncer{
		Supervisor: sup,
		Resolver:   res,
		Writer:     write.Writer{Strategy: strategy},
		Options: nssync.Options{ManagedByKey: key, ManagedByValue: value, ClusterTimeout: o.ClusterTimeout,
			Concurrency: o.Concurrency, CheckOrphans: namespace == "" && o.Selector == ""},
	}
	if isTerminal(o.root.ErrOut) {
		s.Progress = func(msg string) { fmt.Fprintln(o.root.ErrOut, msg) }
	}
	rep := s.Sync(ctx, machines)
	if err := o.print(rep, key, value); err != nil {
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

func (o *NSSyncOptions) print(rep *nssync.Report, key, value string) error {
	if o.Output != "" {
		return printer.NSSyncStructured(o.root.Out, o.Output, rep)
	}
	pal := printer.NewPalette(o.root.colorFor(o.root.Out))
	if o.Diff {
		for _, n := range rep.Namespaces {
			if n.Action != nssync.WouldCreate && n.Action != nssync.Created {
				continue
			}
			desired := map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": n.Namespace, "labels": map[string]any{key: value}}}
			u, err := diff.Object(n.Cluster+"/namespace/"+n.Namespace, desired, nil)
			if err != nil {
				return err
			}
			if err := printer.Diff(o.root.Out, u, pal); err != nil {
				return err
			}
		}
	}
	return printer.NSSync(o.root.Out, rep, pal)
}
