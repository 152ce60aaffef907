package doctor

import (
	"context"
	"fmt"
	"sort"
	"sync"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/access"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// survey is what the supervisor holds, read once, in parallel, before the checks that need it: its
// vitistack CRDs, the KubevirtConfigs, the Machines and their NetworkNamespaces.
type survey struct {
	served    map[string]bool // resources of vitistack.io/v1alpha1
	servedErr error

	configs    []vitistackv1alpha1.KubevirtConfig
	configsErr error

	machines    []machine
	machinesErr error

	// networks are the NetworkNamespaces by namespace; nil when they could not be listed.
	networks    map[string][]vitistackv1alpha1.NetworkNamespace
	networksErr error

	// remotes are the remote clusters to check.
	remotes []remoteTarget
}

// machine is what the checks need of a Machine.
type machine struct {
	namespace, name string
	// config is the vitistack.io/kubevirt-config annotation.
	config string
	// owned: the Machine carries the kubevirt-operator's finalizer.
	owned bool
	// networkNamespace is spec.network.networkNamespaceName.
	networkNamespace string
}

func (m machine) key() string { return m.namespace + "/" + m.name }

// remoteTarget is one remote cluster to check: a KubevirtConfig, or the --remote-kubeconfig cluster.
type remoteTarget struct {
	name string
	// config is nil for the override.
	config *vitistackv1alpha1.KubevirtConfig
}

func (d *Doctor) survey(ctx context.Context) *survey {
	s := &survey{}
	var wg sync.WaitGroup
	for _, read := range []func(){
		func() {
			s.served, s.servedErr = d.Supervisor.ServedResources(ctx, cluster.Machines.GVR.GroupVersion())
		},
		func() { s.configs, s.configsErr = d.Resolver.Configs(ctx) },
		func() { s.machines, s.machinesErr = d.listMachines(ctx) },
		func() { s.networks, s.networksErr = d.listNetworks(ctx) },
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			read()
		}()
	}
	wg.Wait()
	s.remotes = d.remoteTargets(s)
	return s
}

func (d *Doctor) listMachines(ctx context.Context) ([]machine, error) {
	var out []machine
	err := d.Supervisor.List(ctx, cluster.Machines, d.Options.Namespace, "", func(u *unstructured.Unstructured) error {
		m := machine{namespace: u.GetNamespace(), name: u.GetName(), config: u.GetAnnotations()[vitistack.AnnotationKubevirtConfig]}
		for _, f := range u.GetFinalizers() {
			m.owned = m.owned || f == vitistack.Finalizer
		}
		m.networkNamespace, _, _ = unstructured.NestedString(u.Object, "spec", "network", "networkNamespaceName")
		out = append(out, m)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out, err
}

// listNetworks lists the NetworkNamespaces once, decoded as the pipeline decodes them. Without the
// CRD there are none.
func (d *Doctor) listNetworks(ctx context.Context) (map[string][]vitistackv1alpha1.NetworkNamespace, error) {
	out := map[string][]vitistackv1alpha1.NetworkNamespace{}
	err := d.Supervisor.List(ctx, cluster.NetworkNamespaces, d.Options.Namespace, "", func(u *unstructured.Unstructured) error {
		var nn vitistackv1alpha1.NetworkNamespace
		if err := cluster.FromUnstructured(u, &nn); err != nil {
			return fmt.Errorf("decode NetworkNamespace %q: %w", u.GetNamespace()+"/"+u.GetName(), err)
		}
		out[nn.Namespace] = append(out[nn.Namespace], nn)
		return nil
	})
	if apierrors.IsNotFound(err) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// remoteTargets are the override, or the KubevirtConfigs (only --kubevirt-config's when given).
func (d *Doctor) remoteTargets(s *survey) []remoteTarget {
	if d.Options.Override {
		return []remoteTarget{{name: "remote"}}
	}
	var out []remoteTarget
	for i := range s.configs {
		if d.Options.KubevirtConfig == "" || s.configs[i].Name == d.Options.KubevirtConfig {
			out = append(out, remoteTarget{name: s.configs[i].Name, config: &s.configs[i]})
		}
	}
	return out
}

// usesNetworks: the Machine names a NetworkNamespace, or its namespace has some (the operator's
// legacy lookup takes one of them).
func (s *survey) usesNetworks(m machine) bool {
	return m.networkNamespace != "" || len(s.networks[m.namespace]) > 0
}

// needsMultus: the Machine's NetworkNamespace, found as render finds it, gives it a Multus network,
// so its cluster needs NetworkAttachmentDefinitions. A NetworkNamespace it names that is missing
// gives none (render refuses the Machine).
func (s *survey) needsMultus(m machine) bool {
	vm := &vitistackv1alpha1.Machine{ObjectMeta: metav1.ObjectMeta{Namespace: m.namespace, Name: m.name}}
	vm.Spec.Network.NetworkNamespaceName = m.networkNamespace
	nn, err := render.FindNetworkNamespace(vm, s.networks[m.namespace])
	return err == nil && render.NeedsMultus(nn)
}

// machinesOn are the Machines whose objects may go to a remote cluster: those annotated with its
// KubevirtConfig and those without an annotation (resolved at run time); with the override, all.
func (s *survey) machinesOn(r remoteTarget) []machine {
	var out []machine
	for _, m := range s.machines {
		if r.config == nil || m.config == "" || m.config == r.name {
			out = append(out, m)
		}
	}
	return out
}

// supervisorScopes are the namespaces that matter on the supervisor.
func (s *survey) supervisorScopes(o Options) access.Scopes {
	sc := access.Scopes{MachineNamespaces: namespaces(s.machines, o)}
	seen := map[string]bool{}
	for _, r := range s.remotes {
		if r.config != nil && r.config.Spec.SecretNamespace != "" && !seen[r.config.Spec.SecretNamespace] {
			seen[r.config.Spec.SecretNamespace] = true
			sc.SecretNamespaces = append(sc.SecretNamespaces, r.config.Spec.SecretNamespace)
		}
	}
	sort.Strings(sc.SecretNamespaces)
	return sc
}

// namespaces are -n when given, else the Machines' namespaces, else the current namespace.
func namespaces(ms []machine, o Options) []string {
	if o.Namespace != "" {
		return []string{o.Namespace}
	}
	seen := map[string]bool{}
	var out []string
	for _, m := range ms {
		if !seen[m.namespace] {
			seen[m.namespace] = true
			out = append(out, m.namespace)
		}
	}
	if len(out) == 0 && o.CurrentNamespace != "" {
		out = []string{o.CurrentNamespace}
	}
	sort.Strings(out)
	return out
}
