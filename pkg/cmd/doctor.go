package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vitistack/kubectl-vitimachine/pkg/doctor"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
)

// DoctorOptions carries `kubectl vitimachine doctor`.
type DoctorOptions struct {
	root         *RootOptions
	Target       *TargetFlags
	StorageClass string
	Output       OutputFlag
	// AllNamespaces is -A: the Machines of every namespace, which is also the default without -n.
	AllNamespaces bool

	doctor *doctor.Doctor
}

// NewCmdDoctor builds `kubectl vitimachine doctor`.
func NewCmdDoctor(root *RootOptions) *cobra.Command {
	o := &DoctorOptions{root: root, Target: newTargetFlags(), Output: OutputFlag{Allowed: []string{"json", "yaml"}, Help: "Print the checks as json or yaml"}}
	c := &cobra.Command{
		Use:   "doctor",
		Short: "Check that you can run the plugin against these clusters, before anything is written",
		Long: `Check every precondition of create, diff, ns-sync, status and delete, one row each:
the supervisor (reachable, its version, the vitistack CRDs, the KubevirtConfigs, Machines that a
running kubevirt-operator owns) and every KubevirtConfig's remote cluster (its Secret and kubeconfig,
checked exactly as create checks them; reachable within --cluster-timeout; its version and the skew
to the client; the KubeVirt, CDI and Multus CRDs; a default StorageClass). Your permissions for every
verb each command uses are asked on both sides with SelfSubjectAccessReviews, in the Machines'
namespaces, and missing ones are shown as the RBAC rules to add. The Machines of every namespace
count (-A, the default) unless -n is given.

Every row that is not ok says what to do. Nothing is written but the access reviews, which store
nothing. Clusters are checked in parallel; a cluster that does not answer costs --cluster-timeout
once.

Exit status: 0 when no check fails (warnings allowed), 2 when any does.`,
		Example: `  # Everything, for every KubevirtConfig
  kubectl vitimachine doctor

  # One KubevirtConfig, the Machines of one namespace, as JSON
  kubectl vitimachine doctor --kubevirt-config kv-1 -n team-a -o json

  # As someone else (kubectl impersonation), with a shorter deadline per cluster
  kubectl vitimachine doctor --as jane --cluster-timeout 10s`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.Complete(c); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	f := c.Flags()
	o.Output.AddFlag(c)
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Check the permissions in the namespaces of every Machine (the default without -n; with -n, -A wins, as in kubectl)")
	f.StringVar(&o.StorageClass, "storage-class", "", "The StorageClass you give create; then no default StorageClass is needed")
	o.Target.AddFlags(f)
	registerCompletions(c, root)
	return c
}

// Complete parses the flags and builds the supervisor client, the resolver and the doctor.
func (o *DoctorOptions) Complete(c *cobra.Command) error {
	if err := o.Output.Validate(c); err != nil {
		return err
	}
	if err := o.Target.validate(); err != nil {
		return newUsageError(c, err)
	}
	current, _, err := o.root.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return err
	}
	opts := doctor.Options{
		CurrentNamespace: current,
		KubevirtConfig:   o.Target.KubevirtConfig,
		Override:         o.Target.RemoteKubeconfig != "" || o.Target.RemoteContext != "",
		StorageClass:     o.StorageClass,
		ClientVersion:    doctor.ClientGoVersion(),
	}
	if c.Flags().Changed("namespace") && !o.AllNamespaces {
		opts.Namespace = current
	}
	sup, err := o.Target.supervisor(o.root)
	if err != nil {
		return err
	}
	res, err := o.Target.resolver(o.root, sup, "", false)
	if err != nil {
		return err
	}
	o.doctor = &doctor.Doctor{Supervisor: sup, Resolver: res, Options: opts}
	return nil
}

// Run checks and prints; any failing check makes the exit status 2.
func (o *DoctorOptions) Run(ctx context.Context) error {
	rep := o.doctor.Run(ctx)
	var err error
	if o.Output.Value != "" {
		err = printer.DoctorStructured(o.root.Out, o.Output.Value, rep)
	} else {
		err = printer.Doctor(o.root.Out, rep, printer.NewPalette(o.root.colorFor(o.root.Out)))
	}
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	if n := rep.Count(doctor.Fail); n > 0 {
		return &reportedError{msg: fmt.Sprintf("%d of %d checks failed (see the report)", n, len(rep.Checks))}
	}
	return nil
}
