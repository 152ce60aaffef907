package plan_test

import (
	"reflect"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
)

// every is every Action but NoAction; exhaustive (make lint) keeps Action's switches complete, and
// this test keeps the list complete: every action has a distinct word.
var every = []plan.Action{
	plan.Created, plan.WouldCreate, plan.NamespacePending, plan.Unchanged, plan.Differs, plan.Annotated, plan.WouldAnnotate,
	plan.Updated, plan.WouldUpdate, plan.Deleted, plan.WouldDelete, plan.NotFound, plan.Kept, plan.Skipped, plan.Terminating,
	plan.Failed, plan.Exists,
}

func TestEveryActionHasItsOwnWord(t *testing.T) {
	seen := map[string]plan.Action{}
	for _, a := range every {
		w := a.String()
		if w == "" || w[0] == 'A' {
			t.Errorf("action %d has no word: %q", int(a), w)
		}
		if b, ok := seen[w]; ok {
			t.Errorf("actions %d and %d share the word %q", int(a), int(b), w)
		}
		seen[w] = a
	}
	if plan.Exists+1 != plan.Action(len(every)+1) {
		t.Errorf("the list has %d actions, the enum %d: add the new one here", len(every), int(plan.Exists))
	}
	if got := plan.NoAction.String(); got != "" {
		t.Errorf("NoAction is %q", got)
	}
	if b, _ := plan.WouldCreate.MarshalText(); string(b) != "would create" {
		t.Errorf("MarshalText: %q", b)
	}
}

// TestSummaryCountsEveryActionKind: each action counts in exactly its own field (a dry run's
// "would …" in the action it would be, Exists as Unchanged), and none is dropped.
func TestSummaryCountsEveryActionKind(t *testing.T) {
	want := map[plan.Action]plan.Summary{
		plan.Created:          {Created: 1},
		plan.WouldCreate:      {Created: 1},
		plan.NamespacePending: {Created: 1},
		plan.Unchanged:        {Unchanged: 1},
		plan.Exists:           {Unchanged: 1},
		plan.Differs:          {Differs: 1},
		plan.Annotated:        {Annotated: 1},
		plan.WouldAnnotate:    {Annotated: 1},
		plan.Updated:          {Updated: 1},
		plan.WouldUpdate:      {Updated: 1},
		plan.Deleted:          {Deleted: 1},
		plan.WouldDelete:      {Deleted: 1},
		plan.NotFound:         {NotFound: 1},
		plan.Kept:             {Kept: 1},
		plan.Skipped:          {Skipped: 1},
		plan.Terminating:      {Terminating: 1},
		plan.Failed:           {Failed: 1},
	}
	for _, a := range every {
		w, ok := want[a]
		if !ok {
			t.Errorf("%q: no expected count; add it here", a)
			continue
		}
		var s plan.Summary
		s.Add(a)
		if !reflect.DeepEqual(s, w) {
			t.Errorf("%q counted as %+v, want %+v", a, s, w)
		}
	}
	var s plan.Summary
	s.Add(plan.NoAction)
	if !reflect.DeepEqual(s, plan.Summary{}) {
		t.Errorf("NoAction counted: %+v", s)
	}
}
