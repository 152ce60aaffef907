// Package status joins each Machine with what is live on its remote cluster: its VirtualMachine,
// the VM's running instance (VMI) and its PVCs, in one view across clusters, and follows changes
// with watches.
//
// It is read-only: Machines are resolved to their clusters exactly as create resolves them, but
// no choice is ever recorded and nothing is written anywhere. Reads are batched: per remote cluster
// one list each of VMs, VMIs and PVCs per namespace involved, or one across the cluster when more
// than NamespaceLists namespaces are; never a request per Machine.
package status

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// NamespaceLists is the most namespaces of one cluster that are read one namespace at a time; a
// cluster with Machines in more namespaces is read with one list per resource across the cluster.
const NamespaceLists = 5

// Options of a run. The zero value reads without deadlines and without drift.
type Options struct {
	// Drift renders every provisioned Machine as create would and compares its VM with the live
	// one (-o wide). It needs the Machines' specs (Query.Full).
	Drift bool
	// Wait waits between the attempts of a failed watch; nil waits on a timer. Tests inject it.
	Wait func(ctx context.Context, d time.Duration) error
	// Notify, when set, hears when a cluster's watches fail and when they are back.
	Notify func(msg string)
}

// Reader reads the status of Machines. Create one per run.
type Reader struct {
	// Resolver resolves each Machine as create does; its ListVMs should be Store.ListVMs.
	Resolver *target.Resolver
	// Pipeline renders Machines for drift; it is only read from, never applied.
	Pipeline *pipeline.Pipeline
	Store    *Store
	Options  Options

	siblingOnce sync.Once
	sibling     *pipeline.Pipeline
}

// Report is a read: one row per Machine shown, in the order the Machines came.
type Report struct {
	Rows []Row
	// Skipped are Machines of another provider: not shown.
	Skipped []Skipped
	entries []*entry
	groups  []*group
}

// Skipped is a Machine status does not show, and why.
type Skipped struct {
	Machine, Reason string
}

// Failed counts the rows whose cluster could not be read or resolved.
func (r *Report) Failed() int {
	n := 0
	for _, row := range r.Rows {
		if row.Error != "" {
			n++
		}
	}
	return n
}

// entry is one shown Machine and where it lives.
type entry struct {
	index   int
	machine *vitistackv1alpha1.Machine
	target  target.Target
	// cluster is the display name of the target; for an unresolved Machine, the KubevirtConfig it
	// names, if any.
	cluster string
	err     string
}

// group is the work on one remote cluster.
type group struct {
	client *cluster.Client
	// entries by namespace.
	entries map[string][]*entry
	// scopes are the namespaces each resource was listed in ("" for the whole cluster).
	scopes map[string][]string
}

// watched are the resources status lists and watches.
var watched = []cluster.Resource{cluster.VirtualMachines, cluster.VirtualMachineInstances, cluster.PVCs}

// Read resolves every Machine, reads each cluster once (clusters in parallel, each under
// Options.ClusterTimeout) and joins the rows. One cluster that cannot be read fails only its rows.
func (r *Reader) Read(ctx context.Context, machines []*vitistackv1alpha1.Machine) *Report {
	rep := &Report{}
	namespaces := map[string]bool{}
	for _, m := range machines {
		if m.Namespace == "" {
			m.Namespace = "default"
		}
		namespaces[m.Namespace] = true
	}
	r.Store.keep(namespaces, r.Options.Drift)
	r.resolve(ctx, machines, rep)
	rep.groups = groups(rep.entries)
	rep.Rows = make([]Row, len(rep.entries))
	var wg sync.WaitGroup
	for _, g := range rep.groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.readCluster(ctx, g, rep.Rows)
		}()
	}
	wg.Wait()
	for _, e := range rep.entries {
		if e.target.Cluster == nil {
			rep.Rows[e.index] = r.join(e, nil)
		}
	}
	return rep
}

