package cmd

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/status"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// StatusOptions carries `kubectl vitimachine status`.
type StatusOptions struct {
	root          *RootOptions
	Target        *TargetFlags
	Selector      string
	AllNamespaces bool
	Output        OutputFlag
	Watch         bool

	names      []string
	namespace  string
	supervisor *cluster.Client
	reader     *status.Reader
}

// NewCmdStatus builds `kubectl vitimachine status`.
func NewCmdStatus(root *RootOptions) *cobra.Command {
	o := &StatusOptions{root: root, Target: newTargetFlags(),
		Output: OutputFlag{Allowed: []string{"wide", "json", "yaml"}, Help: "Output format: wide (adds NODE, PHASE and DRIFT), json or yaml"}}
	c := &cobra.Command{
		Use:   "status [NAME...] [-n NAMESPACE | -A] [-l SELECTOR]",
		Short: "Show each Machine with its live VM, VMI and disks, across clusters",
		Long: `Show each Machine joined with what is live on its remote KubeVirt cluster: its VirtualMachine
and that VM's status and readiness, its disks (bound PVCs of all PVCs labelled with the Machine),
and the first IPv4 address of its running instance. One table across all clusters.

Machines are resolved to their clusters as "create" resolves them, but read-only: nothing is
recorded and nothing is written anywhere. Each cluster is read with one list of VMs, VMIs and PVCs
per namespace (one across the cluster when more than 5 namespaces are involved), never a request
per Machine, within --cluster-timeout. A cluster that cannot be read shows "error: ..." in its
Machines' rows; the other clusters are still shown.

-o wide adds the VMI's node, the Machine's own status.phase, and DRIFT: whether the live VM
differs from what "create" would render now (yes/no; "-" without a VM), compared as "diff" does.

-w prints, after the table, a line each time a listed Machine's VM, VMI or disks change, from
watches that resume where the lists ended; a cluster whose watch fails is reported on stderr and
retried with backoff, the others keep streaming. Ctrl-C ends it.

Exit status: 0 when every cluster could be read (NotProvisioned is not an error); 2 when any could
not, or a named Machine does not exist.`,
		Example: `  # The Machines of the current namespace
  kubectl vitimachine status

  # Every Machine, with node, Machine phase and drift
  kubectl vitimachine status -A -o wide

  # Two Machines, following their changes
  kubectl vitimachine status -n team-a web-1 web-2 -w

  # For a script
  kubectl vitimachine status -l vitistack.io/clusterid=prod -o json`,
		ValidArgsFunction: completeMachines(root),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Validate(c, args); err != nil {
				return err
			}
			if err := o.Complete(c, args); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Selector, "selector", "l", "", "Label selector of the Machines")
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Machines of all namespaces")
	o.Output.AddFlag(c)
	f.BoolVarP(&o.Watch, "watch", "w", false, "After the table, print a line for each change of a listed Machine's VM, VMI or disks")
	o.Target.AddFlags(f)
	registerCompletions(c, root)
	return c
}

// Validate refuses flag combinations that cannot work together. It reads nothing.
func (o *StatusOptions) Validate(c *cobra.Command, args []string) error {
	if err := o.Output.Validate(c); err != nil {
		return err
	}
	if err := o.Target.validate(); err != nil {
		return newUsageError(c, err)
	}
	switch {
	case len(args) > 0 && o.AllNamespaces:
		return newUsageError(c, fmt.Errorf("named Machines cannot be read across all namespaces: drop -A, or give -n"))
	case len(args) > 0 && o.Selector != "":
		return newUsageError(c, fmt.Errorf("give Machine names or -l, not both"))
	}
	return validSelector(c, o.Selector)
}

