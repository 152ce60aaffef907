package write

import (
	"context"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// Call is one KubeVirt subresource call (cluster.Action) and how it is dry-run.
type Call struct {
	cluster.Action
	// Options builds the JSON body; dryRun asks for KubeVirt's dry run (DryRun: ["All"] in the
	// options). Nil sends no body.
	Options func(dryRun bool) ([]byte, error)
	// ServerDryRun says that KubeVirt honours a dry run in this call's options; a call without one
	// is never sent in a server dry run (NoServerDryRun).
	ServerDryRun bool
}

// Put sends a subresource call: client dry run sends nothing (WouldStore); server dry run sends it
// with the options' dry run (WouldStore when accepted), or, when KubeVirt has no dry run for it,
// sends nothing (NoServerDryRun). A call is never retried: restart and migrate are not idempotent,
// and a start or stop sent twice is refused by KubeVirt the second time.
func (w Writer) Put(ctx context.Context, c *cluster.Client, call Call) Outcome {
	switch {
	case w.Strategy == Client:
		return Outcome{Result: WouldStore}
	case w.Strategy == Server && !call.ServerDryRun:
		return Outcome{Result: NoServerDryRun}
	}
	a := call.Action
	if call.Options != nil {
		body, err := call.Options(w.Strategy == Server)
		if err != nil {
			return Outcome{Result: Failed, Err: err}
		}
		a.Body = body
	}
	return w.outcome(c.Put(ctx, a))
}
