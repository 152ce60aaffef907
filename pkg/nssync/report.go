package nssync

// Action is what happened, or would happen, to one namespace on one cluster.
type Action string

// Actions, as printed.
const (
	Created     Action = "created"
	WouldCreate Action = "would create"
	Exists      Action = "exists"
	Terminating Action = "terminating"
	Failed      Action = "error"
)

// NamespaceResult is one namespace on one cluster and the Machines that need it.
type NamespaceResult struct {
	Cluster   string   `json:"cluster"`
	Namespace string   `json:"namespace"`
	Machines  []string `json:"machines"`
	Action    Action   `json:"action"`
	Message   string   `json:"message,omitempty"`
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
	DryRun     string            `json:"dryRun"`
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

func (r *Report) count() {
	s := Summary{Skipped: len(r.Skipped), Orphans: len(r.Orphans), Failed: len(r.Unresolved)}
	for _, n := range r.Namespaces {
		switch n.Action {
		case Created, WouldCreate:
			s.Created++
		case Exists:
			s.Exists++
		case Terminating:
			s.Terminating++
		case Failed:
			s.Failed++
		}
	}
	r.Summary = s
}
