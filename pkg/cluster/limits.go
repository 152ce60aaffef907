package cluster

import (
	"time"

	"k8s.io/client-go/rest"
)

// Limits are the client-side limits set on purpose for every cluster: the request rate and, per
// request, a timeout.
type Limits struct {
	QPS   float32
	Burst int
	// RequestTimeout bounds each request (kubectl's --request-timeout); zero keeps the
	// configuration's own timeout (none, unless a kubeconfig or flag set one).
	RequestTimeout time.Duration
}

// DefaultLimits are used when the flags do not say otherwise.
var DefaultLimits = Limits{QPS: 50, Burst: 100}

func (l Limits) apply(c *rest.Config) {
	if l.QPS == 0 && l.Burst == 0 {
		l.QPS, l.Burst = DefaultLimits.QPS, DefaultLimits.Burst
	}
	c.QPS, c.Burst = l.QPS, l.Burst
	if l.RequestTimeout > 0 {
		c.Timeout = l.RequestTimeout
	}
}
