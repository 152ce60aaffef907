package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/orphans"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
	"github.com/vitistack/kubectl-vitimachine/pkg/status"
)

// OrphansOptions carries `kubectl vitimachine orphans`.
type OrphansOptions struct {
	root          *RootOptions
	Target        *TargetFlags
	AllNamespaces bool
	MinAge        time.Duration
	Output        OutputFlag

	finder *orphans.Finder
}

// NewCmdOrphans builds `kubectl vitimachine orphans`.
func NewCmdOrphans(root *RootOptions) *cobra.Command {
	o := &OrphansOptions{root: root, Target: newTargetFlags(), MinAge: 15 * time.Minute,
		Output: OutputFlag{Allowed: []string{"wide", "json", "yaml"}, Help: "Output format: wide (adds DETAIL: why each is an orphan), json or yaml"}}
	c := &cobra.Command{
		Use:   "orphans [-n NAMESPACE | -A] [--min-age 15m]",
		Short: "List what is left over across clusters, with the command that removes each",
		Long: `List what is left over on the supervisor and on every KubevirtConfig's cluster:

  vm-without-machine      a VirtualMachine labelled with a Machine (vitistack.io/source-machine, or
                          a managed-by label and its name) that does not exist
  machine-without-vm      a kubevirt Machine whose vitistack.io/kubevirt-config annotation chose a
                          cluster that holds no VM of it
  vmi-without-vm          a labelled VirtualMachineInstance whose VirtualMachine does not exist
  pvc-without-machine     a PVC labelled with a Machine that does not exist
  secret-without-machine  a Secret (cloud-init) labelled with a Machine that does not exist
  nad-unused              a NetworkAttachmentDefinition with a managed-by label no VM of its
                          namespace uses

Only objects the plugin or the operator labelled are considered, and only those older than
--min-age (objects still being made are not orphans). FIX is the command that would remove each:
the plugin's own delete for a Machine; for an object on a remote cluster, kubectl with that
cluster's kubeconfig read from its KubevirtConfig's Secret (bash or zsh: it uses <(...), and the
kubeconfig is never written to disk). Nothing is ever deleted or written by this command.

Each cluster is read with one list per kind (in the namespace given, or across the cluster with
-A), within --cluster-timeout.

Exit status: 0 when there are no orphans, 1 when there are, 2 when a cluster could not be read
(its orphans are not reported; the others are).`,
		Example: `  # Left-overs of the current namespace, on every cluster
  kubectl vitimachine orphans

  # Everywhere, with why each is an orphan
  kubectl vitimachine orphans -A -o wide

  # Including objects made a minute ago, for a script
  kubectl vitimachine orphans -A --min-age 0 -o json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Validate(c); err != nil {
				return err
			}
			if err := o.Complete(c); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	f := c.Flags()
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Look in all namespaces")
	f.DurationVar(&o.MinAge, "min-age", o.MinAge, "Leave out objects younger than this (0: report everything)")
	o.Output.AddFlag(c)
	o.Target.AddFlags(f)
	registerCompletions(c, root)
	return c
}

// Validate refuses flags that cannot work. It reads nothing.
func (o *OrphansOptions) Validate(c *cobra.Command) error {
	if err := o.Output.Validate(c); err != nil {
		return err
	}
	if err := o.Target.validate(); err != nil {
		return newUsageError(c, err)
	}
	switch {
	case o.Target.RemoteKubeconfig != "" || o.Target.RemoteContext != "" || o.Target.KubevirtConfig != "":
		return newUsageError(c, fmt.Errorf("orphans looks at every KubevirtConfig's cluster: --remote-kubeconfig, --remote-context and --kubevirt-config do not apply"))
	case o.MinAge < 0:
		return newUsageError(c, fmt.Errorf("--min-age must not be negative"))
	}
	return nil
}

// Complete builds the supervisor client, the resolver and the Finder. Nothing is read yet.
func (o *OrphansOptions) Complete(c *cobra.Command) error {
	ns, _, err := o.root.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return err
	}
	if o.AllNamespaces {
		ns = ""
	}
	sup, err := o.Target.supervisor(o.root)
	if err != nil {
		return err
	}
	res, err := o.Target.resolver(o.root, sup, "", false)
	if err != nil {
		return err
	}
	store := status.NewStore()
	store.KeepWhole(map[string]string{cluster.Secrets.GVR.Resource: orphans.SecretSelector})
	supContext := ""
	if o.root.ConfigFlags.Context != nil {
		supContext = *o.root.ConfigFlags.Context
	}
	o.finder = &orphans.Finder{Supervisor: sup, Resolver: res, Store: store, Options: orphans.Options{
		Namespace: ns, MinAge: o.MinAge, Now: time.Now, SupervisorContext: supContext}}
	return nil
}

// Run finds and prints the orphans; the exit status says whether there were any, and whether
// every cluster could be read.
func (o *OrphansOptions) Run(ctx context.Context) error {
	rep, err := o.finder.Find(ctx)
	if err != nil {
		return err
	}
	switch f := o.Output.Value; {
	case f == "json" || f == "yaml":
		err = printer.OrphansStructured(o.root.Out, f, rep, time.Now)
	case len(rep.Orphans) == 0:
		fmt.Fprintln(o.root.ErrOut, "No orphans found.")
	default:
		err = printer.Orphans(o.root.Out, rep.Orphans, printer.OrphansColumns{Wide: f == "wide", Now: time.Now},
			printer.NewPalette(o.root.colorFor(o.root.Out)))
	}
	if err != nil {
		return err
	}
	for _, u := range rep.Unreadable {
		fmt.Fprintf(o.root.ErrOut, "error: cluster %s could not be read, its orphans are not reported: %s\n", u.Cluster, u.Error)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	if n := len(rep.Unreadable); n > 0 {
		return &reportedError{msg: fmt.Sprintf("%d %s could not be read: coverage is partial", n, plural(n, "cluster"))}
	}
	if len(rep.Orphans) > 0 {
		return ErrDifferences
	}
	return nil
}
