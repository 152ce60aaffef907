package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/vitistack/kubectl-vitimachine/pkg/guest"
)

// guestFlags are what every command into a guest shares: the Machine, how its cluster is found,
// and the bounded connect.
type guestFlags struct {
	root   *RootOptions
	Target *TargetFlags

	namespace string
	name      string
	locator   *guest.Locator
	dialer    guest.Dialer
}

func newGuestFlags(root *RootOptions) *guestFlags {
	return &guestFlags{root: root, Target: newTargetFlags()}
}

// validate checks the target flags.
func (g *guestFlags) validate(c *cobra.Command) error {
	if err := g.Target.validate(); err != nil {
		return newUsageError(c, err)
	}
	return nil
}

// complete builds the supervisor client and a resolver that records nothing, and the dialer
// bounded by --request-timeout. Nothing is read yet.
func (g *guestFlags) complete(name string) error {
	ns, _, err := g.root.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return err
	}
	g.namespace, g.name = ns, name
	sup, err := g.Target.supervisor(g.root)
	if err != nil {
		return err
	}
	res, err := g.Target.resolver(g.root, sup, "", false)
	if err != nil {
		return err
	}
	timeout, err := requestTimeout(g.root)
	if err != nil {
		return err
	}
	g.locator = &guest.Locator{Supervisor: sup, Resolver: res,
		Progress: func(msg string) { fmt.Fprintln(g.root.ErrOut, msg) }}
	g.dialer = guest.Dialer{ConnectTimeout: timeout}
	return nil
}

// locate finds the Machine's running instance.
func (g *guestFlags) locate(ctx context.Context) (*guest.Instance, error) {
	return g.locator.Locate(ctx, g.namespace, g.name)
}

// PortForwardOptions carries `kubectl vitimachine port-forward`.
type PortForwardOptions struct {
	*guestFlags
	Addresses []string
	Stdio     bool

	ports []guest.Port
}

