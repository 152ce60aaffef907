// Package orphans finds what is left over across the supervisor and every KubevirtConfig's
// cluster: VMs, VMIs, PVCs, cloud-init Secrets and NetworkAttachmentDefinitions the plugin or the
// operator labelled whose Machine (or VM) is gone, and Machines whose chosen cluster holds no VM.
// Each orphan comes with the command that would remove it. It never writes.
//
// Reads are batched as status's: on the supervisor one list of Machines and of KubevirtConfigs;
// on each cluster one list per kind (across the cluster, or in the one namespace asked for).
package orphans

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/status"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// Kinds of orphans.
const (
	VMWithoutMachine     = "vm-without-machine"
	MachineWithoutVM     = "machine-without-vm"
	VMIWithoutVM         = "vmi-without-vm"
	PVCWithoutMachine    = "pvc-without-machine"
	SecretWithoutMachine = "secret-without-machine"
	NADUnused            = "nad-unused"
)

// SupervisorName is the CLUSTER of an orphan on the supervisor.
const SupervisorName = "supervisor"

// SecretSelector narrows the Secret lists to those labelled with a Machine, as the cloud-init
// Secrets create makes are: pass it to Store.KeepWhole under "secrets".
const SecretSelector = vitistack.LabelSourceMachine

// managedByKeys are the managed-by label keys of the plugin and the operator.
var managedByKeys = []string{"vitistack.io/managed-by", vitistack.DefaultManagedByKey}

// Orphan is one left-over object.
type Orphan struct {
	Kind      string
	Cluster   string
	Namespace string
	Name      string
	Created   time.Time
	// Detail says why it is an orphan.
	Detail string
	// Fix is the command that would remove it.
	Fix string
}

// Unreadable is a cluster that could not be read: its orphans are not reported.
type Unreadable struct {
	Cluster string
	Error   string
}

// Report is what a run found.
type Report struct {
	Orphans    []Orphan
	Unreadable []Unreadable
}

// Options of a run.
type Options struct {
	// Namespace limits the search to one namespace on every cluster; "" searches all.
	Namespace string
	// MinAge leaves out objects younger than this.
	MinAge time.Duration
	// Now is the time ages are measured to.
	Now func() time.Time
	// SupervisorContext, when set, is passed as --context in the supervisor's fix commands.
	SupervisorContext string
}

// Finder finds orphans. Create one per run.
type Finder struct {
	Supervisor *cluster.Client
	Resolver   *target.Resolver
	// Store reads every list once; KeepWhole must have been called on it, with SecretSelector.
	Store   *status.Store
	Options Options
}

// remote is what one KubevirtConfig's cluster holds, by namespace.
type remote struct {
	config vitistackv1alpha1.KubevirtConfig
	vms    map[string][]*unstructured.Unstructured
	err    error
}

