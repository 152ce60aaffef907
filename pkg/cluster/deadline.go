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
// It is the one wording of --cluster-timeout, for every cluster and every command: it names the
// cluster, the kubeconfig context it was reached through (when known) and the flag.
type TimeoutError struct {
	Cluster ID
	// Context is the kubeconfig context of the cluster's client; may be empty.
	Context string
	Timeout time.Duration
}

func (e *TimeoutError) Error() string {
	where := "cluster " + e.Cluster.Name
	if e.Context != "" {
		where += fmt.Sprintf(" (context %s)", e.Context)
	}
	return fmt.Sprintf("%s did not answer within --cluster-timeout=%s", where, e.Timeout)
}

// deadline is a client's bound: a budget of time that runs down only while the client has a
// request of its own in flight (or waiting for its in-flight or rate limit), and stands still while
// the client is idle — while the caller waits on other clusters, say. So a cluster's deadline
// measures that cluster, never another one.
type deadline struct {
	timeout time.Duration
	cause   *TimeoutError

	mu     sync.Mutex
	spent  time.Duration // by the busy periods that ended
	active int           // requests in flight
	since  time.Time     // start of the current busy period
}

// enter starts one request: it returns the instant the budget runs out if the client stays busy,
// or false when the budget is spent.
func (d *deadline) enter() (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	spent := d.spent
	if d.active > 0 {
		spent += now.Sub(d.since)
	}
	if spent >= d.timeout {
		return time.Time{}, false
	}
	if d.active == 0 {
		d.since = now
	}
	d.active++
	return now.Add(d.timeout - spent), true
}

// leave ends one request.
func (d *deadline) leave() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.active--
	if d.active == 0 {
		d.spent += time.Since(d.since)
	}
}

// Bound limits all the work done through c (every read and write; not watches, which wait for
// as long as their caller says) to timeout of c's own time: the time during which at least one of
// c's requests is in flight. Time c spends idle, while its caller works with or waits for other
// clusters, does not count. A request still running when the budget is spent is cut short, and
// every later one fails at once, each with a *TimeoutError naming the cluster and c.Context. Zero or
// less leaves c unbounded. Call it before c is shared, after c.Context is set.
func (c *Client) Bound(timeout time.Duration) {
	if timeout <= 0 {
		c.deadline = nil
		return
	}
	c.deadline = &deadline{timeout: timeout, cause: &TimeoutError{Cluster: c.ID, Context: c.Context, Timeout: timeout}}
}

// Fresh is c with a new, unspent deadline of the same length (c itself when unbounded), sharing c's
// connections and rate limits: for a command that repeats its work (status -w), each round gets the
// whole --cluster-timeout.
func (c *Client) Fresh() *Client {
	if c.deadline == nil {
		return c
	}
	u := *c
	u.deadline = &deadline{timeout: c.deadline.timeout, cause: c.deadline.cause}
	return &u
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
	at, ok := d.enter()
	if !ok {
		return d.cause
	}
	defer d.leave()
	ctx, cancel := context.WithDeadlineCause(ctx, at, d.cause)
	defer cancel()
	err := request(ctx)
	if err != nil && errors.Is(context.Cause(ctx), d.cause) {
		return d.cause
	}
	return err
}
