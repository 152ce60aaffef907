package cmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/describe"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
	"github.com/vitistack/kubectl-vitimachine/pkg/status"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
)

// DescribeOptions carries `kubectl vitimachine describe`.
type DescribeOptions struct {
	root          *RootOptions
	Target        *TargetFlags
	Selector      string
	AllNamespaces bool
	Output        OutputFlag
	ShowEvents    bool
	MaxEvents     int

	names      []string
	namespace  string
	supervisor *cluster.Client
	reader     *describe.Reader
}

// NewCmdDescribe builds `kubectl vitimachine describe`.
func NewCmdDescribe(root *RootOptions) *cobra.Command {
	o := &DescribeOptions{root: root, Target: newTargetFlags(), ShowEvents: true, MaxEvents: 10,
		Output: OutputFlag{Allowed: []string{"json", "yaml"}, Help: "Output format: json or yaml (the same tree as data)"}}
	c := &cobra.Command{
		Use:   "describe (NAME... | -l SELECTOR) [-n NAMESPACE | -A]",
		Short: "Show a Machine end to end as a tree, with conditions and events",
		Long: `Show each Machine end to end, as a tree: the Machine (phase, class, and the KubevirtConfig it
names), its remote cluster (server version, and how it was chosen: annotation, --kubevirt-config,
DEFAULT_KUBEVIRT_CONFIG, only KubevirtConfig, or VM search), the VirtualMachine (printable status,
runStrategy, every condition with its reason, and whether kubectl-vitimachine or the operator made
it), its instance (phase, node, addresses, guest agent, last migration), each PVC and DataVolume
(phase, size, storage class, import progress), the NetworkAttachmentDefinitions its networks name,
the cloud-init Secret (whether it exists and its keys, never its data) and, on the supervisor, the
Machine's NetworkConfiguration (MAC and addresses). Conditions that are not healthy are red on a
terminal. --show-events (on by default) adds the last --max-events events of each object.

Read-only, as status: Machines are resolved as "create" resolves them, but nothing is recorded,
and each cluster is read with one list per kind per namespace (one across the cluster when more
than 5 namespaces are involved), events included; never a request per object. A cluster that
cannot be read within --cluster-timeout shows its error in its Machines' trees.

Exit status: 0 when every Machine could be described; 2 when a cluster could not be read, or a
named Machine does not exist.`,
		Example: `  # One Machine, with its events
  kubectl vitimachine describe -n team-a web-1

  # Every Machine with a label, without events
  kubectl vitimachine describe -A -l vitistack.io/clusterid=prod --show-events=false

  # The same tree as data
  kubectl vitimachine describe -n team-a web-1 -o json`,
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
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Machines of all namespaces (with -l)")
	o.Output.AddFlag(c)
	f.BoolVar(&o.ShowEvents, "show-events", o.ShowEvents, "Show the last events of each object")
	f.IntVar(&o.MaxEvents, "max-events", o.MaxEvents, "The most events shown per object (0: all)")
	o.Target.AddFlags(f)
	registerCompletions(c, root)
	return c
}

// Validate refuses flag combinations that cannot work together. It reads nothing.
func (o *DescribeOptions) Validate(c *cobra.Command, args []string) error {
	if err := o.Output.Validate(c); err != nil {
		return err
	}
	if err := o.Target.validate(); err != nil {
		return newUsageError(c, err)
	}
	if err := validSelector(c, o.Selector); err != nil {
		return err
	}
	switch {
	case len(args) > 0 && o.AllNamespaces:
		return newUsageError(c, fmt.Errorf("named Machines cannot be read across all namespaces: drop -A, or give -n"))
	case len(args) > 0 && o.Selector != "":
		return newUsageError(c, fmt.Errorf("give Machine names or -l, not both"))
	case len(args) == 0 && o.Selector == "" && !o.AllNamespaces:
		return newUsageError(c, fmt.Errorf("name the Machines to describe, or select them with -l (or -A)"))
	case o.MaxEvents < 0:
		return newUsageError(c, fmt.Errorf("--max-events must not be negative"))
	}
	return nil
}

// Complete builds the supervisor client, the resolver (sharing the Store's VM lists with the VM
// search) and the Reader. Nothing is read yet.
func (o *DescribeOptions) Complete(c *cobra.Command, args []string) error {
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
	store.KeepWhole(nil)
	res, err := o.Target.resolver(o.root, sup, "", true, func(t *target.Options) { t.ListVMs = store.ListVMs })
	if err != nil {
		return err
	}
	o.supervisor = sup
	o.reader = &describe.Reader{Supervisor: sup, Resolver: res, Store: store, Options: describe.Options{
		Events: o.ShowEvents, MaxEvents: o.MaxEvents}}
	return nil
}

// Run reads the Machines and their clusters and prints the trees.
func (o *DescribeOptions) Run(ctx context.Context) error {
	machines, missing, err := status.Machines(ctx, o.supervisor, status.Query{Names: o.names, Namespace: o.namespace, Selector: o.Selector, Full: true})
	if err != nil {
		return err
	}
	rep := o.reader.Read(ctx, machines)
	for _, s := range rep.Skipped {
		fmt.Fprintf(o.root.ErrOut, "skipped machine %q: %s\n", s.Machine, s.Reason)
	}
	if f := o.Output.Value; f == "json" || f == "yaml" {
		err = printer.DescribeStructured(o.root.Out, f, rep.Items)
	} else if len(rep.Items) == 0 && len(o.names) == 0 {
		fmt.Fprintln(o.root.ErrOut, nothingFoundIn(o.namespace))
	} else {
		err = printer.Describe(o.root.Out, rep.Items, printer.DescribeOptions{Events: o.ShowEvents, Now: time.Now},
			printer.NewPalette(o.root.colorFor(o.root.Out)))
	}
	if err != nil {
		return err
	}
	for _, m := range missing {
		fmt.Fprintf(o.root.ErrOut, "error: %v\n", m)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	var parts []string
	if n := rep.Failed(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s could not be described (see its tree)", n, plural(n, "Machine")))
	}
	if len(missing) > 0 {
		parts = append(parts, fmt.Sprintf("%d named %s not found", len(missing), plural(len(missing), "Machine")))
	}
	if len(parts) > 0 {
		return &reportedError{msg: strings.Join(parts, "; ")}
	}
	return nil
}

func nothingFoundIn(namespace string) string {
	if namespace == "" {
		return "No Machines found."
	}
	return fmt.Sprintf("No Machines found in namespace %q.", namespace)
}
