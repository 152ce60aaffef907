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

// Create creates obj unless the strategy is client.
func (w Writer) Create(ctx context.Context, c *cluster.Client, r cluster.Resource, obj map[string]any) error {
	if w.Strategy == Client {
		return nil
	}
	_, err := c.Create(ctx, r, &unstructured.Unstructured{Object: obj}, w.Strategy == Server)
	return err
}

// Annotate sets one annotation with a merge patch (nothing else of the object is touched).
func (w Writer) Annotate(ctx context.Context, c *cluster.Client, r cluster.Resource, namespace, name, key, value string) error {
	if w.Strategy == Client {
		return nil
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{key: value}}})
	if err != nil {
		return err
	}
	return c.MergePatch(ctx, r, namespace, name, patch, w.Strategy == Server)
}