// Complete builds the supervisor client, the resolver (sharing the Store's VM lists with the VM
// search), the pipeline drift renders with, and the Reader. Nothing is read yet.
func (o *StatusOptions) Complete(c *cobra.Command, args []string) error {
	ns, _, err := o.root.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return err
	}
	o.names, o.namespace = args, ns
	if o.AllNamespaces {
		o.namespace = ""
	}
	sup, err := o.Target.supervisor(o.root)
	if err != nil {
		return err
	}
	store := status.NewStore()
	res, err := o.Target.resolver(o.root, sup, "", true, func(t *target.Options) { t.ListVMs = store.ListVMs })
	if err != nil {
		return err
	}
	o.supervisor = sup
	// Drift compares with what create renders with its default flags.
	p := &pipeline.Pipeline{Supervisor: sup, Resolver: res, Writer: write.Writer{Strategy: write.Client}, Options: pipeline.Options{
		Render: render.Options{Naming: render.NamingSeed, ManagedByKey: vitistack.DefaultManagedByKey, ManagedByValue: vitistack.DefaultManagedByValue,
			VolumeMode: corev1.PersistentVolumeBlock}, ISOFromLive: true}}
	o.reader = &status.Reader{Resolver: res, Pipeline: p, Store: store, Options: status.Options{
		Drift:  o.Output.Value == "wide",
		Notify: func(msg string) { fmt.Fprintln(o.root.ErrOut, msg) }}}
	return nil
}

// Run reads the Machines and their clusters, prints, and with -w follows the changes until the
// context ends.
func (o *StatusOptions) Run(ctx context.Context) error {
	machines, missing, err := status.Machines(ctx, o.supervisor, status.Query{Names: o.names, Namespace: o.namespace, Selector: o.Selector, Full: o.reader.Options.Drift})
	if err != nil {
		return err
	}
	rep := o.reader.Read(ctx, machines)
	for _, s := range rep.Skipped {
		fmt.Fprintf(o.root.ErrOut, "skipped machine %q: %s\n", s.Machine, s.Reason)
	}
	emit, err := o.print(rep)
	if err != nil {
		return err
	}
	for _, m := range missing {
		fmt.Fprintf(o.root.ErrOut, "error: %v\n", m)
	}
	if o.Watch {
		// Watch returns at once when no cluster holds a listed Machine; otherwise at Ctrl-C,
		// which is how -w ends (main exits 130).
		o.reader.Watch(ctx, rep, emit)
		if ctx.Err() != nil {
			return nil
		}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	return statusError(rep, len(missing))
}

// print prints the report and returns how -w prints each changed row.
func (o *StatusOptions) print(rep *status.Report) (func(status.Row), error) {
	if f := o.Output.Value; f == "json" || f == "yaml" {
		var mu sync.Mutex
		return func(r status.Row) {
			mu.Lock()
			defer mu.Unlock()
			_ = printer.StatusItem(o.root.Out, f, r)
		}, printer.StatusStructured(o.root.Out, f, rep.Rows)
	}
	if len(rep.Rows) == 0 {
		if len(o.names) == 0 {
			fmt.Fprintln(o.root.ErrOut, o.nothingFound())
		}
		return func(status.Row) {}, nil
	}
	for _, r := range rep.Rows {
		if r.Drift == status.DriftUnknown {
			fmt.Fprintf(o.root.ErrOut, "warning: drift of machine %q unknown: %s\n", r.Namespace+"/"+r.Machine, r.DriftError)
		}
	}
	sp := printer.NewStatusPrinter(o.root.Out, printer.StatusColumns{AllNamespaces: o.AllNamespaces, Wide: o.Output.Value == "wide", Now: time.Now},
		printer.NewPalette(o.root.colorFor(o.root.Out)))
	return func(r status.Row) { _ = sp.Line(r) }, sp.Table(rep.Rows)
}

func (o *StatusOptions) nothingFound() string {
	if o.namespace == "" {
		return "No Machines found."
	}
	return fmt.Sprintf("No Machines found in namespace %q.", o.namespace)
}

// statusError is the run's failure, if any: clusters that could not be read, names not found.
func statusError(rep *status.Report, missing int) error {
	var parts []string
	if n := rep.Failed(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s could not be read (see STATUS)", n, plural(n, "Machine")))
	}
	if missing > 0 {
		parts = append(parts, fmt.Sprintf("%d named %s not found", missing, plural(missing, "Machine")))
	}
	if len(parts) == 0 {
		return nil
	}
	return &reportedError{msg: strings.Join(parts, "; ")}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
