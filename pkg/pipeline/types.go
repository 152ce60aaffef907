// Package pipeline provisions Machines on their remote clusters: it plans every Machine first (all
// reads, all validation, no writes) and then applies the plans in order: the Machine on the
// supervisor when it came from a file, the namespace, the PVCs, the VirtualMachine. Existing objects
// are never updated and nothing is ever deleted.
package pipeline

import (
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// Action is what happened, or would happen, to one object.
type Action string

// Actions, as printed.
const (
	Created          Action = "created"
	WouldCreate      Action = "would create"
	NamespacePending Action = "would create (namespace pending)"
	Unchanged        Action = "unchanged"
	Differs          Action = "exists (differs)"
	Annotated        Action = "annotated"
	WouldAnnotate    Action = "would annotate"
	Skipped          Action = "skipped"
	Failed           Action = "error"
)

// Changes reports whether the action is (or would be) a write.
func (a Action) Changes() bool {
	switch a {
	case Created, WouldCreate, NamespacePending, Annotated, WouldAnnotate:
		return true
	}
	return false
}

// Item is one object of a plan: what the pipeline wants, what is live, and the outcome.
type Item struct {
	// Cluster is "supervisor" or the remote cluster's name.
	Cluster   string
	Resource  cluster.Resource
	Namespace string
	Name      string
	Action    Action
	// Message explains skips and errors.
	Message string
	// Desired is the object the pipeline would create; Live the object on the cluster (nil when absent).
	Desired map[string]any
	Live    map[string]any

	create bool // apply must create it
}

// Ref is "kind.group/name", as kubectl prints objects.
func (i *Item) Ref() string { return i.Resource.Ref(i.Name) }

// Summary counts the outcomes of a run.
type Summary struct {
	Created, Unchanged, Differs, Skipped, Failed int
}
