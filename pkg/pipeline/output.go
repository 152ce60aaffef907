package pipeline

import (
	"reflect"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/diff"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
)

// The annotations every object of -o carries: the name of the cluster it belongs on (as reports
// name it) and that cluster's role, "supervisor" or "remote" (a remote may be called "supervisor").
// They are the plugin's own keys, under a domain it owns; `kubectl apply` keeps them on the objects
// it applies, where they are harmless.
const (
	ClusterAnnotation     = "kubectl-vitimachine.vitistack.io/cluster"
	ClusterRoleAnnotation = "kubectl-vitimachine.vitistack.io/cluster-role"
)

// Objects is what -o prints: the objects the plans create or update (or would), in plan order: the
// Machine when it came from a file and was absent, the NetworkConfiguration, then namespace,
// NetworkAttachmentDefinition, PVCs, cloud-init Secret and VirtualMachine, each annotated with its
// cluster (ClusterAnnotation, ClusterRoleAnnotation), so that a List mixing the supervisor and
// remote clusters can be split and applied to the right ones. Objects that exist already
// unchanged, and objects the duplicate guard held back, are left out, so that applying the List
// never changes an existing object but the NetworkConfiguration the plan updates, nor makes a
// second VM for a Machine.
//
// The objects are printed as they would be stored: the cloud-init Secret carries its real
// (base64) data and the Machine its cloud-init, as `kubectl create -o yaml` prints a Secret, so
// that the List can be applied. Masking stays where kubectl masks: the report, --diff and logs
// (see docs/security.md). HoldSecrets tells when the objects carry such values.
func Objects(plans []*Plan) (objects []map[string]any, refs []string) {
	for _, pl := range plans {
		if pl.Err != nil || pl.SkipReason != "" {
			continue
		}
		for _, it := range pl.Items {
			switch a, _ := it.Final(); a {
			case plan.Created, plan.WouldCreate, plan.NamespacePending, plan.Updated, plan.WouldUpdate:
				obj := withoutUnknownOwners(deepCopy(it.Desired))
				setAnnotation(obj, ClusterAnnotation, it.Cluster.Name)
				setAnnotation(obj, ClusterRoleAnnotation, it.Cluster.Role.String())
				objects = append(objects, obj)
				refs = append(refs, it.Ref())
			case plan.NoAction, plan.Unchanged, plan.Differs, plan.Annotated, plan.WouldAnnotate, plan.Deleted, plan.WouldDelete,
				plan.NotFound, plan.Kept, plan.Skipped, plan.Terminating, plan.Failed, plan.Exists:
				// Not written, or not an object to print (an annotation, a deletion).
			}
		}
	}
	return objects, refs
}

// HoldSecrets reports whether any of objects carries a value --diff would mask: Secret data or
// cloud-init data.
func HoldSecrets(objects []map[string]any) bool {
	for _, o := range objects {
		if !reflect.DeepEqual(diff.Mask(o), o) {
			return true
		}
	}
	return false
}

// deepCopy copies an object's maps and lists, so that annotating the copy leaves the plan's object
// as it is.
func deepCopy(obj map[string]any) map[string]any {
	return copyValue(obj).(map[string]any)
}

func copyValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = copyValue(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = copyValue(x)
		}
		return out
	}
	return v
}

// Diffs are the diffs of the plans as planned: every object that would be written, every object
// that differs from what create would write, and every object delete would delete (the whole live
// object going away: delete's items have no Desired). Existing namespaces are never touched, so
// they never show.
func Diffs(plans []*Plan) []diff.Pair {
	var out []diff.Pair
	for _, pl := range plans {
		if pl.Err != nil || pl.SkipReason != "" {
			continue
		}
		for _, it := range pl.Items {
			switch it.Action {
			case plan.WouldAnnotate, plan.WouldCreate, plan.WouldUpdate, plan.Differs, plan.WouldDelete:
				out = append(out, diff.Pair{Cluster: it.Cluster.Name, Name: diff.KubectlName(it.Resource.APIVersion(), it.Resource.Kind, it.Namespace, it.Name),
					Desired: it.Desired, Live: it.Live})
			case plan.NoAction, plan.Created, plan.NamespacePending, plan.Unchanged, plan.Annotated, plan.Updated, plan.Deleted,
				plan.NotFound, plan.Kept, plan.Skipped, plan.Terminating, plan.Failed, plan.Exists:
				// Nothing planned to change (a namespace pending is created with its namespace).
			}
		}
	}
	return out
}

// withoutUnknownOwners drops owner references whose uid is not known yet (the owner is a Machine this
// run only would create): the API server refuses them, so a List holding them could not be applied.
func withoutUnknownOwners(obj map[string]any) map[string]any {
	u := unstructured.Unstructured{Object: obj}
	refs := u.GetOwnerReferences()
	if len(refs) == 0 {
		return obj
	}
	kept := refs[:0]
	for _, r := range refs {
		if r.UID != "" {
			kept = append(kept, r)
		}
	}
	u.SetOwnerReferences(kept)
	return u.Object
}
