// Package plan is the vocabulary every command that acts on Machines shares: the Input it is given,
// the Items of a plan with their typed Action and Write, how an Applier carries an item out through
// the write seam, and the Summary of a run. It knows nothing of how a plan is made (package
// pipeline for create and diff, deletion for delete, nssync for ns-sync).
package plan

import (
	"fmt"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// Input is one Machine to act on, with where it came from.
type Input struct {
	Machine *vitistackv1alpha1.Machine
	// FromFile is true when the Machine came from -f: it is created on the supervisor when absent.
	FromFile bool
	// Origin names the file and document, for messages.
	Origin string
	// Object is the Machine as its file has it; with FromFile, it is what is created and compared.
	Object map[string]any
}

// Action is what happened, or would happen, to one object. It is the one vocabulary of every
// report: create's, diff's, delete's and ns-sync's. The zero value is NoAction: nothing decided
// (an item's Result before Apply).
type Action int

// Actions. Their words (String) are what reports print.
const (
	NoAction Action = iota
	Created
	WouldCreate
	// NamespacePending: would be created in a namespace a dry run would create.
	NamespacePending
	Unchanged
	Differs
	Annotated
	WouldAnnotate
	Updated
	WouldUpdate
	Deleted
	WouldDelete
	// NotFound: an object delete would remove is not there (deleted meanwhile, or never made).
	NotFound
	// Kept: an object delete leaves alone (not the plugin's, another Machine's, still in use).
	Kept
	Skipped
	Terminating
	Failed
	// Exists is Unchanged as ns-sync words it: its rows are namespaces, which are never compared,
	// only found.
	Exists
)

// String is the action as reports print it.
func (a Action) String() string {
	switch a {
	case NoAction:
		return ""
	case Created:
		return "created"
	case WouldCreate:
		return "would create"
	case NamespacePending:
		return "would create (namespace pending)"
	case Unchanged:
		return "unchanged"
	case Differs:
		return "exists (differs)"
	case Annotated:
		return "annotated"
	case WouldAnnotate:
		return "would annotate"
	case Updated:
		return "updated"
	case WouldUpdate:
		return "would update"
	case Deleted:
		return "deleted"
	case WouldDelete:
		return "would delete"
	case NotFound:
		return "not found"
	case Kept:
		return "kept"
	case Skipped:
		return "skipped"
	case Terminating:
		return "terminating"
	case Failed:
		return "error"
	case Exists:
		return "exists"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// MarshalText writes the action as its word, so that JSON and YAML reports carry words.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// Changes reports whether the action is (or would be) a write.
func (a Action) Changes() bool {
	switch a {
	case Created, WouldCreate, NamespacePending, Annotated, WouldAnnotate, Updated, WouldUpdate, Deleted, WouldDelete:
		return true
	case NoAction, Unchanged, Differs, NotFound, Kept, Skipped, Terminating, Failed, Exists:
		return false
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

// Item is one object of a plan: what the command wants, what is live, what the plan decided and,
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
	// Generated says that Desired carries a value the plan generated (a MAC address), which only a
	// stored write keeps: a dry run's report says it is not persisted.
	Generated bool
	// Result and ResultMessage are what Apply did; NoAction until then, and for items Apply does
	// not write.
	Result        Action
	ResultMessage string
	// Desired is the object the command would write; Live the object on the cluster (nil when absent).
	Desired map[string]any
	Live    map[string]any
	// Patch is the merge patch of a PatchObject item.
	Patch map[string]any
}

// Ref is "kind.group/name", as kubectl prints objects.
func (i *Item) Ref() string { return i.Resource.Ref(i.Name) }

// Final is the outcome to report: Apply's result when there is one, else the plan's decision.
func (i *Item) Final() (Action, string) {
	if i.Result != NoAction {
		return i.Result, i.ResultMessage
	}
	return i.Action, i.Message
}

// Settle records what Apply did.
func (i *Item) Settle(a Action, msg string) { i.Result, i.ResultMessage = a, msg }

// Summary counts the outcomes of a run, one count per kind of action (Exists counts as Unchanged,
// a dry run's "would …" as the action it would be). DryRun is "" when writes were stored, else the
// dry-run mode.
type Summary struct {
	Created, Annotated, Updated, Unchanged, Differs, Skipped, Terminating, Failed int
	Deleted, NotFound, Kept                                                       int
	DryRun                                                                        string
}

// Bad reports whether anything failed or cannot go on (a terminating namespace).
func (s Summary) Bad() bool { return s.Failed > 0 || s.Terminating > 0 }

// Add counts one final action.
func (s *Summary) Add(a Action) {
	switch a {
	case Created, WouldCreate, NamespacePending:
		s.Created++
	case Annotated, WouldAnnotate:
		s.Annotated++
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
	case NoAction:
	}
}
