// Package source reads the Machines a command works on: from files, folders and standard input
// (through package manifest), by name from the supervisor, or by listing the supervisor.
package source

import (
	"context"
	"fmt"
	"io"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/manifest"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
)

// Request says where the Machines come from: Files, else Names, else a list of the supervisor by
// Selector and/or AllNamespaces.
type Request struct {
	// Files are -f arguments: files, folders or "-" for Stdin.
	Files []string
	Stdin io.Reader
	// Recursive reads the subfolders of folders in Files (-R).
	Recursive bool
	// Names are Machines on the supervisor.
	Names []string
	// Selector is a label selector (-l). Without Files and Names, the Machines of Namespace (of all
	// namespaces with AllNamespaces) that match it are listed; with Files, only the file Machines
	// that match it are kept, as kubectl apply -f -l does.
	Selector string
	// AllNamespaces (-A) lists the Machines of every namespace.
	AllNamespaces bool
	// Namespace is the namespace of named Machines, of listed ones, and of file Machines that name none.
	Namespace string
	// ExplicitNamespace is true when -n was given: a file Machine in another namespace is refused.
	ExplicitNamespace bool
	// Note, when set, is told what was left out and why: files and folders skipped, Machines given
	// twice.
	Note func(string)
}

// Load reads the Machines of a request. Machines from files are decoded and checked completely
// before anything else happens; any error refuses the whole input. A Machine given twice is read
// once (with a note) when both are the same, and refused, naming both origins, when they differ.
func Load(ctx context.Context, sup *cluster.Client, req Request) ([]plan.Input, error) {
	sel, err := labels.Parse(req.Selector)
	if err != nil {
		return nil, fmt.Errorf("-l %q: %w", req.Selector, err)
	}
	var inputs []plan.Input
	switch {
	case len(req.Files) > 0:
		inputs, err = fromFiles(ctx, req, sel)
	case len(req.Names) > 0:
		inputs, err = byName(ctx, sup, req)
	case req.Selector != "" || req.AllNamespaces:
		inputs, err = listed(ctx, sup, req)
	}
	if err != nil {
		return nil, err
	}
	return once(inputs, req.note)
}

func (req Request) note(msg string) {
	if req.Note != nil {
		req.Note(msg)
	}
}

func byName(ctx context.Context, sup *cluster.Client, req Request) ([]plan.Input, error) {
	inputs := make([]plan.Input, 0, len(req.Names))
	for _, name := range req.Names {
		var m vitistackv1alpha1.Machine
		if err := sup.Get(ctx, cluster.Machines, req.Namespace, name, &m); err != nil {
			if apierrors.IsNotFound(err) && !cluster.IsNotServed(err) {
				return nil, fmt.Errorf("machine %q not found on the supervisor in namespace %q", name, req.Namespace)
			}
			return nil, fmt.Errorf("get machine %q: %w", req.Namespace+"/"+name, err)
		}
		inputs = append(inputs, plan.Input{Machine: &m})
	}
	return inputs, nil
}

// listed lists the Machines of the request's namespace (all with AllNamespaces) that match its
// selector, whole, with one paged list.
func listed(ctx context.Context, sup *cluster.Client, req Request) ([]plan.Input, error) {
	ns := req.Namespace
	if req.AllNamespaces {
		ns = ""
	}
	var inputs []plan.Input
	err := sup.List(ctx, cluster.Machines, ns, req.Selector, func(u *unstructured.Unstructured) error {
		var m vitistackv1alpha1.Machine
		if err := cluster.FromUnstructured(u, &m); err != nil {
			return fmt.Errorf("decode machine %q: %w", u.GetNamespace()+"/"+u.GetName(), err)
		}
		inputs = append(inputs, plan.Input{Machine: &m})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list machines on the supervisor: %w", err)
	}
	return inputs, nil
}

func fromFiles(ctx context.Context, req Request, sel labels.Selector) ([]plan.Input, error) {
	ms, err := manifest.Reader{Stdin: req.Stdin, Recursive: req.Recursive, Note: req.Note}.Read(ctx, req.Files)
	if err != nil {
		return nil, err
	}
	inputs := make([]plan.Input, 0, len(ms))
	for _, m := range ms {
		switch {
		case m.Machine.Namespace == "":
			m.SetNamespace(req.Namespace)
		case req.ExplicitNamespace && m.Machine.Namespace != req.Namespace:
			return nil, fmt.Errorf("%s: the namespace of Machine %q is %q, not %q (pass --namespace=%s or remove -n)", m.Origin, m.Machine.Name, m.Machine.Namespace, req.Namespace, m.Machine.Namespace)
		}
		if !sel.Matches(labels.Set(m.Machine.Labels)) {
			continue
		}
		inputs = append(inputs, plan.Input{Machine: m.Machine, Object: m.Object, FromFile: true, Origin: m.Origin})
	}
	return inputs, nil
}

// LastApplied is kubectl's copy of the applied manifest: dropped from listed Machines (it doubles
// their size and nothing that lists them reads it).
const LastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// List lists the Machines of a namespace ("" means all namespaces) with one paged list, keeping
// only their name, namespace, labels, annotations (all but LastApplied), creation time, provider and
// status.phase: what resolution, grouping and status's rows need, and little memory for thousands
// of Machines.
func List(ctx context.Context, sup *cluster.Client, namespace, selector string) ([]*vitistackv1alpha1.Machine, error) {
	var out []*vitistackv1alpha1.Machine
	err := sup.List(ctx, cluster.Machines, namespace, selector, func(u *unstructured.Unstructured) error {
		annotations := u.GetAnnotations()
		delete(annotations, LastApplied)
		provider, _, _ := unstructured.NestedString(u.Object, "spec", "provider")
		phase, _, _ := unstructured.NestedString(u.Object, "status", "phase")
		out = append(out, &vitistackv1alpha1.Machine{
			ObjectMeta: metav1.ObjectMeta{Name: u.GetName(), Namespace: u.GetNamespace(), Annotations: annotations, Labels: u.GetLabels(),
				CreationTimestamp: u.GetCreationTimestamp()},
			Spec:   vitistackv1alpha1.MachineSpec{Provider: vitistackv1alpha1.MachineProviderType(provider)},
			Status: vitistackv1alpha1.MachineStatus{Phase: phase},
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list machines on the supervisor: %w", err)
	}
	return out, nil
}
