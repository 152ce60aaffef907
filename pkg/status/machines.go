package status

import (
	"context"
	"fmt"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/source"
)

// lastApplied is kubectl's copy of the applied manifest: dropped from listed Machines (it doubles
// their size and status never reads it).
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// Query says which Machines status shows: Names in Namespace, else every Machine of Namespace (""
// for all namespaces) that Selector matches.
type Query struct {
	Names     []string
	Namespace string
	Selector  string
	// Full keeps each listed Machine's spec, which drift renders; without it a list keeps what
	// resolution and the rows need (metadata, spec.provider, status.phase).
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
	err = sup.List(ctx, cluster.Machines, q.Namespace, q.Selector, func(u *unstructured.Unstructured) error {
		m, err := decode(u, q.Full)
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

// decode keeps what status needs of a listed Machine.
func decode(u *unstructured.Unstructured, full bool) (*vitistackv1alpha1.Machine, error) {
	annotations := u.GetAnnotations()
	delete(annotations, lastApplied)
	phase, _, _ := unstructured.NestedString(u.Object, "status", "phase")
	if !full {
		provider, _, _ := unstructured.NestedString(u.Object, "spec", "provider")
		return &vitistackv1alpha1.Machine{
			ObjectMeta: metav1.ObjectMeta{Name: u.GetName(), Namespace: u.GetNamespace(), Annotations: annotations,
				Labels: u.GetLabels(), CreationTimestamp: u.GetCreationTimestamp(), Finalizers: u.GetFinalizers()},
			Spec:   vitistackv1alpha1.MachineSpec{Provider: vitistackv1alpha1.MachineProviderType(provider)},
			Status: vitistackv1alpha1.MachineStatus{Phase: phase},
		}, nil
	}
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
