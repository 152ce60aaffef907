// Package write is the one place where the plugin writes to a cluster, and the only place that
// reads the dry-run strategy: client sends nothing, server sends every write with dryRun=All, none
// writes. Every write returns an Outcome saying what happened; callers and printers read outcomes,
// never the strategy.
package write

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// Strategy is kubectl's --dry-run strategy.
type Strategy int

const (
	// None writes.
	None Strategy = iota
	// Client sends no write anywhere; reads still happen, to plan.
	Client
	// Server sends every write with dryRun=All.
	Server
)

// String is the flag value.
func (s Strategy) String() string {
	switch s {
	case Client:
		return "client"
	case Server:
		return "server"
	case None:
	}
	return "none"
}

// Parse reads a --dry-run value. "true" is kubectl's deprecated spelling of client; deprecated
// reports it. An empty value is refused, as kubectl refuses it: a script whose variable is unset
// must not write for real.
func Parse(s string) (st Strategy, deprecated bool, ok bool) {
	switch s {
	case "none", "false":
		return None, s == "false", true
	case "client":
		return Client, false, true
	case "true":
		return Client, true, true
	case "server":
		return Server, false, true
	}
	return None, false, false
}

// Result is what one write did.
type Result int

const (
	// Stored: the server stored the write.
	Stored Result = iota
	// WouldStore: a dry run; the write was not sent (client) or the server accepted it with
	// dryRun=All (server).
	WouldStore
	// Pending: a server dry run could not send the write because its namespace was itself only
	// dry-run created; nothing was sent.
	Pending
	// Exists: a create found the object already there (someone else made it meanwhile).
	Exists
	// Gone: a delete found nothing to delete (someone else deleted it meanwhile).
	Gone
	// Changed: an update or delete was refused because the object is no longer the one that was
	// read (its uid or resourceVersion changed); nothing was written.
	Changed
	// Failed: the write failed; Outcome.Err says why.
	Failed
	// NoServerDryRun: a server dry run of a call the server cannot dry-run (a KubeVirt
	// subresource without a dry-run option); nothing was sent.
	NoServerDryRun
)

// Outcome is the result of one write.
type Outcome struct {
	Result Result
	Err    error
	// Object is what the server answered a create with (Stored, or WouldStore in a server dry run).
	Object *unstructured.Unstructured
}

// Writer writes under a strategy. The zero value writes for real, as the field manager
// cluster.DefaultFieldManager.
type Writer struct {
	Strategy Strategy
	// FieldManager names the plugin in managedFields of every object it writes (--field-manager);
	// "" is cluster.DefaultFieldManager.
	FieldManager string
	// Wait waits between retries; nil waits on a real timer. Tests inject their own.
	Wait func(ctx context.Context, d time.Duration) error
}

// DryRun names the dry run for reports: "" when writes are stored, else "client" or "server".
func (w Writer) DryRun() string {
	if w.Strategy == None {
		return ""
	}
	return w.Strategy.String()
}

// Option modifies one write.
type Option int

// InPendingNamespace says the object's namespace was only dry-run created in this run: a server dry
// run cannot see such a namespace, so the write is reported Pending instead of being sent.
const InPendingNamespace Option = 1

// Create creates obj. A transient failure is retried up to Retries times with backoff; after an
// ambiguous one (a timeout or a broken connection: the server may have stored the object) the object
// is looked up first and, when it is there, the write counts as done, so a retry never writes twice.
// Names are fixed, so a duplicate could only surface as AlreadyExists, which is the Exists outcome.
func (w Writer) Create(ctx context.Context, c *cluster.Client, r cluster.Resource, obj map[string]any, opts ...Option) Outcome {
	switch {
	case w.Strategy == Client:
		return Outcome{Result: WouldStore}
	case w.Strategy == Server && has(opts, InPendingNamespace):
		return Outcome{Result: Pending}
	}
	u := &unstructured.Unstructured{Object: obj}
	var answer *unstructured.Unstructured
	err := w.retry(ctx, func() (bool, error) {
		got, err := c.Create(ctx, r, u, w.options())
		if err != nil && ambiguous(err) && w.Strategy == None {
			if live, getErr := c.GetUnstructured(ctx, r, u.GetNamespace(), u.GetName()); getErr == nil {
				answer = live
				return true, nil
			}
		}
		if err == nil {
			answer = got
		}
		return false, err
	})
	if apierrors.IsAlreadyExists(err) {
		return Outcome{Result: Exists}
	}
	out := w.outcome(err)
	out.Object = answer
	return out
}

// Annotate sets one annotation with a merge patch (nothing else of the object is touched). The patch
// is idempotent, so every transient failure is simply retried.
func (w Writer) Annotate(ctx context.Context, c *cluster.Client, r cluster.Resource, namespace, name, key, value string) Outcome {
	if w.Strategy == Client {
		return Outcome{Result: WouldStore}
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{key: value}}})
	if err != nil {
		return Outcome{Result: Failed, Err: err}
	}
	return w.outcome(w.retry(ctx, func() (bool, error) {
		return false, c.MergePatch(ctx, r, namespace, name, patch, w.options())
	}))
}

