package cluster

import "k8s.io/client-go/rest"

// Limits are the client-side rate limits set on purpose for every cluster.
type Limits struct {
	QPS   float32
	Burst int
}

// DefaultLimits are used when the flags do not say otherwise.
var DefaultLimits = Limits{QPS: 50, Burst: 100}

func (l Limits) apply(c *rest.Config) {
	if l == (Limits{}) {
		l = DefaultLimits
	}
	c.QPS, c.Burst = l.QPS, l.Burst
}
