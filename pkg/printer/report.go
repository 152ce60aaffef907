package printer

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
)

// Row is one line of a create or delete report.
type Row struct {
	Machine, Cluster, Object string
	Action                   plan.Action
	Message                  string
	// Role is the role of Cluster, "supervisor" or "remote"; "" when no cluster was chosen.
	Role string
	// Ref is Object, spelled out for machine-readable reports.
	Ref ObjectRef
}

// ObjectRef names an object in machine-readable reports.
type ObjectRef struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

// Rows turns plans (create's or delete's) into report rows: one per object, one per Machine that failed to plan or was
// skipped.
func Rows(plans []*pipeline.Plan) []Row {
	var rows []Row
	for _, pl := range plans {
		key := pl.Key()
		clusterName, role := "<none>", ""
		if pl.Target.Cluster != nil {
			clusterName, role = pl.Target.Cluster.ID.Name, pl.Target.Cluster.ID.Role.String()
		}
		machineRef := cluster.Machines.Ref(pl.Machine.Name)
		machineObj := ObjectRef{APIVersion: cluster.Machines.APIVersion(), Kind: cluster.Machines.Kind, Namespace: pl.Machine.Namespace, Name: pl.Machine.Name}
		switch {
		case pl.Err != nil:
			rows = append(rows, Row{key, clusterName, machineRef, plan.Failed, pl.Err.Error(), role, machineObj})
			continue
		case pl.SkipReason != "":
			rows = append(rows, Row{key, clusterName, machineRef, plan.Skipped, pl.SkipReason, role, machineObj})
			continue
		}
		for _, it := range pl.Items {
			a, msg := it.Final()
			ref := ObjectRef{APIVersion: it.Resource.APIVersion(), Kind: it.Resource.Kind, Namespace: it.Namespace, Name: it.Name}
			rows = append(rows, Row{key, it.Cluster.Name, it.Ref(), a, msg, it.Cluster.Role.String(), ref})
		}
	}
	return rows
}

// Report prints the rows as a table, MACHINE · CLUSTER · OBJECT · ACTION.
func Report(w io.Writer, rows []Row, p Palette) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MACHINE\tCLUSTER\tOBJECT\tACTION")
	for _, r := range rows {
		action := r.Action.String()
		if r.Message != "" {
			action += ": " + r.Message
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Machine, r.Cluster, r.Object, colorAction(p, r.Action, action))
	}
	return tw.Flush()
}

func colorAction(p Palette, a plan.Action, text string) string {
	switch a {
	case plan.Created, plan.Annotated, plan.Updated, plan.Deleted:
		return p.Green.Sprint(text)
	case plan.WouldCreate, plan.NamespacePending, plan.WouldAnnotate, plan.WouldUpdate, plan.WouldDelete:
		return p.Cyan.Sprint(text)
	case plan.Differs, plan.Skipped, plan.Terminating, plan.Kept:
		return p.Yellow.Sprint(text)
	case plan.Failed:
		return p.Red.Sprint(text)
	case plan.NoAction, plan.Unchanged, plan.NotFound, plan.Exists:
	}
	return text
}

// Summary prints "3 created, 1 unchanged, 0 failed", with annotated, updated, differs and skipped
// when there are any, and the dry-run mode when one ran ("3 to create, …").
func Summary(w io.Writer, s plan.Summary) error {
	verb := func(done, would string) string {
		if s.DryRun != "" {
			return would
		}
		return done
	}
	parts := []string{fmt.Sprintf("%d %s", s.Created, verb("created", "to create"))}
	if s.Annotated > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", s.Annotated, verb("annotated", "to annotate")))
	}
	if s.Updated > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", s.Updated, verb("updated", "to update")))
	}
	parts = append(parts, fmt.Sprintf("%d unchanged", s.Unchanged))
	if s.Differs > 0 {
		parts = append(parts, fmt.Sprintf("%d differ", s.Differs))
	}
	if s.Skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", s.Skipped))
	}
	if s.Terminating > 0 {
		parts = append(parts, fmt.Sprintf("%d terminating", s.Terminating))
	}
	parts = append(parts, fmt.Sprintf("%d failed", s.Failed))
	line := strings.Join(parts, ", ")
	if s.DryRun != "" {
		line += fmt.Sprintf(" (dry run: %s)", s.DryRun)
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

// ResizeSummary prints resize's summary, "2 updated, 4 unchanged, 0 failed", with skipped when
// there are any, the number of Machines whose VM needs a restart, and the dry-run mode when one ran
// ("2 to update, …  (dry run: client)").
func ResizeSummary(w io.Writer, s plan.Summary, restart int) error {
	updated := "updated"
	if s.DryRun != "" {
		updated = "to update"
	}
	parts := []string{fmt.Sprintf("%d %s", s.Updated, updated), fmt.Sprintf("%d unchanged", s.Unchanged)}
	if s.Skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", s.Skipped))
	}
	parts = append(parts, fmt.Sprintf("%d failed", s.Failed))
	line := strings.Join(parts, ", ")
	if restart > 0 {
		line += fmt.Sprintf("; %d VM(s) need a restart", restart)
	}
	if s.DryRun != "" {
		line += fmt.Sprintf(" (dry run: %s)", s.DryRun)
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

// DeletionSummary prints delete's summary, "2 deleted, 1 not found, 1 kept, 0 failed", with
// terminating (already being deleted) and skipped when there are any, and the dry-run mode when one
// ran ("2 to delete, …  (dry run: server)").
func DeletionSummary(w io.Writer, s plan.Summary) error {
	deleted := "deleted"
	if s.DryRun != "" {
		deleted = "to delete"
	}
	parts := []string{fmt.Sprintf("%d %s", s.Deleted, deleted), fmt.Sprintf("%d not found", s.NotFound), fmt.Sprintf("%d kept", s.Kept)}
	if s.Terminating > 0 {
		parts = append(parts, fmt.Sprintf("%d terminating", s.Terminating))
	}
	if s.Skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", s.Skipped))
	}
	parts = append(parts, fmt.Sprintf("%d failed", s.Failed))
	line := strings.Join(parts, ", ")
	if s.DryRun != "" {
		line += fmt.Sprintf(" (dry run: %s)", s.DryRun)
	}
	_, err := fmt.Fprintln(w, line)
	return err
}
