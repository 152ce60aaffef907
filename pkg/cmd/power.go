package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	"golang.org/x/term"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/power"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
	"github.com/vitistack/kubectl-vitimachine/pkg/source"
	"github.com/vitistack/kubectl-vitimachine/pkg/status"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
)

// PowerOptions carries one of `kubectl vitimachine start|stop|restart|pause|unpause|soft-reboot|migrate`.
type PowerOptions struct {
	root          *RootOptions
	verb          power.Verb
	Target        *TargetFlags
	DryRun        DryRunFlag
	Output        OutputFlag
	Filenames     []string
	Recursive     bool
	Selector      string
	AllNamespaces bool
	Yes           bool
	Wait          bool
	Timeout       time.Duration
	GracePeriod   int64
	Force         bool

	names      []string
	namespace  string
	explicitNS bool
	supervisor *cluster.Client
	runner     *power.Runner
}

// powerHelp is a verb's short help and what it does, for the long help.
func powerHelp(verb string) [2]string {
	switch verb {
	case "start":
		return [2]string{"Start the VMs of Machines", "sets the VM's runStrategy to Always (KubeVirt's start); a VM with a running instance is \"already running\""}
	case "stop":
		return [2]string{"Stop the VMs of Machines", "sets the VM's runStrategy to Halted (KubeVirt's stop); --grace-period and --force shorten the guest's shutdown; a VM without a running instance is \"already stopped\""}
	case "restart":
		return [2]string{"Restart the VMs of Machines", "asks KubeVirt to stop and start the VM's instance (KubeVirt's restart); a VM that is not running fails"}
	case "pause":
		return [2]string{"Pause the VMs of Machines", "pauses the running instance (KubeVirt's pause); a paused one is \"already paused\""}
	case "unpause":
		return [2]string{"Unpause the VMs of Machines", "resumes a paused instance (KubeVirt's unpause); one that is not paused is \"already running\""}
	case "soft-reboot":
		return [2]string{"Soft-reboot the VMs of Machines", "asks the guest to reboot through its agent or ACPI (KubeVirt's softreboot, which has no server dry run)"}
	}
	return [2]string{"Live-migrate the VMs of Machines to another node", "creates a VirtualMachineInstanceMigration for the running instance (KubeVirt's migrate); --wait waits for it to succeed on another node"}
}

// NewCmdPower builds the seven power commands.
func NewCmdPower(root *RootOptions) []*cobra.Command {
	var out []*cobra.Command
	for _, v := range power.Verbs() {
		out = append(out, newCmdPowerVerb(root, v))
	}
	return out
}

