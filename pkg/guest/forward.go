package guest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
)

// Port is one forward: Local (0: any free port) to Remote on the guest.
type Port struct {
	Local, Remote int
}

// ParsePorts reads kubectl port-forward's port arguments: REMOTE (the same local port),
// LOCAL:REMOTE, or :REMOTE (any free local port).
func ParsePorts(args []string) ([]Port, error) {
	if len(args) == 0 {
		return nil, errors.New("give at least one port: [LOCAL:]REMOTE")
	}
	var out []Port
	for _, a := range args {
		local, remote, two := strings.Cut(a, ":")
		if !two {
			remote = local
		}
		r, err := port(remote, false)
		if err != nil {
			return nil, fmt.Errorf("port %q: remote %w", a, err)
		}
		l, err := port(local, true)
		if err != nil {
			return nil, fmt.Errorf("port %q: local %w", a, err)
		}
		out = append(out, Port{Local: l, Remote: r})
	}
	return out, nil
}

func port(s string, zeroOK bool) (int, error) {
	if s == "" && zeroOK {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 65535 || (n == 0 && !zeroOK) {
		return 0, fmt.Errorf("port must be a number from 1 to 65535, not %q", s)
	}
	return n, nil
}

// ForwardPath is the portforward subresource of a guest TCP port.
func ForwardPath(remote int) string { return "portforward/" + strconv.Itoa(remote) + "/tcp" }

// Forwarder forwards local ports to the instance's, one stream per accepted connection, as
// kubectl port-forward does.
type Forwarder struct {
	Instance *Instance
	Dialer   Dialer
	// Addresses to listen on (default 127.0.0.1).
	Addresses []string
	// Out is told each listener ("Forwarding from 127.0.0.1:8080 -> 80"); Errs each connection's
	// failure. Neither ever sees a stream byte.
	Out, Errs io.Writer
	// Ready, when set, gets the listeners' addresses once all listen.
	Ready func(addrs []net.Addr)
	// Path, when set, is the subresource every connection opens instead of the port's
	// portforward ("vnc").
	Path string
}

// VNCPath is the VNC subresource (virt-api's vnc: the guest's display as RFB).
const VNCPath = "vnc"

func (f *Forwarder) path(remote int) string {
	if f.Path != "" {
		return f.Path
	}
	return ForwardPath(remote)
}

// Listen opens every listener; a failure closes those opened.
func (f *Forwarder) Listen(ports []Port) ([]net.Listener, []Port, error) {
	addrs := f.Addresses
	if len(addrs) == 0 {
		addrs = []string{"127.0.0.1"}
	}
	var ls []net.Listener
	var which []Port
	for _, p := range ports {
		for _, a := range addrs {
			l, err := net.Listen("tcp", net.JoinHostPort(a, strconv.Itoa(p.Local)))
			if err != nil {
				for _, o := range ls {
					_ = o.Close()
				}
				return nil, nil, fmt.Errorf("listen on %s port %d: %w", a, p.Local, err)
			}
			ls = append(ls, l)
			which = append(which, p)
		}
	}
	return ls, which, nil
}

// Serve listens and forwards until ctx ends.
func (f *Forwarder) Serve(ctx context.Context, ports []Port) error {
	ls, which, err := f.Listen(ports)
	if err != nil {
		return err
	}
	var addrs []net.Addr
	for i, l := range ls {
		addrs = append(addrs, l.Addr())
		if f.Path != "" {
			fmt.Fprintf(f.Out, "Forwarding from %s -> %s\n", l.Addr(), f.Path)
		} else {
			fmt.Fprintf(f.Out, "Forwarding from %s -> %d\n", l.Addr(), which[i].Remote)
		}
	}
	if f.Ready != nil {
		f.Ready(addrs)
	}
	var wg sync.WaitGroup
	for i, l := range ls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.accept(ctx, l, which[i].Remote)
		}()
	}
	<-ctx.Done()
	for _, l := range ls {
		_ = l.Close()
	}
	wg.Wait()
	return nil
}

func (f *Forwarder) accept(ctx context.Context, l net.Listener, remote int) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			s, err := f.Dialer.Dial(ctx, f.Instance, f.path(remote))
			if err != nil {
				fmt.Fprintf(f.Errs, "error: connection from %s: %v\n", c.RemoteAddr(), err)
				return
			}
			if err := Splice(ctx, s, c, c); err != nil {
				fmt.Fprintf(f.Errs, "error: connection from %s to port %d: %v\n", c.RemoteAddr(), remote, err)
			}
		}()
	}
}

// Stdio forwards one connection on in and out (ssh's ProxyCommand): it returns when either side
// ends.
func (f *Forwarder) Stdio(ctx context.Context, remote int, in io.Reader, out io.Writer) error {
	s, err := f.Dialer.Dial(ctx, f.Instance, ForwardPath(remote))
	if err != nil {
		return err
	}
	return Splice(ctx, s, in, out)
}
