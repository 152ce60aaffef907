package printer

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/vitistack/kubectl-vitimachine/pkg/nssync"
)

// maxMachinesShown caps the MACHINES cell; the rest is counted.
const maxMachinesShown = 3

// NSSync prints the ns-sync report: the table, unresolved and skipped Machines, orphans and the
// summary line.
func NSSync(w io.Writer, r *nssync.Report, p Palette) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLUSTER\tNAMESPACE\tMACHINES\tACTION")
	for _, n := range r.Namespaces {
		action := n.Action.String()
		if n.Message != "" {
			action += ": " + n.Message
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", n.Cluster, n.Namespace, machines(n.Machines), colorAction(p, n.Action, action))
	}
	for _, u := range r.Unresolved {
		ns, name, _ := strings.Cut(u.Machine, "/")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", "<none>", ns, name, p.Red.Sprint("error: "+u.Message))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "skipped machine %s: %s\n", s.Machine, s.Message)
	}
	verb := "recorded"
	if r.DryRun != "" {
		verb = "would record"
	}
	for _, a := range r.Annotated {
		fmt.Fprintf(w, "%s on machine %s: %s\n", verb, a.Machine, a.Message)
	}
	if len(r.Orphans) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, p.Yellow.Sprint("Orphaned namespaces: managed by the plugin, but no Machine needs them any more (never deleted):"))
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CLUSTER\tNAMESPACE")
		for _, o := range r.Orphans {
			fmt.Fprintf(tw, "%s\t%s\n", o.Cluster, o.Namespace)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nsSummary(w, r)
}

func nsSummary(w io.Writer, r *nssync.Report) error {
	s := r.Summary
	created := "created"
	if r.DryRun != "" {
		created = "to create"
	}
	parts := []string{fmt.Sprintf("%d %s", s.Created, created), fmt.Sprintf("%d exist", s.Exists)}
	if s.Terminating > 0 {
		parts = append(parts, fmt.Sprintf("%d terminating", s.Terminating))
	}
	if s.Skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", s.Skipped))
	}
	parts = append(parts, fmt.Sprintf("%d failed", s.Failed))
	switch {
	case !r.OrphansChecked:
		parts = append(parts, "orphans not checked (Machines filtered by -n or -l)")
	default:
		parts = append(parts, fmt.Sprintf("%d orphaned", s.Orphans))
	}
	line := strings.Join(parts, ", ")
	if r.DryRun != "" {
		line += fmt.Sprintf(" (dry run: %s)", r.DryRun)
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

func machines(names []string) string {
	if len(names) <= maxMachinesShown {
		return strings.Join(names, ",")
	}
	return fmt.Sprintf("%s(+%d)", strings.Join(names[:maxMachinesShown], ","), len(names)-maxMachinesShown)
}

// NSSyncStructured prints the report as yaml, json or through jsonpath=TEMPLATE.
func NSSyncStructured(w io.Writer, format string, r *nssync.Report) error {
	return structured(w, format, r)
}
