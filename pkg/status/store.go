package status

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"sort"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// Store holds what one run read from the remote clusters: per cluster, resource and namespace (""
// for all namespaces) one list, read at most once, with the resourceVersion a watch resumes from. A
// list across the cluster answers for every namespace. It keeps only what rows need of each object
// (whole VirtualMachines only for drift), and only for the namespaces of the Machines shown.
//
// Its ListVMs is the VM search's way to list (target.Options.ListVMs), so that resolution and the
// join read each list once. A Store is safe for concurrent use; use one per run.
type Store struct {
	mu    sync.Mutex
	lists map[listKey]*listing
	// wanted are the namespaces whose objects are kept; nil keeps every namespace.
	wanted map[string]bool
	// full keeps whole VirtualMachines, for drift.
	full bool
	// whole keeps every object whole (KeepWhole); selectors narrow some resources' lists.
	whole     bool
	selectors map[string]string
}

// NewStore returns an empty Store.
func NewStore() *Store { return &Store{lists: map[listKey]*listing{}} }

type listKey struct {
	cluster   cluster.ID
	resource  string
	namespace string
}

// listing is one list and, during a watch, its updates.
type listing struct {
	done chan struct{}
	rv   string
	err  error
	// items are namespace → name → object.
	items map[string]map[string]*object
}

// object is what status keeps of a VirtualMachine, VMI or PVC.
type object struct {
	name, namespace string
	// owners are the values of the source-machine labels (either key).
	owners  map[string]string
	created time.Time
	// status is the VM's printableStatus, the VMI's phase or the PVC's phase.
	status string
	ready  bool
	node   string
	ips    []string
	// migration is the phase of the VMI's last migration ("" when it has none).
	migration string
	// full is the whole VirtualMachine, kept for drift (or, with KeepWhole, any whole object).
	full map[string]any
}

// owner is the Machine the object is labelled with, or "".
func (o *object) owner() string { return vitistack.SourceMachine(o.owners) }

// keep says which objects the following lists keep: those of namespaces (all namespaces when nil),
// and whole VirtualMachines when full.
func (s *Store) keep(namespaces map[string]bool, full bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wanted, s.full = namespaces, full
}

// ListVMs lists a cluster's VirtualMachines in a namespace ("" for all) for the VM search: the
// first call reads the cluster (each sees every object), later calls replay what was kept.
func (s *Store) ListVMs(ctx context.Context, c *cluster.Client, namespace string, each func(*unstructured.Unstructured) error) error {
	l, fresh := s.list(ctx, c, cluster.VirtualMachines, namespace, each)
	if fresh || l.err != nil {
		return l.err
	}
	for _, o := range s.snapshot(l, namespace) {
		u := &unstructured.Unstructured{Object: map[string]any{}}
		u.SetName(o.name)
		u.SetNamespace(o.namespace)
		u.SetLabels(o.owners)
		if err := each(u); err != nil {
			return err
		}
	}
	return nil
}

// list returns the listing of a resource in a namespace, reading it unless it was read before in
// the run (also as part of a list across the cluster). fresh says whether this call read it, in
// which case each (when not nil) saw every object.
func (s *Store) list(ctx context.Context, c *cluster.Client, r cluster.Resource, namespace string, each func(*unstructured.Unstructured) error) (l *listing, fresh bool) {
	s.mu.Lock()
	if all, ok := s.lists[listKey{c.ID, r.GVR.Resource, ""}]; ok && namespace != "" {
		s.mu.Unlock()
		return s.await(ctx, all), false
	}
	key := listKey{c.ID, r.GVR.Resource, namespace}
	if l, ok := s.lists[key]; ok {
		s.mu.Unlock()
		return s.await(ctx, l), false
	}
	l = &listing{done: make(chan struct{}), items: map[string]map[string]*object{}}
	s.lists[key] = l
	s.mu.Unlock()
	defer close(l.done)
	items, rv, err := s.read(ctx, c, r, namespace, each)
	s.mu.Lock()
	l.rv, l.err, l.items = rv, err, items
	s.mu.Unlock()
	return l, true
}

// await waits for a listing another caller is reading; a caller whose context ends first gets a
// listing holding that error.
func (s *Store) await(ctx context.Context, l *listing) *listing {
	select {
	case <-l.done:
		return l
	case <-ctx.Done():
		return &listing{err: ctx.Err()}
	}
}

