package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/batch"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/diff"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// Options are the pipeline's choices from flags.
type Options struct {
	Render render.Options
	// StorageClass is --storage-class; empty means the remote default class.
	StorageClass string
	// AccessMode is --access-mode when given explicitly; empty means the StorageProfile, else
	// ReadWriteOnce.
	AccessMode corev1.PersistentVolumeAccessMode
	// Force provisions Machines that carry the operator's finalizer.
	Force bool
	// ISOSize is --iso-size: the ISO volume's size without asking the image's server; nil asks.
	ISOSize *resource.Quantity
	// ISOFromLive is for read-only rendering (status -o wide): the live VirtualMachine's ISO
	// DataVolumeTemplate size stands for the image's (DefaultISOSize without one), so the image's
	// server is never asked. Only a writing command may make a request outside the clusters.
	ISOFromLive bool
	// MACPrefix is --mac-prefix, the first octets of generated MACs; nil means render.MACPrefix.
	MACPrefix []byte
}

// Pipeline plans and applies. Create one per run: it caches MachineClasses and storage facts.
type Pipeline struct {
	Supervisor *cluster.Client
	Resolver   *target.Resolver
	Writer     write.Writer
	Options    Options
	// HTTP sizes ISO images; nil means a client with ISOSizeTimeout.
	HTTP *http.Client

	classes  batch.Memo[string, *vitistackv1alpha1.MachineClass]
	storage  batch.Memo[cluster.ID, storageFacts]
	networks batch.Memo[string, []vitistackv1alpha1.NetworkNamespace]
	configs  batch.Memo[string, networkConfigs]
	sources  batch.Memo[sourceKey, map[string][]byte]
	isoSizes batch.Memo[string, int64]
	remotes  batch.Memo[nsKey, *remoteNamespace]
	machines batch.Memo[string, map[string]*unstructured.Unstructured]
	nads     batch.Memo[objectKey, *unstructured.Unstructured]

	// wideNetworkLists is set when the run's Machines span several supervisor namespaces.
	wideNetworkLists bool
	// fileMachines counts the Machines from files per supervisor namespace.
	fileMachines map[string]int

	mu sync.Mutex
	// made records the namespaces this run created (or dry-run created).
	made map[nsKey]madeNamespace
}

// Plan is one Machine's plan and, after Apply, its outcome.
type Plan struct {
	plan.Input
	Target target.Target
	// Err is why the Machine cannot be provisioned; nothing is written for it.
	Err error
	// SkipReason is set for Machines of another provider.
	SkipReason string
	Items      []*plan.Item
	// VM is the VirtualMachine item, for --wait.
	VM *plan.Item
}

// Key is "namespace/name".
func (pl *Plan) Key() string { return pl.Machine.Namespace + "/" + pl.Machine.Name }

// Plan reads what each Machine needs and decides every write, without writing.
// Machines are planned Workers at a time; the plans come back in input order.
func (p *Pipeline) Plan(ctx context.Context, inputs []plan.Input) []*Plan {
	plans := make([]*Plan, len(inputs))
	namespaces := map[string]bool{}
	p.fileMachines = map[string]int{}
	for i, in := range inputs {
		plans[i] = &Plan{Input: in}
		namespaces[in.Machine.Namespace] = true
		if in.FromFile {
			p.fileMachines[in.Machine.Namespace]++
		}
	}
	p.wideNetworkLists = len(namespaces) > 1
	batch.Each(len(plans), Workers, func(i int) { plans[i].Err = p.plan(ctx, plans[i]) })
	return plans
}

// Workers bounds how many Machines are planned, and how many namespaces are applied, at once.
const Workers = 8

