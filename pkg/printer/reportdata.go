package printer

import (
	"io"
	"strings"

	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
)

// ReportFormats are the formats of --report: the table, or the report as data.
var ReportFormats = []string{"table", "json", "yaml"}

// ReportData is the report as data (--report json|yaml): one item per row of the table, with its
// Machine, cluster, object, action and message, and the summary's counts. Every command that
// reports objects and actions (create, diff, delete) can print it.
type ReportData struct {
	// DryRun is "none" when writes were stored, else "client" or "server": always present, as in
	// ns-sync's report.
	DryRun  string       `json:"dryRun"`
	Items   []ReportItem `json:"items"`
	Summary ReportCounts `json:"summary"`
}

// ReportItem is one object of the report.
type ReportItem struct {
	Machine MachineRef `json:"machine"`
	// Cluster is the cluster's name as the table prints it; ClusterRole is "supervisor" or
	// "remote". Both are absent when the Machine failed before a cluster was chosen.
	Cluster     string    `json:"cluster,omitempty"`
	ClusterRole string    `json:"clusterRole,omitempty"`
	Object      ObjectRef `json:"object"`
	// Action is the report's word: "created", "would create", "unchanged", "exists (differs)",
	// "skipped", "error", ...
	Action  string `json:"action"`
	Message string `json:"message,omitempty"`
}

// MachineRef names the Machine a row belongs to.
type MachineRef struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// ReportCounts are the summary line's counts.
type ReportCounts struct {
	Created     int `json:"created"`
	Annotated   int `json:"annotated"`
	Updated     int `json:"updated"`
	Unchanged   int `json:"unchanged"`
	Differs     int `json:"differs"`
	Skipped     int `json:"skipped"`
	Terminating int `json:"terminating"`
	Failed      int `json:"failed"`
	Deleted     int `json:"deleted"`
	NotFound    int `json:"notFound"`
	Kept        int `json:"kept"`
}

// DryRunMode is a report's dryRun: "none" when writes were stored ("" in a Summary), else the mode.
func DryRunMode(dryRun string) string {
	if dryRun == "" {
		return "none"
	}
	return dryRun
}

// NewReportData turns rows and their summary into ReportData.
func NewReportData(rows []Row, s plan.Summary) ReportData {
	d := ReportData{DryRun: DryRunMode(s.DryRun), Items: make([]ReportItem, 0, len(rows)), Summary: ReportCounts{
		Created: s.Created, Annotated: s.Annotated, Updated: s.Updated, Unchanged: s.Unchanged, Differs: s.Differs, Skipped: s.Skipped,
		Terminating: s.Terminating, Failed: s.Failed, Deleted: s.Deleted, NotFound: s.NotFound, Kept: s.Kept,
	}}
	for _, r := range rows {
		ns, name, _ := strings.Cut(r.Machine, "/")
		it := ReportItem{Machine: MachineRef{Namespace: ns, Name: name}, ClusterRole: r.Role, Object: r.Ref, Action: r.Action.String(), Message: r.Message}
		if r.Role != "" {
			it.Cluster = r.Cluster
		}
		d.Items = append(d.Items, it)
	}
	return d
}

// ReportStructured prints the report as json or yaml.
func ReportStructured(w io.Writer, format string, rows []Row, s plan.Summary) error {
	return structured(w, format, NewReportData(rows, s))
}
