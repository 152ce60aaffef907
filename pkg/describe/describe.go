// Package describe shows a Machine end to end: the Machine and how its cluster was chosen, the
// cluster, the VirtualMachine and its instance, the volumes, networks, cloud-init Secret and
// NetworkConfiguration, each with its conditions and last events.
//
// It is read-only and batched as status is: Machines are resolved as create resolves them with
// nothing recorded, and every cluster is read with one list per kind per namespace (one across the
// cluster when more than status.NamespaceLists namespaces are involved), events included (one event
// list per cluster and namespace, matched locally by involvedObject); never a request per object.
package describe

import (
	"context"
	"errors"
	"sort"
	"sync"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/status"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// Options of a run.
type Options struct {
	// Events adds each object's last events; MaxEvents is how many per object (0: all).
	Events    bool
	MaxEvents int
}

// Reader describes Machines. Create one per run.
type Reader struct {
	Supervisor *cluster.Client
	// Resolver resolves each Machine as create does; its ListVMs should be Store.ListVMs.
	Resolver *target.Resolver
	// Store reads every list once; KeepWhole must have been called on it.
	Store   *status.Store
	Options Options
}

// Report is one Item per Machine described, in the order the Machines came.
type Report struct {
	Items   []Item
	Skipped []status.Skipped
}

// Failed counts the items with an error.
func (r *Report) Failed() int {
	n := 0
	for _, it := range r.Items {
		if it.Error != "" {
			n++
		}
	}
	return n
}

// entry is one Machine and its target.
type entry struct {
	machine *vitistackv1alpha1.Machine
	target  target.Target
	item    *Item
}

// remote are the resources read on each remote cluster; optional ones may be absent (no CDI, no
// Multus) without an error.
var (
	remoteRequired = []cluster.Resource{cluster.VirtualMachines, cluster.VirtualMachineInstances, cluster.PVCs, cluster.Secrets}
	remoteOptional = []cluster.Resource{cluster.DataVolumes, cluster.NetworkAttachmentDefinitions}
)

// Read resolves every Machine, reads the supervisor and each cluster once (in parallel, each
// remote under its client's --cluster-timeout) and builds the items.
func (r *Reader) Read(ctx context.Context, machines []*vitistackv1alpha1.Machine) *Report {
	rep := &Report{}
	var entries []*entry
	for _, m := range machines {
		if m.Namespace == "" {
			m.Namespace = "default"
		}
		if ok, why := vitistack.HandledByKubevirt(m); !ok {
			rep.Skipped = append(rep.Skipped, status.Skipped{Machine: m.Namespace + "/" + m.Name, Reason: why})
			continue
		}
		e := &entry{machine: m, item: &Item{Machine: machineOf(m), Volumes: []Volume{}, Events: []Event{}}}
		entries = append(entries, e)
		t, err := r.Resolver.Resolve(ctx, m)
		var miss *target.SearchError
		switch {
		case errors.As(err, &miss) && len(miss.Skipped) == 0:
			// Searched every cluster: provisioned on none.
		case err != nil:
			e.item.Error = err.Error()
		default:
			e.target = t
			e.item.Cluster = &Cluster{Name: t.Name(), ChosenBy: t.By.String()}
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.listSupervisor(ctx, entries)
	}()
	for _, g := range groupByCluster(entries) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.readRemote(ctx, g)
		}()
	}
	wg.Wait()
	r.fillSupervisor(ctx, entries)
	for _, e := range entries {
		sortEvents(e.item, r.Options.MaxEvents)
		rep.Items = append(rep.Items, *e.item)
	}
	return rep
}

func machineOf(m *vitistackv1alpha1.Machine) Machine {
	return Machine{Namespace: m.Namespace, Name: m.Name, Phase: m.Status.Phase, Class: m.Spec.MachineClass,
		KubevirtConfig: m.Annotations[vitistack.AnnotationKubevirtConfig], Created: m.CreationTimestamp.Time}
}

// group is the entries of one remote cluster.
type group struct {
	client  *cluster.Client
	entries []*entry
}

func groupByCluster(entries []*entry) []*group {
	byID := map[cluster.ID]*group{}
	var out []*group
	for _, e := range entries {
		if e.target.Cluster == nil {
			continue
		}
		g, ok := byID[e.target.Cluster.ID]
		if !ok {
			g = &group{client: e.target.Cluster}
			byID[e.target.Cluster.ID] = g
			out = append(out, g)
		}
		g.entries = append(g.entries, e)
	}
	return out
}

// scopes are the namespaces to list in: each of the entries' namespaces, or "" (the whole
// cluster) when there are more than status.NamespaceLists.
func scopes(entries []*entry) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range entries {
		if !seen[e.machine.Namespace] {
			seen[e.machine.Namespace] = true
			out = append(out, e.machine.Namespace)
		}
	}
	if len(out) > status.NamespaceLists {
		return []string{""}
	}
	sort.Strings(out)
	return out
}

// lists reads every (resource, namespace) pair in parallel; the answers come back through Store.
func (r *Reader) lists(ctx context.Context, c *cluster.Client, resources []cluster.Resource, namespaces []string) {
	var wg sync.WaitGroup
	for _, res := range resources {
		for _, ns := range namespaces {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = r.Store.Objects(ctx, c, res, ns)
			}()
		}
	}
	wg.Wait()
}

// inNamespace are the kept objects of a resource in one namespace (from whichever list covered
// it).
func (r *Reader) inNamespace(ctx context.Context, c *cluster.Client, res cluster.Resource, scope, namespace string) ([]*unstructured.Unstructured, error) {
	all, err := r.Store.Objects(ctx, c, res, scope)
	if err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	for _, u := range all {
		if u.GetNamespace() == namespace {
			out = append(out, u)
		}
	}
	return out, nil
}