func (p *Pipeline) plan(ctx context.Context, pl *Plan) error {
	m := pl.Machine
	if m.Namespace == "" {
		m.Namespace = "default"
	}
	if pl.FromFile {
		if err := p.loadLiveMachine(ctx, pl); err != nil {
			return err
		}
		m = pl.Machine
	}
	if ok, why := vitistack.HandledByKubevirt(m); !ok {
		pl.SkipReason = why
		return nil
	}
	if !p.Options.Force && vitistack.OwnedByOperator(m) {
		return fmt.Errorf("machine %q carries the finalizer %s: a running kubevirt-operator owns it (use --force to provision it anyway)", pl.Key(), vitistack.Finalizer)
	}
	t, err := p.Resolver.Resolve(ctx, m)
	if err != nil {
		return err
	}
	pl.Target = t
	live, err := p.remoteNamespace(ctx, t.Cluster, m.Namespace)
	if err != nil {
		return err
	}
	if live.namespace != nil && IsTerminating(live.namespace) {
		return fmt.Errorf("cluster %s: namespace %q: %s", t.Cluster.ID, m.Namespace, TerminatingMessage)
	}
	objs, err := p.RenderFor(ctx, m, t, live.vms[render.VMName(p.Options.Render.Naming, m.Name)])
	var pending error
	if errors.Is(err, render.ErrStaticIPPending) {
		pending, err = err, nil
	}
	if err != nil {
		var re *renderError
		if errors.As(err, &re) {
			return fmt.Errorf("machine %q (%s): %w", pl.Key(), pl.originOr("supervisor"), re.err)
		}
		return err
	}
	return p.planObjects(ctx, pl, objs, live, pending)
}

// renderError is a refusal of render: the Machine itself is wrong.
type renderError struct{ err error }

func (e *renderError) Error() string { return e.err.Error() }

// Render reads what rendering a Machine for its target needs and renders its objects; see
// RenderFor. status uses it to tell whether a live VM still is what create would make.
func (p *Pipeline) Render(ctx context.Context, m *vitistackv1alpha1.Machine, t target.Target) (render.Objects, error) {
	return p.RenderFor(ctx, m, t, nil)
}

// RenderFor reads what rendering a Machine for its target needs (its MachineClass, the cluster's
// storage facts, its NetworkNamespace and NetworkConfiguration, its cloud-init sources, its ISO's
// size; each once per run) and renders its objects. liveVM is the Machine's live VM, whose MAC is
// kept when none is persisted; nil when there is none. render.ErrStaticIPPending passes through with
// the objects that may still be written.
func (p *Pipeline) RenderFor(ctx context.Context, m *vitistackv1alpha1.Machine, t target.Target, liveVM map[string]any) (render.Objects, error) {
	class, err := p.machineClass(ctx, m)
	if err != nil {
		return render.Objects{}, err
	}
	opts := p.Options.Render
	facts, err := p.storageFacts(ctx, t.Cluster)
	if err != nil {
		return render.Objects{}, err
	}
	opts.StorageClass, opts.AccessMode = facts.class, facts.accessMode
	nns, err := p.networkNamespaces(ctx, m.Namespace)
	if err != nil {
		return render.Objects{}, err
	}
	nn, err := render.FindNetworkNamespace(m, nns)
	if err != nil {
		return render.Objects{}, &renderError{err}
	}
	var config *vitistackv1alpha1.NetworkConfiguration
	served := true
	if render.NeedsMAC(nn, opts.Naming) {
		if config, served, err = p.networkConfig(ctx, m.Namespace, m.Name); err != nil {
			return render.Objects{}, err
		}
	}
	ci, err := p.cloudInit(ctx, m)
	if err != nil {
		return render.Objects{}, &renderError{err}
	}
	iso, err := p.iso(ctx, m, facts, liveVM)
	if err != nil {
		return render.Objects{}, &renderError{err}
	}
	mac, err := p.newMAC()
	if err != nil {
		return render.Objects{}, err
	}
	in := render.Input{Machine: m, Class: class, CloudInit: ci, ISO: iso,
		Network: render.Network{Namespace: nn, Config: config, LiveMAC: vmMAC(liveVM), NewMAC: mac}}
	objs, err := render.Render(in, opts)
	if err != nil && !errors.Is(err, render.ErrStaticIPPending) {
		return objs, &renderError{err}
	}
	if objs.NetworkConfiguration != nil && !served {
		return objs, fmt.Errorf("machine %q: the supervisor does not serve NetworkConfigurations (vitistack.io/v1alpha1), which keep the VM's MAC: install the vitistack CRDs (github.com/vitistack/common crds/)", m.Namespace+"/"+m.Name)
	}
	return objs, err
}