// Update replaces obj, whose metadata.resourceVersion is the one read: when the object changed since,
// nothing is written and the outcome is Changed. Transient failures are retried.
func (w Writer) Update(ctx context.Context, c *cluster.Client, r cluster.Resource, obj map[string]any) Outcome {
	if w.Strategy == Client {
		return Outcome{Result: WouldStore}
	}
	err := w.retry(ctx, func() (bool, error) {
		_, err := c.Update(ctx, r, obj, w.options())
		return false, err
	})
	if apierrors.IsConflict(err) {
		return Outcome{Result: Changed, Err: err}
	}
	return w.outcome(err)
}

// Preconditions say which object a delete may delete: the one with this uid and resourceVersion.
type Preconditions struct {
	UID             types.UID
	ResourceVersion string
}

// Delete deletes one object under preconditions: an object replaced or changed since it was read is
// not deleted (Changed). An object already gone is Gone. After an ambiguous failure the object is
// looked up: when it is gone, the delete counts as done.
func (w Writer) Delete(ctx context.Context, c *cluster.Client, r cluster.Resource, namespace, name string, pre Preconditions) Outcome {
	if w.Strategy == Client {
		return Outcome{Result: WouldStore}
	}
	err := w.retry(ctx, func() (bool, error) {
		err := c.Delete(ctx, r, namespace, name, pre.UID, pre.ResourceVersion, w.options())
		if err != nil && ambiguous(err) && w.Strategy == None {
			if _, getErr := c.GetUnstructured(ctx, r, namespace, name); apierrors.IsNotFound(getErr) {
				return true, nil
			}
		}
		return false, err
	})
	switch {
	case apierrors.IsNotFound(err):
		return Outcome{Result: Gone}
	case apierrors.IsConflict(err):
		return Outcome{Result: Changed, Err: err}
	}
	return w.outcome(err)
}

// options are the options of every write the writer sends.
func (w Writer) options() cluster.WriteOptions {
	return cluster.WriteOptions{DryRun: w.Strategy == Server, FieldManager: w.FieldManager}
}

func (w Writer) outcome(err error) Outcome {
	switch {
	case err != nil:
		return Outcome{Result: Failed, Err: err}
	case w.Strategy == None:
		return Outcome{Result: Stored}
	}
	return Outcome{Result: WouldStore}
}

// retry runs try until it succeeds, reports done, fails for good, or runs out of retries.
func (w Writer) retry(ctx context.Context, try func() (done bool, err error)) error {
	for attempt := 0; ; attempt++ {
		done, err := try()
		if done || err == nil || !retryable(err) || attempt == Retries || ctx.Err() != nil {
			if done {
				return nil
			}
			return err
		}
		if err := w.wait(ctx, backoff(attempt)); err != nil {
			return err
		}
	}
}

func (w Writer) wait(ctx context.Context, d time.Duration) error {
	if w.Wait != nil {
		return w.Wait(ctx, d)
	}
	return sleep(ctx, d)
}

func has(opts []Option, o Option) bool {
	for _, x := range opts {
		if x == o {
			return true
		}
	}
	return false
}

// Patch sends a JSON merge patch that carries resourceVersion, the one read, in its metadata: the
// server applies it only to that version of the object, so a change made since it was read is never
// overwritten (Changed). Only throttling is retried: after an ambiguous failure the patch may have
// been stored, and a retry would then be refused as Changed, which would be untrue.
func (w Writer) Patch(ctx context.Context, c *cluster.Client, r cluster.Resource, namespace, name, resourceVersion string, patch map[string]any) Outcome {
	if w.Strategy == Client {
		return Outcome{Result: WouldStore}
	}
	if resourceVersion == "" {
		return Outcome{Result: Failed, Err: errors.New("a patch needs the resourceVersion it was planned against")}
	}
	body := map[string]any{}
	for k, v := range patch {
		body[k] = v
	}
	meta, _ := body["metadata"].(map[string]any)
	withRV := map[string]any{"resourceVersion": resourceVersion}
	for k, v := range meta {
		withRV[k] = v
	}
	body["metadata"] = withRV
	data, err := json.Marshal(body)
	if err != nil {
		return Outcome{Result: Failed, Err: err}
	}
	for attempt := 0; ; attempt++ {
		err = c.MergePatch(ctx, r, namespace, name, data, w.options())
		if err == nil || !apierrors.IsTooManyRequests(err) || attempt == Retries || ctx.Err() != nil {
			break
		}
		if err := w.wait(ctx, backoff(attempt)); err != nil {
			return Outcome{Result: Failed, Err: err}
		}
	}
	if apierrors.IsConflict(err) {
		return Outcome{Result: Changed, Err: err}
	}
	return w.outcome(err)
}
