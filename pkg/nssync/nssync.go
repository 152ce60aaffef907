// Package nssync makes sure every Machine's namespace exists on its remote cluster, for many
// Machines and many clusters at once. It runs create's namespace step (pipeline.PlanNamespace and
// plan.Applier) in bulk: per cluster one paged namespace list and one create per missing
// namespace; clusters run in parallel, each under its own deadline, so one dead cluster costs its
// timeout once. Namespaces are never modified or deleted.
package nssync

import (
	"context"
	"sort"
	"strings"
	"sync"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// Options of a run. Zero Concurrency means 1. Each cluster's deadline is its client's
// (cluster.Client.Bound).
type Options struct {
	// Namespace carries the managed-by label of created namespaces (also how orphans are found).
	Namespace render.Options
	// Concurrency is the number of namespace creates in flight per cluster.
	Concurrency int
	// CheckOrphans reports managed namespaces that no Machine needs; only meaningful when every
	// Machine was listed (no -n, no -l).
	CheckOrphans bool
}

// Syncer runs ns-sync.
type Syncer struct {
	Supervisor *cluster.Client
	Resolver   *target.Resolver
	Writer     write.Writer
	Options    Options
	// Progress, when set, is told about each cluster as it starts and ends.
	Progress func(string)
}

// group is the work for one remote cluster: namespace → Machine names.
type group struct {
	client     *cluster.Client
	namespaces map[string][]string
	// unknown are namespaces holding Machines that could not be resolved: they may belong to any
	// cluster, so none of them can be called an orphan.
	unknown map[string]bool
}

// Sync resolves every Machine to its cluster, records the KubevirtConfigs the plugin chose, and
// ensures the namespaces.
func (s *Syncer) Sync(ctx context.Context, machines []*vitistackv1alpha1.Machine) *Report {
	rep := &Report{DryRun: s.Writer.DryRun(), OrphansChecked: s.Options.CheckOrphans}
	groups := s.resolve(ctx, machines, rep)
	unknown := map[string]bool{}
	for _, u := range rep.Unresolved {
		ns, _, _ := strings.Cut(u.Machine, "/")
		unknown[ns] = true
	}
	ids := make([]cluster.ID, 0, len(groups))
	for id, g := range groups {
		g.unknown = unknown
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].Name < ids[j].Name })
	results := make([]clusterResult, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.syncCluster(ctx, groups[id])
		}()
	}
	wg.Wait()
	for _, r := range results {
		rep.Namespaces = append(rep.Namespaces, r.namespaces...)
		rep.Orphans = append(rep.Orphans, r.orphans...)
	}
	rep.count()
	return rep
}

// resolve finds every Machine's cluster and records the choices the plugin made, each as create's
// annotation item. A Machine whose annotation cannot be recorded counts as unresolved.
func (s *Syncer) resolve(ctx context.Context, machines []*vitistackv1alpha1.Machine, rep *Report) map[cluster.ID]*group {
	applier := plan.Applier{Writer: s.Writer}
	groups := map[cluster.ID]*group{}
	for _, m := range machines {
		key := m.Namespace + "/" + m.Name
		if ok, why := vitistack.HandledByKubevirt(m); !ok {
			rep.Skipped = append(rep.Skipped, MachineIssue{key, why})
			continue
		}
		t, err := s.Resolver.Resolve(ctx, m)
		if err != nil {
			rep.Unresolved = append(rep.Unresolved, MachineIssue{key, err.Error()})
			continue
		}
		if t.Record() {
			it := pipeline.AnnotationItem(s.Supervisor.ID, m, t)
			if out := applier.Apply(ctx, s.Supervisor, it); out.Result == write.Failed {
				_, msg := it.Final()
				rep.Unresolved = append(rep.Unresolved, MachineIssue{key, "record " + msg})
				continue
			}
			rep.Annotated = append(rep.Annotated, MachineIssue{key, it.Message})
		}
		id := t.Cluster.ID
		g, ok := groups[id]
		if !ok {
			g = &group{client: t.Cluster, namespaces: map[string][]string{}}
			groups[id] = g
		}
		g.namespaces[m.Namespace] = append(g.namespaces[m.Namespace], m.Name)
	}
	return groups
}
