// Package doctor checks, before anything is written, that the caller can run the plugin against
// the supervisor and every remote KubeVirt cluster: servers reachable and their versions, the CRDs,
// each KubevirtConfig's Secret and kubeconfig, a default StorageClass, the caller's permissions for
// every command (pkg/access's table, asked with SelfSubjectAccessReviews) and Machines a running
// operator owns. Every check is a row; every row that is not ok says what to do. Clusters are checked
// in parallel, each remote within its deadline; nothing is written but access reviews, which store
// nothing.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
)

// Result is a check's verdict.
type Result string

// The results: ok, warn (the plugin works, with a limit the detail names) and fail.
const (
	OK   Result = "ok"
	Warn Result = "warn"
	Fail Result = "fail"
)

// Check is one row of the report.
type Check struct {
	Check   string `json:"check"`
	Cluster string `json:"cluster"`
	Result  Result `json:"result"`
	Detail  string `json:"detail"`
}

// Report is every check, the supervisor's first, then each remote cluster's, by name.
type Report struct {
	Checks []Check `json:"checks"`
}

// Count counts the checks with a result.
func (r *Report) Count(res Result) int {
	n := 0
	for _, c := range r.Checks {
		if c.Result == res {
			n++
		}
	}
	return n
}

// Options configure a run. The zero value checks every KubevirtConfig and the Machines of all
// namespaces, with no deadline per remote cluster.
type Options struct {
	// Namespace restricts the Machines to one namespace ("" for all).
	Namespace string
	// CurrentNamespace is where permissions in the Machines' namespaces are asked when there are no
	// Machines (kubectl's current namespace).
	CurrentNamespace string
	// KubevirtConfig restricts the remote clusters to one KubevirtConfig.
	KubevirtConfig string
	// Override says that the resolver has --remote-kubeconfig/--remote-context: the one remote
	// cluster checked is that one, not the KubevirtConfigs'.
	Override bool
	// StorageClass is --storage-class: no default StorageClass is needed.
	StorageClass string
	// Concurrency bounds the access reviews in flight per cluster (0: 16).
	Concurrency int
	// ClientVersion is the client-go version the plugin is built with ("v0.37.2"), for the skew.
	ClientVersion string
}

// Doctor runs the checks.
type Doctor struct {
	Supervisor *cluster.Client
	// Resolver reads the KubevirtConfigs and builds remote clients exactly as create does.
	Resolver *target.Resolver
	Options  Options
}

// Run checks everything and returns the report. It never fails as a whole: what cannot be checked
// is a failing row.
func (d *Doctor) Run(ctx context.Context) *Report {
	sup := d.serverCheck(ctx, d.Supervisor, "check the context (kubectl config current-context) and that the API server answers")
	if sup.Result == Fail {
		return &Report{Checks: []Check{sup}}
	}
	s := d.survey(ctx)
	rows := append([]Check{sup}, d.supervisorRows(s)...)
	var supPerms []Check
	remotes := make([][]Check, len(s.remotes))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		supPerms = d.permissions(ctx, d.Supervisor, cluster.Supervisor, s.supervisorScopes(d.Options), "you", "examples/rbac-supervisor.yaml")
	}()
	for i, r := range s.remotes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			remotes[i] = d.remote(ctx, s, r)
		}()
	}
	wg.Wait()
	rows = append(rows, supPerms...)
	for _, r := range remotes {
		rows = append(rows, r...)
	}
	return &Report{Checks: rows}
}

// serverCheck asks a cluster for its version and compares it with the client's.
func (d *Doctor) serverCheck(ctx context.Context, c *cluster.Client, fix string) Check {
	row := Check{Check: "server", Cluster: c.ID.Name}
	v, err := c.ServerVersion(ctx)
	if err != nil {
		row.Result, row.Detail = Fail, fmt.Sprintf("%s; %s", d.words(err), fix)
		return row
	}
	row.Result, row.Detail = skew(v, d.Options.ClientVersion)
	return row
}

// words phrases an error; a missed deadline in the one wording of --cluster-timeout
// (cluster.TimeoutError).
func (d *Doctor) words(err error) string {
	var te *cluster.TimeoutError
	if errors.As(err, &te) {
		return te.Error()
	}
	if ue := cluster.Unreachable(err); ue != nil {
		// The row names the cluster and says what to do; the error's own advice is to run doctor.
		return ue.Unwrap().Error()
	}
	return err.Error()
}

// concurrency is the bound on access reviews in flight per cluster.
func (d *Doctor) concurrency() int {
	if d.Options.Concurrency > 0 {
		return d.Options.Concurrency
	}
	return 16
}
