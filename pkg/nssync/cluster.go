package nssync

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
)

type clusterResult struct {
	namespaces []NamespaceResult
	orphans    []Orphan
}

// liveNamespace is what the list says about one namespace.
type liveNamespace struct {
	terminating bool
	managed     bool
}

// syncCluster does one cluster's work under its deadline: one paged namespace list, then the
// creates of the missing namespaces, a bounded number at a time.
func (s *Syncer) syncCluster(ctx context.Context, g *group) clusterResult {
	name := g.client.Name
	if s.Options.ClusterTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.Options.ClusterTimeout)
		defer cancel()
	}
	start := time.Now()
	s.progress(fmt.Sprintf("%s: listing namespaces (%d needed)", name, len(g.namespaces)))
	results := make([]NamespaceResult, 0, len(g.namespaces))
	for ns, machines := range g.namespaces {
		sort.Strings(machines)
		results = append(results, NamespaceResult{Cluster: name, Namespace: ns, Machines: machines})
	}
	sort.Slice(results, func(i, j int) bool { return results[i].Namespace < results[j].Namespace })

	live, err := s.listNamespaces(ctx, g.client)
	if err != nil {
		msg := s.clusterError(ctx, name, "list namespaces", err)
		for i := range results {
			results[i].Action, results[i].Message = Failed, msg
		}
		s.progress(fmt.Sprintf("%s: failed after %s", name, time.Since(start).Round(time.Millisecond)))
		return clusterResult{namespaces: results}
	}
	var missing []*NamespaceResult
	for i := range results {
		r := &results[i]
		ns, ok := live[r.Namespace]
		switch {
		case !ok:
			missing = append(missing, r)
		case ns.terminating:
			r.Action, r.Message = Terminating, "namespace is being deleted; nothing can be created in it until it is gone"
		default:
			r.Action = Exists
		}
	}
	s.createAll(ctx, g.client, missing)
	out := clusterResult{namespaces: results}
	if s.Options.CheckOrphans {
		out.orphans = orphans(name, live, g.namespaces, g.unknown)
	}
	s.progress(fmt.Sprintf("%s: done in %s (%d created or to create)", name, time.Since(start).Round(time.Millisecond), len(missing)))
	return out
}

func (s *Syncer) listNamespaces(ctx context.Context, c *cluster.Client) (map[string]liveNamespace, error) {
	live := map[string]liveNamespace{}
	err := c.List(ctx, cluster.Namespaces, "", "", func(u *unstructured.Unstructured) error {
		phase, _, _ := unstructured.NestedString(u.Object, "status", "phase")
		live[u.GetName()] = liveNamespace{
			terminating: phase == string(corev1.NamespaceTerminating) || u.GetDeletionTimestamp() != nil,
			managed:     u.GetLabels()[s.Options.ManagedByKey] == s.Options.ManagedByValue,
		}
		return nil
	})
	return live, err
}

// createAll creates the missing namespaces, Options.Concurrency at a time.
func (s *Syncer) createAll(ctx context.Context, c *cluster.Client, missing []*NamespaceResult) {
	n := max(s.Options.Concurrency, 1)
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for _, r := range missing {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s.create(ctx, c, r)
		}()
	}
	wg.Wait()
}

func (s *Syncer) create(ctx context.Context, c *cluster.Client, r *NamespaceResult) {
	if ctx.Err() != nil {
		r.Action, r.Message = Failed, s.clusterError(ctx, c.Name, "create namespace", ctx.Err())
		return
	}
	obj, err := cluster.Content(render.NewNamespace(r.Namespace, render.Options{ManagedByKey: s.Options.ManagedByKey, ManagedByValue: s.Options.ManagedByValue}))
	if err != nil {
		r.Action, r.Message = Failed, err.Error()
		return
	}
	err = s.Writer.Create(ctx, c, cluster.Namespaces, obj)
	switch {
	case apierrors.IsAlreadyExists(err):
		// Another run or the operator got there first.
		r.Action, r.Message = Exists, "created meanwhile by someone else"
	case err != nil:
		r.Action, r.Message = Failed, s.clusterError(ctx, c.Name, "create namespace", err)
	case s.Writer.DryRun():
		r.Action = WouldCreate
	default:
		r.Action = Created
	}
}

// clusterError words an error, saying plainly when the cluster's deadline passed.
func (s *Syncer) clusterError(ctx context.Context, cluster, what string, err error) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("%s: cluster did not answer within --cluster-timeout=%s", what, s.Options.ClusterTimeout)
	}
	return fmt.Sprintf("%s: %v", what, err)
}

func orphans(clusterName string, live map[string]liveNamespace, wanted map[string][]string, unknown map[string]bool) []Orphan {
	var out []Orphan
	for ns, l := range live {
		if _, ok := wanted[ns]; !ok && l.managed && !unknown[ns] {
			out = append(out, Orphan{Cluster: clusterName, Namespace: ns})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Namespace < out[j].Namespace })
	return out
}

func (s *Syncer) progress(msg string) {
	if s.Progress != nil {
		s.Progress(msg)
	}
}
