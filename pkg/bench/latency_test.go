package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// latencyProxy forwards TCP connections to an API server and holds every chunk it reads for a
// fixed time before it writes it on, in both directions: the connection behaves as one over a
// network with that one-way delay (a round trip costs twice it), with no limit on bandwidth and
// with HTTP/2 streams still interleaved. TLS passes through untouched.
type latencyProxy struct {
	ln     net.Listener
	target string
	delay  time.Duration
	wg     sync.WaitGroup
}

func startLatencyProxy(target string, oneWay time.Duration) (*latencyProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &latencyProxy{ln: ln, target: target, delay: oneWay}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

func (p *latencyProxy) addr() string { return p.ln.Addr().String() }

func (p *latencyProxy) close() {
	_ = p.ln.Close()
	p.wg.Wait()
}

func (p *latencyProxy) serve() {
	defer p.wg.Done()
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			out, err := net.Dial("tcp", p.target)
			if err != nil {
				_ = in.Close()
				return
			}
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); p.pipe(out, in) }()
			go func() { defer wg.Done(); p.pipe(in, out) }()
			wg.Wait()
			_ = in.Close()
			_ = out.Close()
		}()
	}
}

// pipe copies src to dst, each chunk delay after it was read.
func (p *latencyProxy) pipe(dst, src net.Conn) {
	type chunk struct {
		due  time.Time
		data []byte
	}
	chunks := make(chan chunk, 1024)
	go func() {
		defer close(chunks)
		buf := make([]byte, 64<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				chunks <- chunk{time.Now().Add(p.delay), append([]byte(nil), buf[:n]...)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range chunks {
		time.Sleep(time.Until(c.due))
		if _, err := dst.Write(c.data); err != nil {
			_ = src.Close() // the reader above ends; drain what it queued
			for range chunks {
			}
			return
		}
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}

// view is how a benchmark reaches the control planes: directly, or through latency proxies. It
// holds the supervisor kubeconfig the plugin is run with, the KubevirtConfig names of the remotes (in
// the order of e.planes.Remotes) and admin configs for in-process clients.
type view struct {
	kubeconfig string
	remotes    []string
	supervisor *rest.Config
	remoteCfgs []*rest.Config
}

// direct is the planes as they are, over loopback.
func (e *env) direct() *view {
	v := &view{kubeconfig: e.planes.Supervisor.KubeconfigPath, supervisor: e.planes.Supervisor.Config}
	for _, r := range e.planes.Remotes {
		v.remotes = append(v.remotes, r.Name)
		v.remoteCfgs = append(v.remoteCfgs, r.Config)
	}
	return v
}

// far puts a latency proxy with round trip rtt in front of every plane and registers the remotes
// through theirs as "<name>-far<n>". It is setup, not measured; the proxies stop with the
// benchmark.
func (e *env) far(b *testing.B, rtt time.Duration) *view {
	b.Helper()
	v := &view{}
	proxied := func(p *testenv.Plane) (*rest.Config, []byte) {
		u, err := url.Parse(p.Config.Host)
		if err != nil {
			b.Fatal(err)
		}
		px, err := startLatencyProxy(u.Host, rtt/2)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(px.close)
		server := "https://" + px.addr()
		cfg := rest.CopyConfig(p.Config)
		cfg.Host = server
		kc, err := clientcmd.Load(p.Kubeconfig)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range kc.Clusters {
			c.Server = server
		}
		data, err := clientcmd.Write(*kc)
		if err != nil {
			b.Fatal(err)
		}
		return cfg, data
	}
	t := tag("far")
	var supKubeconfig []byte
	v.supervisor, supKubeconfig = proxied(e.planes.Supervisor)
	v.kubeconfig = filepath.Join(e.dir, fmt.Sprintf("supervisor-%s.kubeconfig", t))
	if err := os.WriteFile(v.kubeconfig, supKubeconfig, 0o600); err != nil {
		b.Fatal(err)
	}
	sup, err := e.planes.Supervisor.Client()
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range e.planes.Remotes {
		cfg, kubeconfig := proxied(r)
		name := fmt.Sprintf("%s-%s", r.Name, t)
		if err := testenv.RegisterRemote(context.Background(), sup, name, kubeconfig); err != nil {
			b.Fatal(err)
		}
		v.remotes = append(v.remotes, name)
		v.remoteCfgs = append(v.remoteCfgs, cfg)
	}
	return v
}

// clients are in-process clients of the view's supervisor and first k remotes, with limits.
func (v *view) clients(b *testing.B, k int, limits cluster.Limits) (*cluster.Client, []*cluster.Client) {
	b.Helper()
	sup, err := cluster.New(cluster.SupervisorID, rest.CopyConfig(v.supervisor), limits)
	if err != nil {
		b.Fatal(err)
	}
	remotes := make([]*cluster.Client, k)
	for i := range k {
		if remotes[i], err = cluster.New(cluster.RemoteID(v.remotes[i]), rest.CopyConfig(v.remoteCfgs[i]), limits); err != nil {
			b.Fatal(err)
		}
	}
	return sup, remotes
}

// TestLatencyProxyDelaysEachWay checks the proxy the far benchmarks rely on: a request and its
// answer each wait the one-way delay, and bytes arrive whole and in order.
func TestLatencyProxyDelaysEachWay(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); _ = c.Close() }() // echo
		}
	}()
	const oneWay = 40 * time.Millisecond
	px, err := startLatencyProxy(ln.Addr().String(), oneWay)
	if err != nil {
		t.Fatal(err)
	}
	defer px.close()
	c, err := net.Dial("tcp", px.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := make([]byte, 300<<10)
	for i := range msg {
		msg[i] = byte(i % 251)
	}
	start := time.Now()
	go func() { _, _ = c.Write(msg) }()
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if rtt := time.Since(start); rtt < 2*oneWay {
		t.Errorf("round trip through the proxy took %s, want at least %s", rtt, 2*oneWay)
	}
	for i := range got {
		if got[i] != msg[i] {
			t.Fatalf("byte %d: got %d, want %d", i, got[i], msg[i])
		}
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("after close: %d bytes, %v; want EOF", n, err)
	}
}
