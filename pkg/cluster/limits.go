package cluster

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/klog/v2"
)

// Limits say how hard the plugin may press one API server.
//
// Kubernetes servers protect themselves with API Priority and Fairness (APF): they queue and, when
// full, answer 429 with Retry-After, which client-go waits out. A client-side QPS limit then only
// slows a batch down (SIG API Machinery advises against it; controller-runtime dropped its default
// in 2025). So by default the plugin sets no client-side rate limit toward a server that answers
// with APF's response headers — learnt from its first answer, no extra request —, keeps at most
// InFlight requests in flight per cluster, and falls back to a conservative rate (Fallback) toward a
// server without APF. An explicit QPS (--qps/--burst) is a client-side limit, whatever the server.
type Limits struct {
	// QPS and Burst, with QPS > 0, are an explicit client-side rate limit.
	QPS   float32
	Burst int
	// InFlight bounds the requests in flight to one cluster (watches do not count); 0 means
	// DefaultInFlight.
	InFlight int
	// RequestTimeout bounds each request (kubectl's --request-timeout); zero keeps the
	// configuration's own timeout (none, unless a kubeconfig or flag set one).
	RequestTimeout time.Duration
}

// DefaultLimits: no explicit rate limit, DefaultInFlight requests in flight.
var DefaultLimits = Limits{}

// DefaultInFlight is the default bound of requests in flight per cluster.
const DefaultInFlight = 32

// Fallback is the rate toward a server that does not answer with APF headers.
var Fallback = Limits{QPS: 50, Burst: 100}

// The response headers of API Priority and Fairness.
const (
	headerFlowSchema    = "X-Kubernetes-PF-FlowSchema-UID"
	headerPriorityLevel = "X-Kubernetes-PF-PriorityLevel-UID"
)

// Mode is how a cluster's requests are limited.
type Mode int32

const (
	// ModeUnknown: no answer yet; the fallback rate applies.
	ModeUnknown Mode = iota
	// ModeAPF: the server answered with APF headers; no client-side rate limit.
	ModeAPF
	// ModeFallback: the server answered without APF headers; the fallback rate applies.
	ModeFallback
	// ModeExplicit: --qps/--burst.
	ModeExplicit
)

func (m Mode) String() string {
	return [...]string{"unknown", "API Priority and Fairness (no client-side rate limit)", "no API Priority and Fairness (fallback rate limit)", "explicit --qps/--burst"}[m]
}

// flow is one cluster's request flow control, shared by every transport of its client.
type flow struct {
	id       ID
	inFlight chan struct{}
	mode     atomic.Int32
	fallback flowcontrol.RateLimiter
	learnt   sync.Once
}

func (l Limits) apply(id ID, c *rest.Config) *flow {
	n := l.InFlight
	if n <= 0 {
		n = DefaultInFlight
	}
	f := &flow{id: id, inFlight: make(chan struct{}, n)}
	if l.RequestTimeout > 0 {
		c.Timeout = l.RequestTimeout
	}
	if l.QPS > 0 {
		c.QPS, c.Burst = l.QPS, max(l.Burst, 1)
		f.mode.Store(int32(ModeExplicit))
	} else {
		// client-go's own limiter is off; the flow applies the fallback until APF shows.
		c.QPS = -1
		f.fallback = flowcontrol.NewTokenBucketRateLimiter(Fallback.QPS, Fallback.Burst)
	}
	c.Wrap(func(rt http.RoundTripper) http.RoundTripper { return &flowTransport{flow: f, next: rt} })
	return f
}

// Mode reports how the cluster's requests are limited now.
func (f *flow) Mode() Mode { return Mode(f.mode.Load()) }

type flowTransport struct {
	*flow
	next http.RoundTripper
}

func (t *flowTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Query().Get("watch") != "true" {
		select {
		case t.inFlight <- struct{}{}:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
		defer func() { <-t.inFlight }()
	}
	if m := t.Mode(); (m == ModeUnknown || m == ModeFallback) && t.fallback != nil {
		if err := t.fallback.Wait(req.Context()); err != nil {
			return nil, err
		}
	}
	resp, err := t.next.RoundTrip(req)
	if err == nil && t.Mode() != ModeExplicit {
		t.learn(resp.Header)
	}
	return resp, err
}

// WrappedRoundTripper is the transport under the flow control. client-go cancels a request that
// --request-timeout cut short by walking down the transport chain (utilnet.RoundTripperWrapper) to
// one that can; without it, it logs "unable to cancel request" at every verbosity.
func (t *flowTransport) WrappedRoundTripper() http.RoundTripper { return t.next }

// learn sets the mode from the first answer: APF headers lift the fallback rate.
func (f *flow) learn(h http.Header) {
	f.learnt.Do(func() {
		mode := ModeFallback
		if h.Get(headerFlowSchema) != "" || h.Get(headerPriorityLevel) != "" {
			mode = ModeAPF
		}
		f.mode.Store(int32(mode))
		klog.V(4).Infof("cluster %s: %s; at most %d requests in flight", f.id, mode, cap(f.inFlight))
	})
}