// NewCmdPortForward builds `kubectl vitimachine port-forward`.
func NewCmdPortForward(root *RootOptions) *cobra.Command {
	o := &PortForwardOptions{guestFlags: newGuestFlags(root)}
	c := &cobra.Command{
		Use:   "port-forward NAME [LOCAL:]REMOTE... [--address ADDRESS] | --stdio NAME PORT",
		Short: "Forward local ports to a Machine's guest",
		Long: `Forward local ports to ports of a Machine's guest, as kubectl port-forward does for Pods:
each connection accepted on a local port is carried to the guest's port by its own KubeVirt
port-forward stream (a websocket to /apis/subresources.kubevirt.io/v1/namespaces/NS/
virtualmachineinstances/VM/portforward/PORT/tcp on the Machine's remote cluster).

The Machine is resolved to its cluster as "status" resolves it (nothing recorded, nothing written),
and its VM must be running. Ports: REMOTE listens on the same local port, LOCAL:REMOTE on LOCAL,
:REMOTE on a free port. Listeners are on 127.0.0.1 unless --address says otherwise. Each stream's
connection is bounded by --request-timeout (default 30s); the stream itself is not.

--stdio forwards one connection on standard input and output instead, for ssh's ProxyCommand;
it ends when either side does.

Exit status: 0 after Ctrl-C or, with --stdio, when the connection ended; 2 when the Machine
cannot be reached.`,
		Example: `  # Local port 8080 to the guest's port 80
  kubectl vitimachine port-forward -n team-a web-1 8080:80

  # The guest's 5432 on the same local port, on every interface
  kubectl vitimachine port-forward -n team-a db-1 5432 --address 0.0.0.0

  # ssh through the forward (what "kubectl vitimachine ssh" does)
  ssh -o ProxyCommand='kubectl vitimachine port-forward --stdio -n team-a web-1 22' user@web-1`,
		ValidArgsFunction: completeMachines(root),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Validate(c, args); err != nil {
				return err
			}
			if err := o.complete(args[0]); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	f := c.Flags()
	f.StringSliceVar(&o.Addresses, "address", []string{"127.0.0.1"}, "Addresses to listen on (comma-separated)")
	f.BoolVar(&o.Stdio, "stdio", false, "Forward one connection on standard input and output (for ssh's ProxyCommand)")
	o.Target.AddFlags(f)
	registerCompletions(c, root)
	return c
}

// Validate parses the ports. It reads nothing.
func (o *PortForwardOptions) Validate(c *cobra.Command, args []string) error {
	if err := o.validate(c); err != nil {
		return err
	}
	if len(args) < 2 {
		return newUsageError(c, fmt.Errorf("give the Machine and at least one port: NAME [LOCAL:]REMOTE"))
	}
	ports, err := guest.ParsePorts(args[1:])
	if err != nil {
		return newUsageError(c, err)
	}
	if o.Stdio {
		switch {
		case len(ports) != 1 || strings.Contains(args[1], ":"):
			return newUsageError(c, fmt.Errorf("--stdio forwards one connection: give one remote port (NAME PORT)"))
		case c.Flags().Changed("address"):
			return newUsageError(c, fmt.Errorf("--stdio listens nowhere; drop --address"))
		}
	}
	o.ports = ports
	return nil
}

// Run finds the Machine's running instance and forwards until Ctrl-C (or, with --stdio, the end of
// the connection).
func (o *PortForwardOptions) Run(ctx context.Context) error {
	in, err := o.locate(ctx)
	if err != nil {
		return err
	}
	f := &guest.Forwarder{Instance: in, Dialer: o.dialer, Addresses: o.Addresses, Out: o.root.Out, Errs: o.root.ErrOut}
	if o.Stdio {
		return f.Stdio(ctx, o.ports[0].Remote, o.root.In, o.root.Out)
	}
	return f.Serve(ctx, o.ports)
}

// ConsoleOptions carries `kubectl vitimachine console`.
type ConsoleOptions struct {
	*guestFlags
	Timeout time.Duration
}

// NewCmdConsole builds `kubectl vitimachine console`.
func NewCmdConsole(root *RootOptions) *cobra.Command {
	o := &ConsoleOptions{guestFlags: newGuestFlags(root)}
	c := &cobra.Command{
		Use:   "console NAME [--timeout DURATION]",
		Short: "Attach to the serial console of a Machine's guest",
		Long: `Attach to the serial console of a Machine's guest: KubeVirt's console stream (a websocket to
/apis/subresources.kubevirt.io/v1/namespaces/NS/virtualmachineinstances/VM/console) on the
Machine's remote cluster, resolved as "status" resolves it (nothing recorded).

On a terminal, the terminal is raw while attached (Ctrl-C goes to the guest) and Ctrl+] detaches;
the terminal is restored however the command ends (detach, the guest closing the console, SIGTERM,
a broken pipe). Without a terminal, standard input and output are streamed as they are, and the
end of standard input ends the session.

The VM must be running; --timeout waits that long for it to run (0: do not wait). The connection
is bounded by --request-timeout (default 30s); the session is not.

Exit status: 0 when detached or the console closed; 2 when the Machine cannot be reached.`,
		Example: `  # The serial console
  kubectl vitimachine console -n team-a web-1

  # Right after "kubectl vitimachine start", waiting for the VM to run
  kubectl vitimachine console -n team-a web-1 --timeout 2m`,
		ValidArgsFunction: completeMachines(root),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.validate(c); err != nil {
				return err
			}
			if len(args) != 1 {
				return newUsageError(c, fmt.Errorf("give one Machine: console NAME"))
			}
			if o.Timeout < 0 {
				return newUsageError(c, fmt.Errorf("--timeout must not be negative"))
			}
			if err := o.complete(args[0]); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	c.Flags().DurationVar(&o.Timeout, "timeout", 0, "How long to wait for the VM to run (0: do not wait)")
	o.Target.AddFlags(c.Flags())
	registerCompletions(c, root)
	return c
}

// Run waits for the instance, opens its console and attaches; on a terminal the terminal is raw
// until Run returns.
func (o *ConsoleOptions) Run(ctx context.Context) error {
	in, err := o.locator.Wait(ctx, o.namespace, o.name, o.Timeout)
	if err != nil {
		return err
	}
	s, err := o.dialer.Dial(ctx, in, guest.ConsolePath)
	if err != nil {
		return err
	}
	f, ok := o.root.In.(*os.File)
	tty := ok && term.IsTerminal(int(f.Fd()))
	if !tty {
		return guest.Attach(ctx, s, o.root.In, o.root.Out, false)
	}
	state, err := term.MakeRaw(int(f.Fd()))
	if err != nil {
		_ = s.Close()
		return fmt.Errorf("make the terminal raw: %w", err)
	}
	// Said once the terminal is raw, so that what is typed after it goes to the guest only.
	fmt.Fprintf(o.root.ErrOut, "Connected to the serial console of %s. Ctrl+] detaches.\r\n", in)
	err = guest.Attach(ctx, s, o.root.In, o.root.Out, true)
	if rerr := term.Restore(int(f.Fd()), state); rerr != nil && err == nil {
		err = fmt.Errorf("restore the terminal: %w", rerr)
	}
	if errors.Is(err, guest.ErrDetached) {
		fmt.Fprintln(o.root.ErrOut, "\nDetached.")
		return nil
	}
	if err == nil {
		fmt.Fprintln(o.root.ErrOut, "\nThe console closed.")
	}
	return err
}