// resolve finds each Machine's cluster as create does, without recording anything.
func (r *Reader) resolve(ctx context.Context, machines []*vitistackv1alpha1.Machine, rep *Report) {
	for _, m := range machines {
		if ok, why := vitistack.HandledByKubevirt(m); !ok {
			rep.Skipped = append(rep.Skipped, Skipped{Machine: m.Namespace + "/" + m.Name, Reason: why})
			continue
		}
		e := &entry{index: len(rep.entries), machine: m}
		rep.entries = append(rep.entries, e)
		t, err := r.Resolver.Resolve(ctx, m)
		var miss *target.SearchError
		switch {
		case errors.As(err, &miss) && len(miss.Skipped) == 0:
			// Searched everywhere: provisioned nowhere.
		case err != nil:
			e.err, e.cluster = err.Error(), m.Annotations[vitistack.AnnotationKubevirtConfig]
		default:
			e.target, e.cluster = t, t.Name()
		}
	}
}

// groups puts the resolved entries together by cluster, in the order of cluster names.
func groups(entries []*entry) []*group {
	byID := map[cluster.ID]*group{}
	var out []*group
	for _, e := range entries {
		if e.target.Cluster == nil {
			continue
		}
		g, ok := byID[e.target.Cluster.ID]
		if !ok {
			g = &group{client: e.target.Cluster, entries: map[string][]*entry{}, scopes: map[string][]string{}}
			byID[e.target.Cluster.ID] = g
			out = append(out, g)
		}
		g.entries[e.machine.Namespace] = append(g.entries[e.machine.Namespace], e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].client.ID.Name < out[j].client.ID.Name })
	return out
}

// namespaces are the group's namespaces, sorted.
func (g *group) namespaces() []string {
	out := make([]string, 0, len(g.entries))
	for ns := range g.entries {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

// readCluster lists the cluster's VMs, VMIs and PVCs (in parallel, under the cluster's deadline:
// cluster.Client.Bound) and joins its rows.
func (r *Reader) readCluster(ctx context.Context, g *group, rows []Row) {
	var wg sync.WaitGroup
	for _, res := range watched {
		g.scopes[res.GVR.Resource] = r.scopes(g, res)
		for _, ns := range g.scopes[res.GVR.Resource] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.Store.list(ctx, g.client, res, ns, nil)
			}()
		}
	}
	wg.Wait()
	for _, ns := range g.namespaces() {
		p := r.Store.place(g.client.ID, ns)
		for _, e := range g.entries[ns] {
			rows[e.index] = r.join(e, p)
			if r.Options.Drift && rows[e.index].Error == "" {
				r.drift(ctx, e, p, &rows[e.index])
			}
		}
	}
}

// scopes are where a resource is listed on a cluster: across the cluster when it already was (the
// VM search) or when the Machines are in more than NamespaceLists namespaces, else per namespace.
func (r *Reader) scopes(g *group, res cluster.Resource) []string {
	if r.Store.has(g.client.ID, res, "") || len(g.entries) > NamespaceLists {
		return []string{""}
	}
	return g.namespaces()
}

// join builds an entry's row from what the Store keeps of its namespace (p; nil for an entry
// without a cluster).
func (r *Reader) join(e *entry, p *place) Row {
	m := e.machine
	row := Row{Namespace: m.Namespace, Machine: m.Name, Cluster: e.cluster, Phase: m.Status.Phase, Created: m.CreationTimestamp.Time}
	if e.err != "" {
		row.Error = e.err
		return row
	}
	if e.target.Cluster == nil {
		return row
	}
	if p.err != nil {
		row.Error = describe(p.err)
		return row
	}
	row.PVCs = ownedPVCs(p.pvcs[m.Name])
	vm := findVM(m, p)
	if vm == nil {
		return row
	}
	row.VM = &VM{Name: vm.name, Status: vm.status, Ready: vm.ready}
	row.Created = vm.created
	if o := p.vmis[vm.name]; o != nil {
		row.VMI = &VMI{Phase: o.status, Node: o.node, IPs: o.ips, Migration: o.migration}
	}
	return row
}

// describe words a failed read of a cluster: a missed deadline in the one wording of
// --cluster-timeout (cluster.TimeoutError), anything else as it is.
func describe(err error) string {
	var te *cluster.TimeoutError
	if errors.As(err, &te) {
		return te.Error()
	}
	return err.Error()
}