// listSupervisor lists the MachineClasses (once, when a Machine names one), the
// NetworkConfigurations and, with events, the events of the Machines' namespaces.
func (r *Reader) listSupervisor(ctx context.Context, entries []*entry) {
	if len(entries) == 0 {
		return
	}
	resources := []cluster.Resource{cluster.NetworkConfigurations}
	if r.Options.Events {
		resources = append(resources, cluster.Events)
	}
	var wg sync.WaitGroup
	if needClass(entries) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = r.Store.Objects(ctx, r.Supervisor, cluster.MachineClasses, "")
		}()
	}
	r.lists(ctx, r.Supervisor, resources, scopes(entries))
	wg.Wait()
}

func needClass(entries []*entry) bool {
	for _, e := range entries {
		if e.machine.Spec.MachineClass != "" {
			return true
		}
	}
	return false
}

// fillSupervisor fills each entry's supervisor part from what listSupervisor read.
func (r *Reader) fillSupervisor(ctx context.Context, entries []*entry) {
	if len(entries) == 0 {
		return
	}
	sup := r.Supervisor
	classes := map[string]bool{}
	if needClass(entries) {
		all, _ := r.Store.Objects(ctx, sup, cluster.MachineClasses, "")
		for _, u := range all {
			classes[u.GetName()] = true
		}
	}
	all := scopes(entries)[0] == ""
	for _, e := range entries {
		m, it := e.machine, e.item
		scope := m.Namespace
		if all {
			scope = ""
		}
		it.Machine.ClassFound = classes[m.Spec.MachineClass]
		if configs, err := r.inNamespace(ctx, sup, cluster.NetworkConfigurations, scope, m.Namespace); err == nil {
			it.NetworkConfiguration = networkConfiguration(m.Name, configs)
		}
		if !r.Options.Events {
			continue
		}
		events, err := r.inNamespace(ctx, sup, cluster.Events, scope, m.Namespace)
		if err != nil {
			continue
		}
		objects := map[string]bool{"Machine/" + m.Name: true}
		if it.NetworkConfiguration != nil {
			objects["NetworkConfiguration/"+it.NetworkConfiguration.Name] = true
		}
		it.addEvents(events, objects)
	}
}

// readRemote reads one remote cluster under its deadline: its version and every list of the
// group's namespaces, then fills each entry.
func (r *Reader) readRemote(ctx context.Context, g *group) {
	ns := scopes(g.entries)
	resources := append(append([]cluster.Resource{}, remoteRequired...), remoteOptional...)
	if r.Options.Events {
		resources = append(resources, cluster.Events)
	}
	var version string
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		version, _ = g.client.ServerVersion(ctx)
	}()
	r.lists(ctx, g.client, resources, ns)
	wg.Wait()
	for _, e := range g.entries {
		e.item.Cluster.Version = version
		scope := e.machine.Namespace
		if ns[0] == "" {
			scope = ""
		}
		r.fill(ctx, g.client, e, scope)
	}
}

// fill builds an entry's remote part from the kept lists of its namespace.
func (r *Reader) fill(ctx context.Context, c *cluster.Client, e *entry, scope string) {
	m, it := e.machine, e.item
	got := map[string][]*unstructured.Unstructured{}
	for _, res := range remoteRequired {
		objs, err := r.inNamespace(ctx, c, res, scope, m.Namespace)
		if err != nil {
			it.Error = r.explain(err)
			return
		}
		got[res.GVR.Resource] = objs
	}
	for _, res := range remoteOptional {
		objs, err := r.inNamespace(ctx, c, res, scope, m.Namespace)
		if err != nil && !cluster.IsNotServed(err) {
			it.Error = r.explain(err)
			return
		}
		got[res.GVR.Resource] = objs
	}
	vm := render.MachineVM(m.Name, got[cluster.VirtualMachines.GVR.Resource])
	objects := map[string]bool{}
	if vm != nil {
		it.VM = vmOf(vm)
		objects["VirtualMachine/"+vm.GetName()] = true
		if vmi := byName(got[cluster.VirtualMachineInstances.GVR.Resource], vm.GetName()); vmi != nil {
			it.VMI = vmiOf(vmi)
			objects["VirtualMachineInstance/"+vmi.GetName()] = true
		}
		it.Networks = networks(vm, got[cluster.NetworkAttachmentDefinitions.GVR.Resource])
		it.CloudInit = cloudInit(vm, got[cluster.Secrets.GVR.Resource])
	}
	it.Volumes = volumes(m.Name, vm, got[cluster.PVCs.GVR.Resource], got[cluster.DataVolumes.GVR.Resource])
	for _, v := range it.Volumes {
		if v.Found {
			objects[v.Kind+"/"+v.Name] = true
		}
	}
	for _, n := range it.Networks {
		if n.Found {
			objects["NetworkAttachmentDefinition/"+n.Name] = true
		}
	}
	if it.CloudInit != nil {
		objects["Secret/"+it.CloudInit.Name] = true
	}
	if r.Options.Events {
		if events, err := r.inNamespace(ctx, c, cluster.Events, scope, m.Namespace); err == nil {
			it.addEvents(events, objects)
		}
	}
}

// explain words a failed read: a missed deadline in the one wording of --cluster-timeout
// (cluster.TimeoutError), anything else as it is.
func (r *Reader) explain(err error) string {
	var te *cluster.TimeoutError
	if errors.As(err, &te) {
		return te.Error()
	}
	return err.Error()
}
