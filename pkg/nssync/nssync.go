// Package nssync makes sure every Machine's namespace exists on its remote cluster, for many
// Machines and many clusters at once. Per cluster it makes one paged namespace list and one create
// per missing namespace; clusters run in parallel, each under its own deadline, so one dead cluster
// costs its timeout once. Namespaces are never modified or deleted.
package nssync

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// Options of a run. Zero ClusterTimeout means no deadline; zero Concurrency means 1.
type Options struct {
	ManagedByKey, ManagedByValue string
	// ClusterTimeout bounds all the work on one remote cluster.
	ClusterTimeout time.Duration
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

// ListMachines lists the Machines (namespace "" means all namespaces) with one paged list, keeping
// only what ns-sync needs of each.
func ListMachines(ctx context.Context, sup *cluster.Client, namespace, selector string) ([]*vitistackv1alpha1.Machine, error) {
	var out []*vitistackv1alpha1.Machine
	err := sup.List(ctx, cluster.Machines, namespace, selector, func(u *unstructured.Unstructured) error {
		provider, _, _ := unstructured.NestedString(u.Object, "spec", "provider")
		out = append(out, &vitistackv1alpha1.Machine{
			ObjectMeta: metav1.ObjectMeta{Name: u.GetName(), Namespace: u.GetNamespace(), Annotations: u.GetAnnotations()},
			Spec:       vitistackv1alpha1.MachineSpec{Provider: vitistackv1alpha1.MachineProviderType(provider)},
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list machines on the supervisor: %w", err)
	}
	return out, nil
}

// group is the work for one remote cluster: namespace → Machine names.
type group struct {
	client     *cluster.Client
	namespaces map[string][]string
	// unknown are namespaces holding Machines that could not be resolved: they may belong to any
	// cluster, so none of them can be called an orphan.
	unknown map[string]bool
}

// Sync resolves every Machine to its cluster and ensures the namespaces.
func (s *Syncer) Sync(ctx context.Context, machines []*vitistackv1alpha1.Machine) *Report {
	rep := &Report{DryRun: s.Writer.Strategy.String(), OrphansChecked: s.Options.CheckOrphans}
	groups := s.resolve(ctx, machines, rep)
	unknown := map[string]bool{}
	for _, u := range rep.Unresolved {
		ns, _, _ := strings.Cut(u.Machine, "/")
		unknown[ns] = true
	}
	for _, g := range groups {
		g.unknown = unknown
	}
	names := make([]string, 0, len(groups))
	for name := range groups {
		names = append(names, name)
	}
	sort.Strings(names)
	results := make([]clusterResult, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.syncCluster(ctx, groups[name])
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

func (s *Syncer) resolve(ctx context.Context, machines []*vitistackv1alpha1.Machine, rep *Report) map[string]*group {
	groups := map[string]*group{}
	for _, m := range machines {
		key := m.Namespace + "/" + m.Name
		if p := string(m.Spec.Provider); p != "" && p != "kubevirt" {
			rep.Skipped = append(rep.Skipped, MachineIssue{key, fmt.Sprintf("spec.provider is %q, not kubevirt", p)})
			continue
		}
		t, err := s.Resolver.Resolve(ctx, m)
		if err != nil {
			rep.Unresolved = append(rep.Unresolved, MachineIssue{key, err.Error()})
			continue
		}
		if t.Record() {
			err := s.Writer.Annotate(ctx, s.Supervisor, cluster.Machines, m.Namespace, m.Name, target.AnnotationKubevirtConfig, t.Config)
			if err != nil {
				rep.Unresolved = append(rep.Unresolved, MachineIssue{key, fmt.Sprintf("record %s=%s: %v", target.AnnotationKubevirtConfig, t.Config, err)})
				continue
			}
			rep.Annotated = append(rep.Annotated, MachineIssue{key, fmt.Sprintf("%s=%s (chosen by %s)", target.AnnotationKubevirtConfig, t.Config, t.By)})
		}
		g, ok := groups[t.Name()]
		if !ok {
			g = &group{client: t.Cluster, namespaces: map[string][]string{}}
			groups[t.Name()] = g
		}
		g.namespaces[m.Namespace] = append(g.namespaces[m.Namespace], m.Name)
	}
	return groups
}
