package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	"golang.org/x/term"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/power"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
	"github.com/vitistack/kubectl-vitimachine/pkg/resize"
	"github.com/vitistack/kubectl-vitimachine/pkg/source"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// ResizeOptions carries `kubectl vitimachine resize`.
type ResizeOptions struct {
	root     *RootOptions
	Machines *PipelineFlags
	DryRun   DryRunFlag
	Diff     bool
	Class    string
	CPU      int
	Memory   string
	Disks    []string
	Restart  string
	Yes      bool
	Wait     bool
	Timeout  time.Duration

	resizer *resize.Resizer
	writer  write.Writer
	source  source.Request
}

// NewCmdResize builds `kubectl vitimachine resize`.
func NewCmdResize(root *RootOptions) *cobra.Command {
	o := &ResizeOptions{root: root, Machines: newPipelineFlags(), Restart: restartIfRequired, Timeout: 5 * time.Minute}
	c := &cobra.Command{
		Use:   "resize (NAME... | -l SELECTOR | -f FILENAME) (--class CLASS | --cpu N | --memory QTY | --disk NAME=SIZE...)",
		Short: "Change Machines' class, CPU cores, memory or disk sizes, and their VMs and PVCs to match",
		Long: `Change the size of provisioned Machines: the Machine on the supervisor, and on its remote
KubeVirt cluster its VM template's CPU and memory and its PVCs' sizes, each exactly as
"kubectl vitimachine create" would render them for the changed Machine.

  --class CLASS      spec.machineClass (the Machine's own spec.cpu and spec.memory still win)
  --cpu N            spec.cpu.cores
  --memory QTY       spec.memory (the VM gets whole Mi)
  --disk NAME=SIZE   spec.disks[NAME].sizeGB, whole Gi; repeat for several disks

Every Machine is planned completely (reads only) before the first write. Refused before any write:
a disk that would shrink, a PVC whose StorageClass does not allow volume expansion, a Machine with
no VM (not provisioned), a Machine that carries the kubevirt-operator's finalizer (without --force).
Then, per Machine and in this order: the Machine, the PVCs that grow, the VM template; each is a
merge patch carrying the resourceVersion that was planned, so an object changed in between is not
written (reported as failed; the Machine's later writes are not attempted; run again).

The VM row says whether the change applies live or needs a restart: with KubeVirt's LiveUpdate
rollout strategy, CPU sockets within the VM's maxSockets and memory within its maxGuest apply live;
anything else (cores, threads, a VM without those maximums) needs a restart. --restart says what
follows the writes: never; if-required (the default) restarts the VMs that need it, through the
restart verb, after asking on a terminal (off a terminal only with --yes; without it the report
names them and nothing is restarted); always restarts every resized Machine's VM. --wait waits until
the restarted VMs run again.

A second run changes nothing. --dry-run=client|server writes nothing and shows the changes as a
diff; --diff shows it before writing.

Exit status: 0 when everything succeeded or nothing needed a change, 2 or more when anything failed
or was refused.`,
		Example: `  # Preview moving a Machine to a bigger class
  kubectl vitimachine resize -n team-a web-1 --class large --dry-run=server

  # Give every Machine of a pool 8 GiB of memory
  kubectl vitimachine resize -n team-a -l pool=web --memory 8Gi

  # Grow the root disk of a Machine to 40 GiB
  kubectl vitimachine resize -n team-a db --disk root=40Gi`,
		ValidArgsFunction: completeMachines(root),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(c, args); err != nil {
				return err
			}
			if err := o.Validate(c); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	f := c.Flags()
	o.Machines.AddMachineFlags(f, "Resize Machines that carry the kubevirt-operator's finalizer (the operator may render the VM back)",
		"KEY=VALUE label create put on the objects")
	o.DryRun.AddFlag(f)
	f.BoolVar(&o.Diff, "diff", false, "Show every change as a diff before writing (always shown with --dry-run)")
	f.StringVar(&o.Class, "class", "", "New MachineClass (spec.machineClass)")
	f.IntVar(&o.CPU, "cpu", 0, "New number of CPU cores (spec.cpu.cores)")
	f.StringVar(&o.Memory, "memory", "", "New memory, a quantity such as 8Gi (spec.memory)")
	f.StringVar(&o.Restart, "restart", o.Restart, "Restart the VMs after the writes: never, if-required (the VMs whose change does not apply live) or always")
	f.BoolVar(&o.Yes, "yes", false, "Restart without asking (needed off a terminal)")
	f.BoolVar(&o.Wait, "wait", false, "Wait until the restarted VMs run again")
	f.DurationVar(&o.Timeout, "timeout", o.Timeout, "How long --wait waits")
	f.StringArrayVar(&o.Disks, "disk", nil, "NAME=SIZE: new size of a disk, whole Gi such as root=40Gi (repeat for several disks; disks only grow)")
	registerCompletions(c, root)
	return c
}

// Complete parses the flags and builds the resizer. Nothing is read from a cluster yet.
func (o *ResizeOptions) Complete(c *cobra.Command, args []string) error {
	if err := o.DryRun.Complete(c); err != nil {
		return err
	}
	ch := resize.Change{Class: o.Class, CPU: o.CPU}
	if o.Memory != "" {
		q, err := resource.ParseQuantity(o.Memory)
		if err != nil || q.Value() < 1<<20 {
			return newUsageError(c, fmt.Errorf("--memory %q: want a quantity of at least 1Mi, such as 8Gi", o.Memory))
		}
		ch.Memory = &q
	}
	for _, d := range o.Disks {
		disk, err := resize.ParseDisk(d)
		if err != nil {
			return newUsageError(c, err)
		}
		ch.Disks = append(ch.Disks, disk)
	}
	if o.CPU < 0 || o.CPU > 256 {
		return newUsageError(c, fmt.Errorf("--cpu %d: want 1 to 256 cores", o.CPU))
	}
	if ch.Empty() {
		return newUsageError(c, fmt.Errorf("nothing to change: give --class, --cpu, --memory or --disk"))
	}
	o.writer = o.DryRun.Writer()
	run, err := o.Machines.complete(c, o.root, args, o.writer)
	if err != nil {
		return err
	}
	o.resizer = &resize.Resizer{Pipeline: run.pipeline, Options: resize.Options{Change: ch, Force: run.pipeline.Options.Force}}
	o.source = run.source
	return nil
}

// --restart values.
const (
	restartNever      = "never"
	restartIfRequired = "if-required"
	restartAlways     = "always"
)

// Validate refuses flag combinations that cannot work together.
func (o *ResizeOptions) Validate(c *cobra.Command) error {
	switch {
	case o.Restart != restartNever && o.Restart != restartIfRequired && o.Restart != restartAlways:
		return newUsageError(c, fmt.Errorf("--restart %q: want never, if-required or always", o.Restart))
	case o.Wait && !o.DryRun.Stores():
		return newUsageError(c, fmt.Errorf("--wait needs real writes; drop --dry-run or --wait"))
	case o.Wait && o.Restart == restartNever:
		return newUsageError(c, fmt.Errorf("--wait waits for restarted VMs; --restart=never restarts none"))
	}
	return nil
}

// Run plans every Machine, shows the diff, writes and reports.
func (o *ResizeOptions) Run(ctx context.Context) error {
	r := o.resizer
	inputs, err := source.Load(ctx, r.Pipeline.Supervisor, o.source)
	if err != nil {
		return err
	}
	plans := r.Plan(ctx, inputs)
	if o.Diff || !o.DryRun.Stores() {
		if _, err := printDiffs(o.root, pipeline.Diffs(resize.Plans(plans))); err != nil {
			return err
		}
	}
	r.Apply(ctx, o.writer, plans)

	report := o.root.Out
	if err := printer.Report(report, printer.Rows(resize.Plans(plans)), printer.NewPalette(o.root.colorFor(report))); err != nil {
		return err
	}
	sum := resize.Summarize(plans, o.writer.DryRun())
	if err := printer.ResizeSummary(report, sum, resize.Restarts(plans)); err != nil {
		return err
	}
	if sum.Failed > 0 {
		return &reportedError{msg: fmt.Sprintf("%d failed (see the report above)", sum.Failed)}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	return o.restart(ctx, plans)
}

// restart restarts, as --restart says, the VMs of the Machines resized, through the restart verb.
func (o *ResizeOptions) restart(ctx context.Context, plans []*resize.Plan) error {
	var machines []*vitistackv1alpha1.Machine
	for _, p := range plans {
		if p.Err != nil || p.SkipReason != "" || p.VM == nil || !resize.Written(p) {
			continue
		}
		if o.Restart == restartAlways || (o.Restart == restartIfRequired && resize.NeedsRestart(p)) {
			machines = append(machines, p.Machine)
		}
	}
	if len(machines) == 0 {
		return nil
	}
	if o.DryRun.Stores() && !o.Yes {
		ok, err := o.ask(machines)
		if err != nil || !ok {
			return err
		}
	}
	verb, _ := power.Lookup("restart")
	runner := &power.Runner{Resolver: o.resizer.Pipeline.Resolver, Writer: o.writer, Verb: verb}
	items, _ := runner.Plan(ctx, machines)
	runner.Apply(ctx, items)
	fmt.Fprintln(o.root.Out)
	if err := printer.Power(o.root.Out, items, printer.NewPalette(o.root.colorFor(o.root.Out))); err != nil {
		return err
	}
	sum := runner.Summarize(items)
	if err := printer.PowerSummary(o.root.Out, verb, sum); err != nil {
		return err
	}
	if sum.Failed > 0 {
		return &reportedError{msg: fmt.Sprintf("%d %s failed to restart (the resize is written; restart them with kubectl vitimachine restart)", sum.Failed, plural(sum.Failed, "Machine"))}
	}
	if !o.Wait {
		return nil
	}
	var progress func(machine, state string)
	if isTerminal(o.root.ErrOut) {
		progress = func(machine, state string) { fmt.Fprintf(o.root.ErrOut, "waiting: %s is %s\n", machine, state) }
	}
	err := runner.Wait(ctx, items, o.Timeout, progress)
	var we *pipeline.WaitError
	if errors.As(err, &we) && we.Interrupted {
		return fmt.Errorf("%w (%w)", err, ctx.Err())
	}
	return err
}

// ask asks on a terminal before restarting; off a terminal it restarts nothing and says so (the
// resize itself is written).
func (o *ResizeOptions) ask(machines []*vitistackv1alpha1.Machine) (bool, error) {
	in, ok := o.root.In.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		fmt.Fprintf(o.root.ErrOut, "note: %d %s not restarted: standard input is not a terminal to ask on (pass --yes to restart, or --restart=never; later: kubectl vitimachine restart)\n",
			len(machines), plural(len(machines), "VM"))
		return false, nil
	}
	fmt.Fprintf(o.root.ErrOut, "About to restart %d %s:\n", len(machines), plural(len(machines), "VM"))
	for _, m := range machines {
		fmt.Fprintf(o.root.ErrOut, "  %s/%s\n", m.Namespace, m.Name)
	}
	fmt.Fprintf(o.root.ErrOut, "Continue? [y/N]: ")
	answer, _ := bufio.NewReader(in).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return true, nil
	}
	fmt.Fprintln(o.root.ErrOut, "not restarted (the resize is written)")
	return false, nil
}