// relist reads a listing again (its resourceVersion expired, or its first read failed) and returns
// the new resourceVersion. On failure the listing keeps what it had.
func (s *Store) relist(ctx context.Context, c *cluster.Client, r cluster.Resource, namespace string) (string, error) {
	items, rv, err := s.read(ctx, c, r, namespace, nil)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := listKey{c.ID, r.GVR.Resource, namespace}
	l, ok := s.lists[key]
	if !ok {
		l = &listing{done: make(chan struct{})}
		close(l.done)
		s.lists[key] = l
	}
	l.rv, l.err, l.items = rv, nil, items
	return rv, nil
}

// read lists a resource in a namespace and returns what is kept of its objects and the list's
// resourceVersion; each (when not nil) sees every object first.
func (s *Store) read(ctx context.Context, c *cluster.Client, r cluster.Resource, namespace string, each func(*unstructured.Unstructured) error) (map[string]map[string]*object, string, error) {
	items := map[string]map[string]*object{}
	rv, err := c.ListFrom(ctx, r, namespace, s.selectors[r.GVR.Resource], func(u *unstructured.Unstructured) error {
		if each != nil {
			if err := each(u); err != nil {
				return err
			}
		}
		s.put(items, r, u)
		return nil
	})
	return items, rv, err
}

// apply records one watch event in the listing of (cluster, resource, namespace).
func (s *Store) apply(id cluster.ID, r cluster.Resource, namespace string, typ watch.EventType, u *unstructured.Unstructured) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.lists[listKey{id, r.GVR.Resource, namespace}]
	if !ok {
		return
	}
	l.rv = u.GetResourceVersion()
	if typ == watch.Deleted {
		delete(l.items[u.GetNamespace()], u.GetName())
		return
	}
	s.putLocked(l.items, r, u)
}

// has reports whether a resource was listed (or is being listed) on a cluster in a namespace.
func (s *Store) has(id cluster.ID, r cluster.Resource, namespace string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.lists[listKey{id, r.GVR.Resource, namespace}]
	return ok
}

// version is the resourceVersion a watch of the listing resumes from: "" when its read failed.
func (s *Store) version(id cluster.ID, r cluster.Resource, namespace string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.lists[listKey{id, r.GVR.Resource, namespace}]
	if !ok || l.err != nil {
		return ""
	}
	return l.rv
}

// ListError is a list (or a watch) of one cluster that failed; rows of the namespaces it covers
// show it.
type ListError struct {
	Cluster   cluster.ID
	Resource  cluster.Resource
	Namespace string
	// Verb is "list" (when empty) or "watch".
	Verb string
	Err  error
}

func (e *ListError) Error() string {
	where := ""
	if e.Namespace != "" {
		where = fmt.Sprintf(" in %q", e.Namespace)
	}
	verb := e.Verb
	if verb == "" {
		verb = "list"
	}
	return fmt.Sprintf("cluster %s: %s %s%s: %v", e.Cluster, verb, e.Resource.GVR.Resource, where, transport(e.Err))
}

func (e *ListError) Unwrap() error { return e.Err }

