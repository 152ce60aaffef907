package pipeline

import (
	"context"
	"encoding/json"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// Writer is the one place where the plugin writes to a cluster, and the only place that consults the
// dry-run strategy: client sends nothing, server sends every write with dryRun=All, none writes.
type Writer struct {
	DryRun DryRun
}

// Create creates obj unless the strategy is client. It returns whether a request was sent.
func (w Writer) Create(ctx context.Context, c *cluster.Client, r cluster.Resource, obj map[string]any) (sent bool, err error) {
	if w.DryRun == DryRunClient {
		return false, nil
	}
	_, err = c.Create(ctx, r, &unstructured.Unstructured{Object: obj}, w.DryRun == DryRunServer)
	return true, err
}

// Annotate sets one annotation with a merge patch (nothing else of the object is touched).
func (w Writer) Annotate(ctx context.Context, c *cluster.Client, r cluster.Resource, namespace, name, key, value string) error {
	if w.DryRun == DryRunClient {
		return nil
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{key: value}}})
	if err != nil {
		return err
	}
	return c.MergePatch(ctx, r, namespace, name, patch, w.DryRun == DryRunServer)
}
