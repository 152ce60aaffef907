package printer

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/power"
)

// Power prints a power run as a table, MACHINE · CLUSTER · VM · ACTION; a failure's reason follows
// its action.
func Power(w io.Writer, items []*power.Item, p Palette) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MACHINE\tCLUSTER\tVM\tACTION")
	for _, it := range items {
		action := it.Action
		if it.Error != "" {
			action += ": " + it.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", it.Namespace+"/"+it.Machine, or(it.Cluster, "<none>"), or(it.VM, "<none>"), powerTone(p, it.Outcome, action))
	}
	return tw.Flush()
}

func powerTone(p Palette, o power.Outcome, text string) string {
	switch o {
	case power.Done:
		return p.Green.Sprint(text)
	case power.Would:
		return p.Cyan.Sprint(text)
	case power.Unchanged:
		return text
	case power.NotProvisioned:
		return p.Yellow.Sprint(text)
	case power.Call, power.Failed:
	}
	return p.Red.Sprint(text)
}

// PowerSummary prints "2 started, 1 unchanged, 0 failed" ("2 to start, … (dry run: client)"), with
// not provisioned when there are any.
func PowerSummary(w io.Writer, v power.Verb, s power.Summary) error {
	done := v.Done
	if s.DryRun != "" {
		done = "to " + v.Name
	}
	parts := []string{fmt.Sprintf("%d %s", s.Done, done), fmt.Sprintf("%d unchanged", s.Unchanged)}
	if s.NotProvisioned > 0 {
		parts = append(parts, fmt.Sprintf("%d not provisioned", s.NotProvisioned))
	}
	parts = append(parts, fmt.Sprintf("%d failed", s.Failed))
	line := strings.Join(parts, ", ")
	if s.DryRun != "" {
		line += fmt.Sprintf(" (dry run: %s)", s.DryRun)
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

type powerDocument struct {
	Items []powerItem `json:"items"`
}

type powerItem struct {
	Machine MachineRef `json:"machine"`
	Cluster string     `json:"cluster"`
	VM      string     `json:"vm"`
	Action  string     `json:"action"`
	Error   string     `json:"error"`
}

// PowerStructured prints a power run as {"items":[{"machine":{"namespace","name"},"cluster","vm",
// "action","error"}]} in json or yaml, or with "name" one machine.vitistack.io/NAME per line.
func PowerStructured(w io.Writer, format string, items []*power.Item) error {
	if format == "name" {
		for _, it := range items {
			if _, err := fmt.Fprintln(w, cluster.Machines.Ref(it.Machine)); err != nil {
				return err
			}
		}
		return nil
	}
	doc := powerDocument{Items: []powerItem{}}
	for _, it := range items {
		doc.Items = append(doc.Items, powerItem{Machine: MachineRef{Namespace: it.Namespace, Name: it.Machine}, Cluster: it.Cluster, VM: it.VM, Action: it.Action, Error: it.Error})
	}
	return structured(w, format, doc)
}
