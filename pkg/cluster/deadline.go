package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// TimeoutError is the error of every request made through a bounded client (Bound) that its
// deadline cut short or that came after the deadline: the cluster did not finish its work in time.
// Its message leaves the cluster's name to the caller's prefix ("cluster kv-a: list ...: the
// cluster did not answer ..."); Cluster names it for callers that need it.
type TimeoutError struct {
	Cluster ID
	Timeout time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("the cluster did not answer within --cluster-timeout=%s", e.Timeout)
}

// deadline is a client's bound: it starts at the first request and ends Timeout later.
type deadline struct {
	timeout time.Duration
	once    sync.Once
	at      time.Time
	cause   *TimeoutError
}

func (d *deadline) start() time.Time {
	d.once.Do(func() { d.at = time.Now().Add(d.timeout) })
	return d.at
}

// Bound limits all the work done through c (every read and write; not watches, which wait for
// as long as their caller says) to timeout from c's first request: a request still running then is
// cut short, and every later one fails at once, each with a *TimeoutError naming the cluster.
// Zero or less leaves c unbounded. Call it before c is shared.
func (c *Client) Bound(timeout time.Duration) {
	if timeout <= 0 {
		c.deadline = nil
		return
	}
	c.deadline = &deadline{timeout: timeout, cause: &TimeoutError{Cluster: c.ID, Timeout: timeout}}
}

// Unbounded is c without its deadline, for work the deadline does not cover (waiting): it shares
// c's connections and rate limits.
func (c *Client) Unbounded() *Client {
	u := *c
	u.deadline = nil
	return &u
}

// do runs one request under c's deadline.
func (c *Client) do(ctx context.Context, request func(context.Context) error) error {
	d := c.deadline
	if d == nil {
		return request(ctx)
	}
	at := d.start()
	if !time.Now().Before(at) {
		return d.cause
	}
	ctx, cancel := context.WithDeadlineCause(ctx, at, d.cause)
	defer cancel()
	err := request(ctx)
	if err != nil && errors.Is(context.Cause(ctx), d.cause) {
		return d.cause
	}
	return err
}
