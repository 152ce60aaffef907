// Package write is the one place where the plugin writes to a cluster, and the only place that
// consults the dry-run strategy: client sends nothing, server sends every write with dryRun=All,
// none writes. Every command's writes go through a Writer.
package write

import (
	"context"
	"encoding/json"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

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
	}
	return "none"
}

// Parse reads a --dry-run value.
func Parse(s string) (Strategy, bool) {
	switch s {
	case "none", "":
		return None, true
	case "client":
		return Client, true
	case "server":
		return Server, true
	}
	return None, false
}

// Writer writes under a strategy.
type Writer struct {
	Strategy Strategy
}

// DryRun reports whether nothing is stored.
func (w Writer) DryRun() bool { return w.Strategy != None }

// Create creates obj unless the strategy is client. A transient failure is retried up to Retries
// times with backoff; after an ambiguous one (a timeout or a broken connection: the server may have
// stored the object) the object is looked up first and, when it is there, the write counts as done,
// so a retry never writes twice. Names are fixed, so a duplicate could only surface as AlreadyExists.
func (w Writer) Create(ctx context.Context, c *cluster.Client, r cluster.Resource, obj map[string]any) error {
	if w.Strategy == Client {
		return nil
	}
	u := &unstructured.Unstructured{Object: obj}
	for attempt := 0; ; attempt++ {
		_, err := c.Create(ctx, r, u, w.Strategy == Server)
		if err == nil || !retryable(err) || attempt == Retries || ctx.Err() != nil {
			return err
		}
		if ambiguous(err) && w.Strategy == None {
			if _, getErr := c.GetUnstructured(ctx, r, u.GetNamespace(), u.GetName()); getErr == nil {
				return nil
			}
		}
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return err
		}
	}
}

// Annotate sets one annotation with a merge patch (nothing else of the object is touched). The patch
// is idempotent, so every transient failure is simply retried.
func (w Writer) Annotate(ctx context.Context, c *cluster.Client, r cluster.Resource, namespace, name, key, value string) error {
	if w.Strategy == Client {
		return nil
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{key: value}}})
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		err := c.MergePatch(ctx, r, namespace, name, patch, w.Strategy == Server)
		if err == nil || !retryable(err) || attempt == Retries || ctx.Err() != nil {
			return err
		}
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return err
		}
	}
}
