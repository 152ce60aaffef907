package pipeline

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/diff"
)

// Objects is what -o prints: the objects the plans create or update (or would), in plan order: the
// Machine when it came from a file and was absent, the NetworkConfiguration, then namespace,
// NetworkAttachmentDefinition, PVCs, cloud-init Secret and VirtualMachine. Objects that exist
// already unchanged, and objects the duplicate guard held back, are left out, so that applying the
// List never changes an existing object but the NetworkConfiguration the plan updates, nor makes a
// second VM for a Machine. Secret-like values are masked (see docs/security.md).
func Objects(plans []*Plan) (objects []map[string]any, refs []string) {
	for _, pl := range plans {
		if pl.Err != nil || pl.SkipReason != "" {
			continue
		}
		for _, it := range pl.Items {
			switch a, _ := it.Final(); a {
			case Created, WouldCreate, NamespacePending, Updated, WouldUpdate:
				objects = append(objects, withoutUnknownOwners(diff.Mask(it.Desired)))
				refs = append(refs, it.Ref())
			}
		}
	}
	return objects, refs
}

// Diffs are the diffs of the plans as planned: every object that would be written, and every
// object that differs from what create would write. Existing namespaces are never touched, so they
// never show.
func Diffs(plans []*Plan) []diff.Pair {
	var out []diff.Pair
	for _, pl := range plans {
		if pl.Err != nil || pl.SkipReason != "" {
			continue
		}
		for _, it := range pl.Items {
			switch it.Action {
			case WouldAnnotate, WouldCreate, WouldUpdate, Differs:
				out = append(out, diff.Pair{Name: it.Cluster.Name + "/" + it.Ref(), Desired: it.Desired, Live: it.Live})
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