// transport drops the request from a transport error (its method, URL and query say nothing a
// user can act on): what remains is the cause, such as "dial tcp …: connect: connection refused".
func transport(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// place is what the Store keeps of a cluster's namespace, gathered once for the rows of all of its
// Machines; err is the first of its VM, VMI and PVC listings that failed, as a *ListError.
type place struct {
	err error
	// vms and vmis are by name; owned are the same VMs by owner ("" when unlabelled) and name.
	vms, vmis map[string]*object
	owned     map[string]map[string]*object
	// pvcs are by owner.
	pvcs map[string][]*object
}

// place gathers the kept VMs, VMIs and PVCs of a namespace of a cluster.
func (s *Store) place(id cluster.ID, namespace string) *place {
	s.mu.Lock()
	defer s.mu.Unlock()
	vms, err := s.objects(id, cluster.VirtualMachines, namespace)
	var vmis, pvcs map[string]*object
	if err == nil {
		vmis, err = s.objects(id, cluster.VirtualMachineInstances, namespace)
	}
	if err == nil {
		pvcs, err = s.objects(id, cluster.PVCs, namespace)
	}
	if err != nil {
		return &place{err: err}
	}
	p := &place{vms: vms, vmis: vmis, owned: map[string]map[string]*object{}, pvcs: map[string][]*object{}}
	for _, o := range vms {
		if p.owned[o.owner()] == nil {
			p.owned[o.owner()] = map[string]*object{}
		}
		p.owned[o.owner()][o.name] = o
	}
	for _, o := range pvcs {
		p.pvcs[o.owner()] = append(p.pvcs[o.owner()], o)
	}
	return p
}

// objects are the kept objects of a resource in a namespace of a cluster by name, from whichever
// listing covers it; a listing that failed gives its *ListError. The caller holds the lock.
func (s *Store) objects(id cluster.ID, r cluster.Resource, namespace string) (map[string]*object, error) {
	key := listKey{id, r.GVR.Resource, ""}
	l, ok := s.lists[key]
	if !ok {
		key.namespace = namespace
		if l, ok = s.lists[key]; !ok {
			return nil, &ListError{Cluster: id, Resource: r, Namespace: namespace, Err: fmt.Errorf("not read")}
		}
	}
	if l.err != nil {
		return nil, &ListError{Cluster: id, Resource: r, Namespace: key.namespace, Err: l.err}
	}
	return maps.Clone(l.items[namespace]), nil
}

func (s *Store) snapshot(l *listing, namespace string) []*object {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*object
	for ns, objs := range l.items {
		if namespace != "" && ns != namespace {
			continue
		}
		for _, o := range objs {
			out = append(out, o)
		}
	}
	return out
}

func (s *Store) put(items map[string]map[string]*object, r cluster.Resource, u *unstructured.Unstructured) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putLocked(items, r, u)
}

func (s *Store) putLocked(items map[string]map[string]*object, r cluster.Resource, u *unstructured.Unstructured) {
	ns := u.GetNamespace()
	if s.wanted != nil && !s.wanted[ns] {
		return
	}
	if items[ns] == nil {
		items[ns] = map[string]*object{}
	}
	o := slim(r, u, s.full)
	if s.whole {
		o.full = whole(r, u)
	}
	items[ns][u.GetName()] = o
}

// KeepWhole makes the Store keep every object it lists whole, for the commands that show more of
// them than status's columns (describe, orphans), in every namespace. A Secret never keeps its
// data: each value is dropped as the list is read, and only its keys stay (each mapped to "").
// selectors narrow the lists of some resources (by resource, such as "secrets") with a label
// selector. Call it before the first list.
func (s *Store) KeepWhole(selectors map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.whole, s.wanted, s.selectors = true, nil, selectors
}

// Objects lists a resource of a cluster in a namespace ("" for all), unless the run listed it
// before (a list across the cluster answers for every namespace), and returns the kept objects of
// that namespace, by namespace and name. A failed list is a *ListError. Objects are shared: do not
// modify them.
func (s *Store) Objects(ctx context.Context, c *cluster.Client, r cluster.Resource, namespace string) ([]*unstructured.Unstructured, error) {
	l, _ := s.list(ctx, c, r, namespace, nil)
	if l.err != nil {
		return nil, &ListError{Cluster: c.ID, Resource: r, Namespace: namespace, Err: l.err}
	}
	var out []*unstructured.Unstructured
	for _, o := range s.snapshot(l, namespace) {
		if o.full != nil {
			out = append(out, &unstructured.Unstructured{Object: o.full})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].GetNamespace() != out[j].GetNamespace() {
			return out[i].GetNamespace() < out[j].GetNamespace()
		}
		return out[i].GetName() < out[j].GetName()
	})
	return out, nil
}

// whole is what KeepWhole keeps of an object: all of it, but a Secret's data only as its keys.
func whole(r cluster.Resource, u *unstructured.Unstructured) map[string]any {
	if r.GVR.Resource != cluster.Secrets.GVR.Resource {
		return u.Object
	}
	keys := map[string]any{}
	for _, field := range []string{"data", "stringData"} {
		if m, ok := u.Object[field].(map[string]any); ok {
			for k := range m {
				keys[k] = ""
			}
		}
	}
	out := map[string]any{}
	for k, v := range u.Object {
		if k != "data" && k != "stringData" {
			out[k] = v
		}
	}
	out["data"] = keys
	return out
}
