package cmd

import (
	"context"
	"fmt"
	"net"
	"os/exec"

	"github.com/spf13/cobra"

	"github.com/vitistack/kubectl-vitimachine/pkg/guest"
)

// VNCOptions carries `kubectl vitimachine vnc`.
type VNCOptions struct {
	*guestFlags
	Port      int
	ProxyOnly bool
}

// vncViewer is a viewer vnc starts and how it is given the address.
type vncViewer struct {
	name string
	args func(host, port string) []string
}

// vncViewers are the viewers vnc starts, the first found on PATH.
func vncViewers() []vncViewer {
	return []vncViewer{
		{"remote-viewer", func(h, p string) []string { return []string{"vnc://" + net.JoinHostPort(h, p)} }},
		{"vncviewer", func(h, p string) []string { return []string{h + "::" + p} }},
		{"tigervnc", func(h, p string) []string { return []string{h + "::" + p} }},
	}
}

// NewCmdVNC builds `kubectl vitimachine vnc`.
func NewCmdVNC(root *RootOptions) *cobra.Command {
	o := &VNCOptions{guestFlags: newGuestFlags(root)}
	c := &cobra.Command{
		Use:   "vnc NAME [--port PORT] [--proxy-only]",
		Short: "Open the graphical console of a Machine's guest",
		Long: `Open the graphical console (VNC) of a Machine's guest: a local port on 127.0.0.1 (--port, default
a free one) is proxied to KubeVirt's vnc stream (a websocket to
/apis/subresources.kubevirt.io/v1/namespaces/NS/virtualmachineinstances/VM/vnc on the Machine's
remote cluster, resolved as "status" resolves it), one stream per connection. The address is printed;
unless --proxy-only, the first viewer found on PATH (remote-viewer, vncviewer, tigervnc) is started
on it, and the command ends when the viewer does. Otherwise Ctrl-C ends it.

The VM must be running. Each connection is bounded by --request-timeout (default 30s).`,
		Example: `  # Open a viewer
  kubectl vitimachine vnc -n team-a web-1

  # Only the proxy, for a viewer of your own
  kubectl vitimachine vnc -n team-a web-1 --port 5900 --proxy-only`,
		ValidArgsFunction: completeMachines(root),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.validate(c); err != nil {
				return err
			}
			if len(args) != 1 {
				return newUsageError(c, fmt.Errorf("give one Machine: vnc NAME"))
			}
			if o.Port < 0 || o.Port > 65535 {
				return newUsageError(c, fmt.Errorf("--port must be from 0 (any free port) to 65535"))
			}
			if err := o.complete(args[0]); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	c.Flags().IntVar(&o.Port, "port", 0, "Local port on 127.0.0.1 (0: any free port)")
	c.Flags().BoolVar(&o.ProxyOnly, "proxy-only", false, "Do not start a viewer")
	o.Target.AddFlags(c.Flags())
	registerCompletions(c, root)
	return c
}

// Run proxies until Ctrl-C or, with a viewer, until the viewer ends.
func (o *VNCOptions) Run(ctx context.Context) error {
	in, err := o.locate(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f := &guest.Forwarder{Instance: in, Dialer: o.dialer, Path: guest.VNCPath, Out: o.root.Out, Errs: o.root.ErrOut,
		Ready: func(addrs []net.Addr) {
			if o.ProxyOnly {
				return
			}
			host, port, _ := net.SplitHostPort(addrs[0].String())
			for _, v := range vncViewers() {
				path, err := exec.LookPath(v.name)
				if err != nil {
					continue
				}
				fmt.Fprintf(o.root.ErrOut, "Starting %s\n", v.name)
				cmd := exec.CommandContext(ctx, path, v.args(host, port)...)
				if err := cmd.Start(); err != nil {
					fmt.Fprintf(o.root.ErrOut, "error: start %s: %v\n", v.name, err)
					return
				}
				go func() { _ = cmd.Wait(); cancel() }()
				return
			}
			fmt.Fprintln(o.root.ErrOut, "No VNC viewer on PATH (remote-viewer, vncviewer, tigervnc): connect one to the address above; Ctrl-C ends.")
		}}
	return f.Serve(ctx, []guest.Port{{Local: o.Port}})
}