func newCmdPowerVerb(root *RootOptions, v power.Verb) *cobra.Command {
	o := &PowerOptions{root: root, verb: v, Target: newTargetFlags(), Timeout: 5 * time.Minute, GracePeriod: -1,
		Output: OutputFlag{Allowed: []string{"name", "json", "yaml"}, Help: "Output format: name, json or yaml (default: a table and a summary line)"}}
	help := powerHelp(v.Name)
	where := "virtualmachines"
	if v.OnVMI {
		where = "virtualmachineinstances"
	}
	confirm := ""
	if v.Disruptive {
		confirm = `

Machines selected with -l, -A or a file of several are listed and asked about on a terminal; when
standard input is not a terminal the command refuses without --yes. Machines named on the command
line are not asked about.`
	}
	c := &cobra.Command{
		Use:   v.Name + " (NAME... | -f FILE [-R] | -l SELECTOR | -A) [-n NAMESPACE]",
		Short: help[0],
		Long: help[0] + ` on their remote KubeVirt clusters: for each Machine the command ` + help[1] + `.

Each Machine is resolved to its cluster as "status" resolves it (nothing recorded) and its VM is
the one labelled vitistack.io/source-machine=<machine>, or named by either naming scheme. The call
is KubeVirt's own, as virtctl sends it: PUT /apis/subresources.kubevirt.io/v1/namespaces/NS/` + where + `/VM/` + v.Subresource + `.
Each cluster is read with one VM list and one VMI list per namespace; Machines are acted on in
parallel, each cluster within --cluster-timeout; one cluster that fails fails only its Machines.` + confirm + `

--dry-run=client sends nothing; --dry-run=server sends the call with KubeVirt's dry run (soft-reboot
has none, so it is not sent). --wait waits until every VM is ` + v.Goal + ` (at most --timeout).

Exit status: 0 when every Machine is done or already was; 2 when any failed or is not provisioned,
or --wait timed out.`,
		Example: fmt.Sprintf(`  # One Machine
  kubectl vitimachine %[1]s -n team-a web-1

  # Every Machine labelled role=web, across clusters, and wait
  kubectl vitimachine %[1]s -n team-a -l role=web --yes --wait

  # What would happen
  kubectl vitimachine %[1]s -A --dry-run=client`, v.Name),
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
	f.StringSliceVarP(&o.Filenames, "filename", "f", nil, "Machine manifests: files, folders or - for standard input")
	f.BoolVarP(&o.Recursive, "recursive", "R", false, "Read the subfolders of folders given with -f too")
	f.StringVarP(&o.Selector, "selector", "l", "", "Label selector of the Machines")
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Machines of all namespaces")
	f.BoolVar(&o.Yes, "yes", false, "Do not ask before acting on a selection")
	f.BoolVar(&o.Wait, "wait", false, "Wait until every VM is "+v.Goal)
	f.DurationVar(&o.Timeout, "timeout", o.Timeout, "How long --wait waits")
	if v.Name == "stop" {
		f.Int64Var(&o.GracePeriod, "grace-period", o.GracePeriod, "Seconds the guest has to shut down (default: the VM's own)")
		f.BoolVar(&o.Force, "force", false, "Stop at once (--grace-period=0)")
	}
	o.DryRun.AddFlag(f)
	o.Output.AddFlag(c)
	o.Target.AddFlags(f)
	registerCompletions(c, root)
	return c
}

// Validate refuses flag combinations that cannot work together. It reads nothing.
func (o *PowerOptions) Validate(c *cobra.Command, args []string) error {
	if err := o.Output.Validate(c); err != nil {
		return err
	}
	if err := o.Target.validate(); err != nil {
		return newUsageError(c, err)
	}
	files, names, listed := len(o.Filenames) > 0, len(args) > 0, o.Selector != "" || o.AllNamespaces
	var err error
	switch {
	case !files && !names && !listed:
		err = fmt.Errorf("name Machines (NAME...), give -f FILE, or select them with -l SELECTOR or -A")
	case files && names:
		err = fmt.Errorf("give either Machine names or -f, not both")
	case names && o.Selector != "":
		err = fmt.Errorf("give either Machine names or -l, not both")
	case names && o.AllNamespaces:
		err = fmt.Errorf("a Machine cannot be named across all namespaces (drop -A and give its namespace with -n)")
	case files && o.AllNamespaces:
		err = fmt.Errorf("-A lists Machines on the supervisor; it does not combine with -f")
	case o.Recursive && !files:
		err = fmt.Errorf("-R reads the subfolders of folders given with -f; give -f")
	case o.Force && c.Flags().Changed("grace-period") && o.GracePeriod != 0:
		err = fmt.Errorf("--force stops at once (--grace-period=0); do not give another --grace-period")
	case c.Flags().Changed("grace-period") && o.GracePeriod < 0:
		err = fmt.Errorf("--grace-period must not be negative")
	case o.Timeout <= 0:
		err = fmt.Errorf("--timeout must be positive")
	}
	if err != nil {
		return newUsageError(c, err)
	}
	return validSelector(c, o.Selector)
}

// Complete parses the flags and builds the supervisor client, the resolver and the runner. Nothing
// is read yet.
func (o *PowerOptions) Complete(c *cobra.Command, args []string) error {
	if err := o.DryRun.Complete(c); err != nil {
		return err
	}
	if o.Wait && !o.DryRun.Stores() {
		return newUsageError(c, fmt.Errorf("--wait needs the calls to be made; drop --dry-run or --wait"))
	}
	ns, explicit, err := o.root.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return err
	}
	o.names, o.namespace, o.explicitNS = args, ns, explicit
	if o.AllNamespaces {
		o.namespace = ""
	}
	sup, err := o.Target.supervisor(o.root)
	if err != nil {
		return err
	}
	runner := &power.Runner{Writer: o.DryRun.Writer(), Verb: o.verb}
	switch {
	case o.Force:
		zero := int64(0)
		runner.Options.GracePeriod = &zero
	case o.GracePeriod >= 0:
		g := o.GracePeriod
		runner.Options.GracePeriod = &g
	}
	res, err := o.Target.resolver(o.root, sup, "", true, func(t *target.Options) { t.ListVMs = runner.ListVMs })
	if err != nil {
		return err
	}
	runner.Resolver = res
	o.supervisor, o.runner = sup, runner
	return nil
}

