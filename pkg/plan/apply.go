package plan

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// Applier carries out the write of one item through the write seam and records the result on the
// item. create, delete and ns-sync all apply through it.
type Applier struct {
	Writer write.Writer
}

// Apply writes it to c, which must be the client of it.Cluster, and returns the write's outcome.
func (a Applier) Apply(ctx context.Context, c *cluster.Client, it *Item, opts ...write.Option) write.Outcome {
	if c == nil || c.ID != it.Cluster {
		err := fmt.Errorf("no client for cluster %s", it.Cluster)
		it.Settle(Failed, err.Error())
		return write.Outcome{Result: write.Failed, Err: err}
	}
	var out write.Outcome
	done, dry := Created, WouldCreate
	switch it.Write {
	case CreateObject:
		out = a.Writer.Create(ctx, c, it.Resource, it.Desired, opts...)
	case AnnotateObject:
		key, value, err := onlyAnnotation(it.Desired)
		if err != nil {
			out = write.Outcome{Result: write.Failed, Err: err}
			break
		}
		out = a.Writer.Annotate(ctx, c, it.Resource, it.Namespace, it.Name, key, value)
		done, dry = Annotated, WouldAnnotate
	case UpdateObject:
		out = a.Writer.Update(ctx, c, it.Resource, it.Desired)
		done, dry = Updated, WouldUpdate
	case PatchObject:
		live := unstructured.Unstructured{Object: it.Live}
		out = a.Writer.Patch(ctx, c, it.Resource, it.Namespace, it.Name, live.GetResourceVersion(), it.Patch)
		done, dry = Updated, WouldUpdate
	case DeleteObject:
		live := unstructured.Unstructured{Object: it.Live}
		out = a.Writer.Delete(ctx, c, it.Resource, it.Namespace, it.Name, write.Preconditions{UID: live.GetUID(), ResourceVersion: live.GetResourceVersion()})
		done, dry = Deleted, WouldDelete
	case NoWrite:
		return write.Outcome{Result: write.Stored}
	}
	switch out.Result {
	case write.Stored:
		it.Settle(done, it.Message)
	case write.WouldStore, write.NoServerDryRun:
		msg := it.Message
		if it.Generated {
			msg += "; not persisted: dry run"
		}
		it.Settle(dry, msg)
	case write.Pending:
		it.Settle(NamespacePending, it.Message)
	case write.Exists:
		// Another run or the operator got there first: the object exists, which is all we want.
		it.Settle(Unchanged, "created meanwhile by someone else")
	case write.Gone:
		it.Settle(NotFound, "deleted meanwhile by someone else")
	case write.Changed:
		why := "changed since it was read; nothing written (run again to see it as it is now)"
		if it.Write == DeleteObject {
			// The preconditions are the uid and resourceVersion the plan read.
			why = "replaced or changed since it was planned; not deleted (run again to plan it as it is now)"
		}
		it.Settle(Failed, fmt.Sprintf("cluster %s: %s: %s", it.Cluster, it.Ref(), why))
	case write.Failed:
		err := out.Err
		if it.Resource == cluster.Machines && it.Write == CreateObject && apierrors.IsNotFound(err) {
			// The plugin never creates supervisor namespaces; say what to do.
			err = fmt.Errorf("namespace %q does not exist on the supervisor (create it first: kubectl create namespace %s)", it.Namespace, it.Namespace)
		}
		it.Settle(Failed, fmt.Sprintf("cluster %s: %s: %v", it.Cluster, it.Ref(), err))
	}
	return out
}

// onlyAnnotation reads the single annotation an AnnotateObject item sets.
func onlyAnnotation(obj map[string]any) (string, string, error) {
	a, _, _ := unstructured.NestedStringMap(obj, "metadata", "annotations")
	if len(a) != 1 {
		return "", "", fmt.Errorf("an annotation item must set exactly one annotation, not %d", len(a))
	}
	for k, v := range a {
		return k, v, nil
	}
	return "", "", nil
}
