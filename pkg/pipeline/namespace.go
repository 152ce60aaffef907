package pipeline

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
)

// The namespace step, shared by create and ns-sync: a remote namespace that exists is never
// touched, whatever its labels; a missing one is created with the managed-by label only; a
// terminating one stops everything that needs it. Nothing is ever deleted.

// IsTerminating reports whether a live namespace is being deleted: its phase says Terminating, or
// it carries a deletionTimestamp (the phase follows a moment later).
func IsTerminating(ns *unstructured.Unstructured) bool {
	phase, _, _ := unstructured.NestedString(ns.Object, "status", "phase")
	return phase == string(corev1.NamespaceTerminating) || ns.GetDeletionTimestamp() != nil
}

// TerminatingMessage says why nothing can be created in a terminating namespace, and what to do.
const TerminatingMessage = "namespace is being deleted; nothing can be created in it (wait until it is gone, then run again)"

// PlanNamespace plans the namespace name on cluster id from its live state (nil: missing). The item
// is WouldCreate (with the managed-by label of opts), Unchanged, or Terminating.
func PlanNamespace(id cluster.ID, name string, live *unstructured.Unstructured, opts render.Options) (*plan.Item, error) {
	it, err := newItem(id, cluster.Namespaces, render.NewNamespace(name, opts))
	if err != nil {
		return nil, err
	}
	switch {
	case live == nil:
		it.Action, it.Write = plan.WouldCreate, plan.CreateObject
	case IsTerminating(live):
		it.Live, it.Action, it.Message = live.Object, plan.Terminating, TerminatingMessage
	default:
		it.Live, it.Action = live.Object, plan.Unchanged
	}
	return it, nil
}
