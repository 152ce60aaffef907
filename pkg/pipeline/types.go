// Package pipeline provisions Machines on their remote clusters: it plans every Machine first (all
// reads, all validation, no writes) and then applies the plans in order: the Machine on the
// supervisor when it came from a file, the namespace, the PVCs, the VirtualMachine. Existing objects
// are never updated and nothing is ever deleted.
//
// Its vocabulary (actions, items, summaries) and its namespace step are shared with ns-sync.
package pipeline

import (
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// Action is what happened, or would happen, to one object. It is the one vocabulary of every
// report: create's, diff's and ns-sync's.
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
	Updated          Action = "updated"
	WouldUpdate      Action = "would update"
	Deleted          Action = "deleted"
	WouldDelete      Action = "would delete"
	// NotFound: an object delete would remove is not there (deleted meanwhile, or never made).
	NotFound Action = "not found"
	// Kept: an object delete leaves alone (not the plugin's, another Machine's, still in use).
	Kept        Action = "kept"
	Skipped     Action = "skipped"
	Terminating Action = "terminating"
	Failed      Action = "error"
	// Exists is Unchanged as ns-sync words it: its rows are namespaces, which are never compared,
	// only found.
	Exists Action = "exists"
)

// Changes reports whether the action is (or would be) a write.
func (a Action) Changes() bool {
	switch a {
	case Created, WouldCreate, NamespacePending, Annotated, WouldAnnotate, Updated, WouldUpdate, Deleted, WouldDelete:
		return true
	}
	return false
}

// Write is the write an item asks for.
type Write int

const (
	// NoWrite: the object is only compared (it exists, or the plan refused it).
	NoWrite Write = iota
	// CreateObject creates Desired when absent.
	CreateObject
	// AnnotateObject sets the one annotation in Desired's metadata with a merge patch.
	AnnotateObject
	// UpdateObject replaces Live by Desired, which carries Live's resourceVersion: an object changed
	// since it was read is not written.
	UpdateObject
	// DeleteObject deletes Live, under its uid and resourceVersion as preconditions.
	DeleteObject
	// PatchObject sends Patch as a merge patch under Live's resourceVersion: an object changed since
	// it was read is not written. Desired is Live with the patch applied, for diffs.
	PatchObject
)

// Item is one object of a plan: what the pipeline wants, what is live, what the plan decided and,
// after Apply, what happened. Apply never changes the plan's decision, so a diff printed after
// Apply shows the plan.
type Item struct {
	// Cluster is the cluster the object lives on; writes go to the client of exactly this ID.
	Cluster   cluster.ID
	Resource  cluster.Resource
	Namespace string
	Name      string
	// Write is what Apply does for the item.
	Write Write
	// Action is the plan's decision; Message explains skips and errors.
	Action  Action
	Message string
	// Result and ResultMessage are what Apply did; empty until then, and for items Apply does not
	// write.
	Result        Action
	ResultMessage string
	// Desired is the object the pipeline would create; Live the object on the cluster (nil when absent).
	Desired map[string]any
	Live    map[string]any
	// Patch is the merge patch of a PatchObject item.
	Patch map[string]any
}

// Ref is "kind.group/name", as kubectl prints objects.
func (i *Item) Ref() string { return i.Resource.Ref(i.Name) }

// Final is the outcome to report: Apply's result when there is one, else the plan's decision.
func (i *Item) Final() (Action, string) {
	if i.Result != "" {
		return i.Result, i.ResultMessage
	}
	return i.Action, i.Message
}

func (i *Item) settle(a Action, msg string) { i.Result, i.ResultMessage = a, msg }

// Summary counts the outcomes of a run. DryRun is "" when writes were stored, else the dry-run mode.
type Summary struct {
	Created, Updated, Unchanged, Differs, Skipped, Terminating, Failed int
	Deleted, NotFound, Kept                                            int
	DryRun                                                             string
}

// Bad reports whether anything failed or cannot go on (a terminating namespace).
func (s Summary) Bad() bool { return s.Failed > 0 || s.Terminating > 0 }

// Add counts one final action.
func (s *Summary) Add(a Action) {
	switch a {
	case Created, WouldCreate, NamespacePending:
		s.Created++
	case Updated, WouldUpdate:
		s.Updated++
	case Deleted, WouldDelete:
		s.Deleted++
	case NotFound:
		s.NotFound++
	case Kept:
		s.Kept++
	case Unchanged, Exists:
		s.Unchanged++
	case Differs:
		s.Differs++
	case Skipped:
		s.Skipped++
	case Terminating:
		s.Terminating++
	case Failed:
		s.Failed++
	}
}
