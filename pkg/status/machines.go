package status

import (
	"context"
	"fmt"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/source"
)

// Query says which Machines status shows: Names in Namespace, else every Machine of Namespace (""
// for all namespaces) that Selector matches.
type Query struct {
	Names     []string
	Namespace string
	Selector  string
	// Full keeps each listed Machine's spec, which drift renders; without it a list keeps what
	// resolution and the rows need (source.List).
	Full bool
}

// Machines reads the Machines of a query on the supervisor: one get per name, else one paged list.
// A name that cannot be read is returned in missing and the others are still read; err is a list
// that failed.
func Machines(ctx context.Context, sup *cluster.Client, q Query) (machines []*vitistackv1alpha1.Machine, missing []error, err error) {
	if len(q.Names) > 0 {
		for _, name := range q.Names {
			in, err := source.Load(ctx, sup, source.Request{Names: []string{name}, Namespace: q.Namespace})
			if err != nil {
				missing = append(missing, err)
				continue
			}
			machines = append(machines, in[0].Machine)
		}
		return machines, missing, nil
	}
	if !q.Full {
		machines, err = source.List(ctx, sup, q.Namespace, q.Selector)
		return machines, nil, err
	}
	err = sup.List(ctx, cluster.Machines, q.Namespace, q.Selector, func(u *unstructured.Unstructured) error {
		m, err := decode(u)
		if err != nil {
			return err
		}
		machines = append(machines, m)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("list machines on the supervisor: %w", err)
	}
	return machines, nil, nil
}

// decode keeps what drift needs of a listed Machine: all of it but its managed fields, kubectl's
// last-applied copy and its status other than the phase.
func decode(u *unstructured.Unstructured) (*vitistackv1alpha1.Machine, error) {
	annotations := u.GetAnnotations()
	delete(annotations, source.LastApplied)
	phase, _, _ := unstructured.NestedString(u.Object, "status", "phase")
	u.SetManagedFields(nil)
	u.SetAnnotations(annotations)
	unstructured.RemoveNestedField(u.Object, "status")
	var m vitistackv1alpha1.Machine
	if err := cluster.FromUnstructured(u, &m); err != nil {
		return nil, fmt.Errorf("decode machine %q: %w", u.GetNamespace()+"/"+u.GetName(), err)
	}
	m.Status.Phase = phase
	return &m, nil
}