// vmMAC is the MAC of a VM's first interface, or "".
func vmMAC(vm map[string]any) string {
	ifaces, _, _ := unstructured.NestedSlice(vm, "spec", "template", "spec", "domain", "devices", "interfaces")
	if len(ifaces) == 0 {
		return ""
	}
	first, _ := ifaces[0].(map[string]any)
	mac, _, _ := unstructured.NestedString(first, "macAddress")
	return mac
}

func (pl *Plan) originOr(s string) string {
	if pl.Origin != "" {
		return pl.Origin
	}
	return s
}

// loadLiveMachine replaces a Machine from a file by the live one when it exists: existing Machines
// are never updated, so the live one is what gets provisioned. When the live Machine differs from
// the file (on the fields the file sets), the item is "exists (differs)" and says that the live one
// is provisioned; its diff shows the file against the live Machine.
func (p *Pipeline) loadLiveMachine(ctx context.Context, pl *Plan) error {
	desired := pl.Object
	if desired == nil {
		var err error
		if desired, err = cluster.Content(pl.Machine); err != nil {
			return err
		}
	}
	item := &plan.Item{Cluster: p.Supervisor.ID, Resource: cluster.Machines, Namespace: pl.Machine.Namespace, Name: pl.Machine.Name, Desired: desired}
	u, err := p.liveMachine(ctx, pl.Machine.Namespace, pl.Machine.Name)
	switch {
	case cluster.IsNotServed(err):
		return err
	case apierrors.IsNotFound(err):
		item.Write = plan.CreateObject
	case err != nil:
		return fmt.Errorf("get machine %q on the supervisor: %w", pl.Key(), err)
	default:
		var live vitistackv1alpha1.Machine
		if err := cluster.FromUnstructured(u, &live); err != nil {
			return fmt.Errorf("decode machine %q: %w", pl.Key(), err)
		}
		pl.Machine = &live
		item.Live = u.Object
		if !diff.Equal(desired, u.Object) {
			item.Action = plan.Differs
			item.Message = fmt.Sprintf("the live Machine differs from %s; the live one is provisioned (an existing Machine is never updated; see the diff)", pl.originOr("the file"))
		}
	}
	pl.Items = append(pl.Items, item)
	return nil
}

// liveMachine reads a Machine of a file on the supervisor: with a get when it is the only file
// Machine of its namespace, else from one list of the namespace's Machines, shared by all of them.
func (p *Pipeline) liveMachine(ctx context.Context, namespace, name string) (*unstructured.Unstructured, error) {
	if p.fileMachines[namespace] < 2 {
		return p.Supervisor.GetUnstructured(ctx, cluster.Machines, namespace, name)
	}
	all, err := p.machines.Get(namespace, func() (map[string]*unstructured.Unstructured, error) {
		out := map[string]*unstructured.Unstructured{}
		err := p.Supervisor.List(ctx, cluster.Machines, namespace, "", func(u *unstructured.Unstructured) error {
			out[u.GetName()] = u
			return nil
		})
		return out, err
	})
	if err != nil {
		return nil, err
	}
	if u, ok := all[name]; ok {
		return u.DeepCopy(), nil
	}
	return nil, apierrors.NewNotFound(cluster.Machines.GVR.GroupResource(), name)
}

func (p *Pipeline) machineClass(ctx context.Context, m *vitistackv1alpha1.Machine) (*vitistackv1alpha1.MachineClass, error) {
	name := m.Spec.MachineClass
	if name == "" {
		return nil, nil
	}
	mc, err := p.classes.Get(name, func() (*vitistackv1alpha1.MachineClass, error) {
		var mc vitistackv1alpha1.MachineClass
		return &mc, p.Supervisor.Get(ctx, cluster.MachineClasses, "", name, &mc)
	})
	// The lookup is shared by every Machine naming the class; the messages name this Machine.
	switch {
	case cluster.IsNotServed(err):
		return nil, fmt.Errorf("machine %q: spec.machineClass: %w", m.Namespace+"/"+m.Name, err)
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("machine %q: spec.machineClass: MachineClass %q not found on the supervisor", m.Namespace+"/"+m.Name, name)
	case err != nil:
		return nil, fmt.Errorf("get MachineClass %q on the supervisor: %w", name, err)
	case !mc.Spec.Enabled:
		return nil, fmt.Errorf("machine %q: spec.machineClass: MachineClass %q is disabled (spec.enabled: false)", m.Namespace+"/"+m.Name, name)
	}
	return mc, nil
}