// Find reads the supervisor and every cluster (in parallel, each under its client's --cluster-timeout) and returns
// the orphans. err is a supervisor read that failed: nothing can be judged without it.
func (f *Finder) Find(ctx context.Context) (*Report, error) {
	machines, err := f.Store.Objects(ctx, f.Supervisor, cluster.Machines, f.Options.Namespace)
	if err != nil {
		return nil, fmt.Errorf("list machines on the supervisor: %w", err)
	}
	configs, err := f.Resolver.Configs(ctx)
	if err != nil {
		return nil, err
	}
	exists := map[string]bool{}
	for _, m := range machines {
		exists[m.GetNamespace()+"/"+m.GetName()] = true
	}
	rep := &Report{}
	remotes := make([]*remote, len(configs))
	found := make([][]Orphan, len(configs))
	var wg sync.WaitGroup
	for i, kc := range configs {
		remotes[i] = &remote{config: kc}
		wg.Add(1)
		go func() {
			defer wg.Done()
			found[i] = f.readRemote(ctx, remotes[i], exists)
		}()
	}
	wg.Wait()
	for i, r := range remotes {
		if r.err != nil {
			rep.Unreadable = append(rep.Unreadable, Unreadable{Cluster: r.config.Name, Error: r.err.Error()})
			continue
		}
		rep.Orphans = append(rep.Orphans, found[i]...)
	}
	rep.Orphans = append(rep.Orphans, f.machinesWithoutVM(machines, remotes)...)
	rep.Orphans = slices.DeleteFunc(rep.Orphans, func(o Orphan) bool { return f.now().Sub(o.Created) < f.Options.MinAge })
	sort.SliceStable(rep.Orphans, func(i, j int) bool {
		a, b := rep.Orphans[i], rep.Orphans[j]
		if a.Cluster != b.Cluster {
			return a.Cluster < b.Cluster
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	return rep, nil
}

func (f *Finder) now() time.Time {
	if f.Options.Now != nil {
		return f.Options.Now()
	}
	return time.Now()
}

// readRemote lists one cluster's VMs, VMIs, PVCs, labelled Secrets and NADs (those without Multus
// count as none) and returns its orphans; a cluster that cannot be read sets r.err.
func (f *Finder) readRemote(ctx context.Context, r *remote, exists map[string]bool) []Orphan {
	c, err := f.Resolver.Client(ctx, r.config.Name)
	if err != nil {
		r.err = err
		return nil
	}
	resources := []cluster.Resource{cluster.VirtualMachines, cluster.VirtualMachineInstances, cluster.PVCs, cluster.Secrets, cluster.NetworkAttachmentDefinitions}
	lists := make([][]*unstructured.Unstructured, len(resources))
	errs := make([]error, len(resources))
	var wg sync.WaitGroup
	for i, res := range resources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lists[i], errs[i] = f.Store.Objects(ctx, c, res, f.Options.Namespace)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil && (resources[i] != cluster.NetworkAttachmentDefinitions || !cluster.IsNotServed(err)) {
			r.err = explain(err)
			return nil
		}
	}
	vms, vmis, pvcs, secrets, nads := lists[0], lists[1], lists[2], lists[3], lists[4]
	r.vms = map[string][]*unstructured.Unstructured{}
	for _, vm := range vms {
		r.vms[vm.GetNamespace()] = append(r.vms[vm.GetNamespace()], vm)
	}
	fix := f.remoteFix(r.config)
	var out []Orphan
	orphan := func(kind string, res cluster.Resource, u *unstructured.Unstructured, detail string) {
		out = append(out, Orphan{Kind: kind, Cluster: r.config.Name, Namespace: u.GetNamespace(), Name: u.GetName(),
			Created: u.GetCreationTimestamp().Time, Detail: detail, Fix: fix(res, u.GetNamespace(), u.GetName())})
	}
	for _, vm := range vms {
		if owner, ok := ownerOf(vm, exists); ok && !exists[vm.GetNamespace()+"/"+owner] {
			orphan(VMWithoutMachine, cluster.VirtualMachines, vm, fmt.Sprintf("Machine %s/%s does not exist", vm.GetNamespace(), owner))
		}
	}
	for _, vmi := range vmis {
		if labelled(vmi) && byName(r.vms[vmi.GetNamespace()], vmi.GetName()) == nil {
			orphan(VMIWithoutVM, cluster.VirtualMachineInstances, vmi, "VirtualMachine "+vmi.GetName()+" does not exist")
		}
	}
	for _, p := range pvcs {
		if m := vitistack.SourceMachine(p.GetLabels()); m != "" && !exists[p.GetNamespace()+"/"+m] {
			orphan(PVCWithoutMachine, cluster.PVCs, p, fmt.Sprintf("labelled for Machine %s/%s, which does not exist", p.GetNamespace(), m))
		}
	}
	for _, s := range secrets {
		if m := vitistack.SourceMachine(s.GetLabels()); m != "" && !exists[s.GetNamespace()+"/"+m] {
			orphan(SecretWithoutMachine, cluster.Secrets, s, fmt.Sprintf("labelled for Machine %s/%s, which does not exist", s.GetNamespace(), m))
		}
	}
	for _, n := range nads {
		if managedBy(n.GetLabels()) && !used(n, r.vms[n.GetNamespace()]) {
			orphan(NADUnused, cluster.NetworkAttachmentDefinitions, n, "no VirtualMachine in the namespace uses it")
		}
	}
	return out
}

// ownerOf is the Machine a VM belongs to by its labels: its source-machine label, else (a VM with
// only a managed-by label) the Machine its name names, under either naming scheme, preferring one
// that exists. ok is false for a VM neither the plugin nor the operator labelled.
func ownerOf(vm *unstructured.Unstructured, exists map[string]bool) (string, bool) {
	if m := vitistack.SourceMachine(vm.GetLabels()); m != "" {
		return m, true
	}
	if !managedBy(vm.GetLabels()) {
		return "", false
	}
	name := vm.GetName()
	candidates := []string{name}
	if m, ok := strings.CutPrefix(name, render.VMName(render.NamingSeed, "")); ok && m != "" {
		candidates = append([]string{m}, candidates...)
	}
	for _, m := range candidates {
		if exists[vm.GetNamespace()+"/"+m] {
			return m, true
		}
	}
	return candidates[0], true
}

func managedBy(labels map[string]string) bool {
	for _, k := range managedByKeys {
		if labels[k] != "" {
			return true
		}
	}
	return false
}

func labelled(u *unstructured.Unstructured) bool {
	return managedBy(u.GetLabels()) || vitistack.SourceMachine(u.GetLabels()) != ""
}

func byName(objs []*unstructured.Unstructured, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetName() == name {
			return o
		}
	}
	return nil
}

// used reports whether a VM of the NAD's namespace names it in a Multus network ("name" or
// "namespace/name").
func used(nad *unstructured.Unstructured, vms []*unstructured.Unstructured) bool {
	for _, vm := range vms {
		nets, _, _ := unstructured.NestedSlice(vm.Object, "spec", "template", "spec", "networks")
		for _, n := range nets {
			m, _ := n.(map[string]any)
			name, _, _ := unstructured.NestedString(m, "multus", "networkName")
			if name == nad.GetName() || name == nad.GetNamespace()+"/"+nad.GetName() {
				return true
			}
		}
	}
	return false
}

// machinesWithoutVM are the kubevirt Machines whose annotation chose a cluster that was read and
// holds no VM of theirs (labelled with the Machine, or named as either naming scheme names it).
func (f *Finder) machinesWithoutVM(machines []*unstructured.Unstructured, remotes []*remote) []Orphan {
	read := map[string]*remote{}
	for _, r := range remotes {
		if r.err == nil {
			read[r.config.Name] = r
		}
	}
	var out []Orphan
	for _, u := range machines {
		var m vitistackv1alpha1.Machine
		if err := cluster.FromUnstructured(u, &m); err != nil {
			continue
		}
		if ok, _ := vitistack.HandledByKubevirt(&m); !ok {
			continue
		}
		r := read[m.Annotations[vitistack.AnnotationKubevirtConfig]]
		if r == nil || hasVM(&m, r.vms[m.Namespace]) {
			continue
		}
		out = append(out, Orphan{Kind: MachineWithoutVM, Cluster: SupervisorName, Namespace: m.Namespace, Name: m.Name,
			Created: m.CreationTimestamp.Time, Detail: "no VirtualMachine on " + r.config.Name + ", the cluster its annotation chose",
			Fix: f.machineFix(&m)})
	}
	return out
}

func hasVM(m *vitistackv1alpha1.Machine, vms []*unstructured.Unstructured) bool {
	for _, vm := range vms {
		if vitistack.SourceMachine(vm.GetLabels()) == m.Name {
			return true
		}
	}
	for _, n := range []render.Naming{render.NamingSeed, render.NamingOperator} {
		if vm := byName(vms, render.VMName(n, m.Name)); vm != nil && vitistack.SourceMachine(vm.GetLabels()) == "" {
			return true
		}
	}
	return false
}

// machineFix removes a Machine without a VM: the plugin's own delete (which also removes what
// create made for it, label-guarded), or, for a Machine the operator owns (its finalizer), a plain
// delete of the Machine: the operator cleans up.
func (f *Finder) machineFix(m *vitistackv1alpha1.Machine) string {
	ctx := ""
	if f.Options.SupervisorContext != "" {
		ctx = " --context " + shellQuote(f.Options.SupervisorContext)
	}
	if vitistack.OwnedByOperator(m) {
		return fmt.Sprintf("kubectl%s delete -n %s machine.vitistack.io/%s", ctx, m.Namespace, m.Name)
	}
	return fmt.Sprintf("kubectl vitimachine%s delete -n %s %s --machine", ctx, m.Namespace, m.Name)
}

// remoteFix is how an object on a KubevirtConfig's cluster is removed. The plugin's delete works
// from a Machine, which these objects no longer have, so it is kubectl with the cluster's
// kubeconfig read from the KubevirtConfig's Secret on the supervisor (never written to disk).
func (f *Finder) remoteFix(kc vitistackv1alpha1.KubevirtConfig) func(res cluster.Resource, namespace, name string) string {
	ctx := ""
	if f.Options.SupervisorContext != "" {
		ctx = " --context " + shellQuote(f.Options.SupervisorContext)
	}
	kubeconfig := fmt.Sprintf("<(kubectl%s get secret -n %s %s -o jsonpath='{.data.%s}' | base64 -d)",
		ctx, kc.Spec.SecretNamespace, kc.Spec.KubeconfigSecretRef, vitistack.SecretKeyKubeconfig)
	return func(res cluster.Resource, namespace, name string) string {
		return fmt.Sprintf("kubectl --kubeconfig %s delete -n %s %s", kubeconfig, namespace, res.Ref(name))
	}
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// explain words a failed read, plainly when the cluster's deadline passed.
func explain(err error) error {
	var te *cluster.TimeoutError
	if errors.As(err, &te) {
		return fmt.Errorf("did not answer within --cluster-timeout=%s", te.Timeout)
	}
	// The cluster is named where the error is shown.
	var le *status.ListError
	if errors.As(err, &le) {
		return errors.New(strings.TrimPrefix(err.Error(), "cluster "+le.Cluster.Name+": "))
	}
	return err
}