// Run reads the Machines, plans, asks when it must, calls, reports and optionally waits.
func (o *PowerOptions) Run(ctx context.Context) error {
	machines, missing, err := o.machines(ctx)
	if err != nil {
		return err
	}
	items, skipped := o.runner.Plan(ctx, machines)
	for _, s := range skipped {
		fmt.Fprintf(o.root.ErrOut, "skipped machine %q: %s\n", s.Machine, s.Reason)
	}
	if err := o.confirm(items); err != nil {
		return err
	}
	o.runner.Apply(ctx, items)
	if err := o.print(items); err != nil {
		return err
	}
	for _, m := range missing {
		fmt.Fprintf(o.root.ErrOut, "error: %v\n", m)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	var waitErr error
	if o.Wait {
		waitErr = o.wait(ctx, items)
	}
	sum := o.runner.Summarize(items)
	var parts []string
	if n := sum.Failed; n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s failed", n, plural(n, "Machine")))
	}
	if n := sum.NotProvisioned; n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s not provisioned", n, plural(n, "Machine")))
	}
	if len(missing) > 0 {
		parts = append(parts, fmt.Sprintf("%d named %s not found", len(missing), plural(len(missing), "Machine")))
	}
	switch {
	case waitErr != nil && len(parts) > 0:
		return fmt.Errorf("%s; %w", strings.Join(parts, "; "), waitErr)
	case waitErr != nil:
		return waitErr
	case len(parts) > 0:
		return &reportedError{msg: strings.Join(parts, "; ")}
	}
	return nil
}

// machines reads the Machines: from files (-f), by name (a missing one is reported and the others
// still acted on), or one list by -l/-A.
func (o *PowerOptions) machines(ctx context.Context) ([]*vitistackv1alpha1.Machine, []error, error) {
	if len(o.Filenames) > 0 {
		inputs, err := source.Load(ctx, o.supervisor, source.Request{Files: o.Filenames, Stdin: o.root.In, Recursive: o.Recursive,
			Selector: o.Selector, Namespace: o.namespace, ExplicitNamespace: o.explicitNS,
			Note: func(msg string) { fmt.Fprintln(o.root.ErrOut, "note: "+msg) }})
		if err != nil {
			return nil, nil, err
		}
		machines := make([]*vitistackv1alpha1.Machine, 0, len(inputs))
		for _, in := range inputs {
			machines = append(machines, in.Machine)
		}
		return machines, nil, nil
	}
	return status.Machines(ctx, o.supervisor, status.Query{Names: o.names, Namespace: o.namespace, Selector: o.Selector})
}

// confirm asks, on a terminal, before a disruptive verb acts on a selection (-l, -A, a file of
// several Machines); off a terminal it refuses without --yes. Named Machines, dry runs and runs
// with no call to make are not asked about.
func (o *PowerOptions) confirm(items []*power.Item) error {
	var acting []*power.Item
	for _, it := range items {
		if it.Outcome == power.Call {
			acting = append(acting, it)
		}
	}
	selection := o.Selector != "" || o.AllNamespaces || (len(o.Filenames) > 0 && len(items) > 1)
	if !o.verb.Disruptive || !selection || o.Yes || !o.DryRun.Stores() || len(acting) == 0 {
		return nil
	}
	what := fmt.Sprintf("%s %d %s", o.verb.Name, len(acting), plural(len(acting), "Machine"))
	in, ok := o.root.In.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return fmt.Errorf("refusing to %s selected by %s without --yes: standard input is not a terminal to ask on", what, o.selectedBy())
	}
	fmt.Fprintf(o.root.ErrOut, "About to %s:\n", what)
	for _, it := range acting {
		fmt.Fprintf(o.root.ErrOut, "  %s/%s (VM %s on %s)\n", it.Namespace, it.Machine, it.VM, it.Cluster)
	}
	fmt.Fprintf(o.root.ErrOut, "Continue? [y/N]: ")
	answer, _ := bufio.NewReader(in).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return &reportedError{msg: "cancelled: nothing was sent"}
}

func (o *PowerOptions) selectedBy() string {
	switch {
	case o.AllNamespaces:
		return "-A"
	case o.Selector != "" && len(o.Filenames) == 0:
		return "-l"
	}
	return "-f"
}

// print prints the report: the table and the summary line, or -o.
func (o *PowerOptions) print(items []*power.Item) error {
	if f := o.Output.Value; f != "" {
		return printer.PowerStructured(o.root.Out, f, items)
	}
	if len(items) == 0 {
		fmt.Fprintln(o.root.ErrOut, "No Machines found.")
		return nil
	}
	if err := printer.Power(o.root.Out, items, printer.NewPalette(o.root.colorFor(o.root.Out))); err != nil {
		return err
	}
	return printer.PowerSummary(o.root.Out, o.verb, o.runner.Summarize(items))
}

// wait waits for the goal, with progress on a terminal.
func (o *PowerOptions) wait(ctx context.Context, items []*power.Item) error {
	var progress func(machine, state string)
	if isTerminal(o.root.ErrOut) {
		progress = func(machine, state string) { fmt.Fprintf(o.root.ErrOut, "waiting: %s is %s\n", machine, state) }
	}
	err := o.runner.Wait(ctx, items, o.Timeout, progress)
	var we *pipeline.WaitError
	if errors.As(err, &we) && we.Interrupted {
		return fmt.Errorf("%w (%w)", err, ctx.Err())
	}
	return err
}
