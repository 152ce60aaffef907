package nssync

import (
	"encoding/json"

	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
)

// NamespaceResult is one namespace on one cluster and the Machines that need it.
type NamespaceResult struct {
	Cluster   string      `json:"cluster"`
	Namespace string      `json:"namespace"`
	Machines  []string    `json:"machines"`
	Action    plan.Action `json:"action"`
	Message   string      `json:"message,omitempty"`
	// Desired is the namespace the plugin creates when it is missing, for --diff.
	Desired map[string]any `json:"-"`
}

// Orphan is a namespace on a remote cluster that carries the managed-by label but that no Machine
// needs any more. Orphans are reported, never deleted.
type Orphan struct {
	Cluster   string `json:"cluster"`
	Namespace string `json:"namespace"`
}

// MachineIssue is a Machine that was skipped or could not be resolved to a cluster.
type MachineIssue struct {
	Machine string `json:"machine"`
	Message string `json:"message"`
}

// Summary counts a run.
type Summary struct {
	Created     int `json:"created"`
	Exists      int `json:"exists"`
	Terminating int `json:"terminating"`
	Failed      int `json:"failed"`
	Skipped     int `json:"skipped"`
	Orphans     int `json:"orphans"`
}

// Report is the whole result of a run: the structured form of the table.
type Report struct {
	// DryRun is "" when writes were stored, else "client" or "server"; the JSON form says "none"
	// for "", as kubectl's --dry-run does.
	DryRun     string            `json:"-"`
	Namespaces []NamespaceResult `json:"namespaces"`
	// OrphansChecked is false when Machines were filtered (-n, -l): orphans cannot be told then.
	OrphansChecked bool           `json:"orphansChecked"`
	Orphans        []Orphan       `json:"orphans"`
	Unresolved     []MachineIssue `json:"unresolved,omitempty"`
	Skipped        []MachineIssue `json:"skipped,omitempty"`
	Annotated      []MachineIssue `json:"annotated,omitempty"`
	Summary        Summary        `json:"summary"`
}

// Failed reports whether anything failed: an unresolved Machine, a namespace error or a terminating
// namespace (its Machines cannot be provisioned).
func (r *Report) Failed() bool {
	return r.Summary.Failed > 0 || r.Summary.Terminating > 0
}

// count sums the rows with create's Summary, under ns-sync's names.
func (r *Report) count() {
	var ps plan.Summary
	for _, n := range r.Namespaces {
		ps.Add(n.Action)
	}
	r.Summary = Summary{Created: ps.Created, Exists: ps.Unchanged, Terminating: ps.Terminating,
		Failed: ps.Failed + len(r.Unresolved), Skipped: len(r.Skipped), Orphans: len(r.Orphans)}
}

// MarshalJSON writes the report with "dryRun" first: "none", "client" or "server".
func (r Report) MarshalJSON() ([]byte, error) {
	type fields Report
	mode := r.DryRun
	if mode == "" {
		mode = "none"
	}
	return json.Marshal(struct {
		DryRun string `json:"dryRun"`
		fields
	}{mode, fields(r)})
}
