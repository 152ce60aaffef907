// Package target finds the remote KubeVirt cluster of each Machine and builds one client per
// cluster. The order is documented in docs/namespace-management.md: the --remote-kubeconfig/--remote-context
// override, the Machine's vitistack.io/kubevirt-config annotation, --kubevirt-config or
// DEFAULT_KUBEVIRT_CONFIG, the only KubevirtConfig, or the one whose cluster already holds the
// Machine's VirtualMachine.
package target

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"

	"github.com/vitistack/kubectl-vitimachine/pkg/batch"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// By is how a target was chosen; String words it for reports ("chosen by …").
type By int

// How a target was chosen, in the order the rules are tried.
const (
	ByOverride By = iota
	ByAnnotation
	ByFlag
	ByEnv
	BySingle
	ByVMSearch
)

func (b By) String() string {
	switch b {
	case ByOverride:
		return "--remote-kubeconfig/--remote-context"
	case ByAnnotation:
		return "annotation"
	case ByFlag:
		return "--kubevirt-config"
	case ByEnv:
		return "DEFAULT_KUBEVIRT_CONFIG"
	case BySingle:
		return "only KubevirtConfig"
	case ByVMSearch:
		return "VM found on its cluster"
	}
	return fmt.Sprintf("By(%d)", int(b))
}

// Target is where one Machine's remote objects go.
type Target struct {
	// Config is the KubevirtConfig name; empty with the override.
	Config string
	// By says how the target was chosen.
	By By
	// Cluster is the remote cluster's client, shared by every Machine with the same target.
	Cluster *cluster.Client
}

// Name is the cluster's display name: the KubevirtConfig, or with the override the kubeconfig context.
func (t Target) Name() string { return t.Cluster.ID.Name }

// Record reports whether the choice must be written to the Machine's annotation, as the operator does:
// whenever the plugin chose a KubevirtConfig, except through the annotation itself or the override.
func (t Target) Record() bool { return t.Config != "" && t.By != ByAnnotation }

// Options configure a Resolver. The zero value resolves through the supervisor only.
type Options struct {
	// Override, when set, is used for every Machine and skips discovery.
	Override *rest.Config
	// OverrideName names the override cluster in output.
	OverrideName string
	// Default is --kubevirt-config, else DEFAULT_KUBEVIRT_CONFIG; DefaultBy says which.
	Default   string
	DefaultBy By
	// Policy for kubeconfigs read from Secrets.
	Policy Policy
	// Limits are the client rate limits and the per-request timeout for every remote cluster.
	Limits cluster.Limits
	// ClusterTimeout bounds all the work on each remote cluster, counting only the time its own
	// requests are in flight (cluster.Client.Bound): a cluster that hangs fails its own Machines
	// with a *cluster.TimeoutError after that long, and costs no more. Zero means no bound.
	ClusterTimeout time.Duration
	// NewClient builds the client of a remote cluster from its configuration; nil means
	// cluster.New with Limits. Tests inject clients over fakes.
	NewClient func(id cluster.ID, cfg *rest.Config) (*cluster.Client, error)
	// IndexVMs makes the VM search list each cluster's VMs once, across all namespaces, instead of
	// one namespace per Machine: cheaper when many Machines are resolved in one run (ns-sync).
	IndexVMs bool
	// VMNames are the VM names a Machine may have on its cluster (one per naming scheme), for the
	// VM search.
	VMNames func(machine string) []string
	// ListVMs, when set, is how the VM search lists a cluster's VirtualMachines in a namespace (""
	// for all namespaces, with IndexVMs): status passes its own once-per-run lists here, so that the
	// search and status's join read each list once. nil lists through the cluster's client.
	ListVMs func(ctx context.Context, c *cluster.Client, namespace string, each func(*unstructured.Unstructured) error) error
}

// Resolver resolves Machines to targets. It is safe for concurrent use. It lists KubevirtConfigs at
// most once and reads each Secret at most once per run.
type Resolver struct {
	supervisor *cluster.Client
	opts       Options

	mu       sync.Mutex
	configs  []vitistackv1alpha1.KubevirtConfig
	listed   bool
	listErr  error
	clients  batch.Memo[string, *cluster.Client]
	override *cluster.Client
	dead     map[string]bool
	indexes  batch.Memo[cluster.ID, *vmIndex]
}

// NewResolver returns a Resolver that reads KubevirtConfigs and Secrets through supervisor.
func NewResolver(supervisor *cluster.Client, opts Options) *Resolver {
	if opts.NewClient == nil {
		limits := opts.Limits
		opts.NewClient = func(id cluster.ID, cfg *rest.Config) (*cluster.Client, error) { return cluster.New(id, cfg, limits) }
	}
	return &Resolver{supervisor: supervisor, opts: opts, dead: map[string]bool{}}
}

// Resolve finds the target of one Machine.
func (r *Resolver) Resolve(ctx context.Context, m *vitistackv1alpha1.Machine) (Target, error) {
	if r.opts.Override != nil {
		c, err := r.overrideClient()
		return Target{By: ByOverride, Cluster: c}, err
	}
	if name := m.Annotations[vitistack.AnnotationKubevirtConfig]; name != "" {
		return r.named(ctx, name, ByAnnotation)
	}
	if r.opts.Default != "" {
		return r.named(ctx, r.opts.Default, r.opts.DefaultBy)
	}
	configs, err := r.list(ctx)
	if err != nil {
		return Target{}, err
	}
	switch len(configs) {
	case 0:
		return Target{}, fmt.Errorf("machine %q has no %s annotation and there are no KubevirtConfigs on the supervisor (create one; see docs/namespace-management.md)", key(m), vitistack.AnnotationKubevirtConfig)
	case 1:
		return r.named(ctx, configs[0].Name, BySingle)
	}
	return r.search(ctx, m, configs)
}

func (r *Resolver) overrideClient() (*cluster.Client, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.override == nil {
		c, err := r.newClient(cluster.RemoteID(r.opts.OverrideName), r.opts.OverrideName, r.opts.Override)
		if err != nil {
			return nil, err
		}
		r.override = c
	}
	return r.override, nil
}

func (r *Resolver) named(ctx context.Context, name string, by By) (Target, error) {
	c, err := r.Client(ctx, name)
	if err != nil {
		return Target{}, err
	}
	return Target{Config: name, By: by, Cluster: c}, nil
}

// Configs returns the KubevirtConfigs on the supervisor, listed once.
func (r *Resolver) Configs(ctx context.Context) ([]vitistackv1alpha1.KubevirtConfig, error) {
	return r.list(ctx)
}

func (r *Resolver) list(ctx context.Context) ([]vitistackv1alpha1.KubevirtConfig, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.listed {
		return r.configs, r.listErr
	}
	r.listed = true
	r.listErr = r.supervisor.List(ctx, cluster.KubevirtConfigs, "", "", func(u *unstructured.Unstructured) error {
		var kc vitistackv1alpha1.KubevirtConfig
		if err := cluster.FromUnstructured(u, &kc); err != nil {
			return fmt.Errorf("decode KubevirtConfig %q: %w", u.GetName(), err)
		}
		r.configs = append(r.configs, kc)
		return nil
	})
	if r.listErr != nil {
		r.listErr = fmt.Errorf("list KubevirtConfigs on the supervisor: %w", r.listErr)
	}
	sort.Slice(r.configs, func(i, j int) bool { return r.configs[i].Name < r.configs[j].Name })
	return r.configs, r.listErr
}

func (r *Resolver) config(ctx context.Context, name string) (*vitistackv1alpha1.KubevirtConfig, error) {
	configs, err := r.list(ctx)
	if err != nil {
		return nil, err
	}
	for i := range configs {
		if configs[i].Name == name {
			return &configs[i], nil
		}
	}
	names := make([]string, 0, len(configs))
	for _, c := range configs {
		names = append(names, c.Name)
	}
	return nil, fmt.Errorf("KubevirtConfig %q not found on the supervisor (have: %s)", name, orNone(names))
}

// Client returns the client of a KubevirtConfig's cluster, built once per run.
func (r *Resolver) Client(ctx context.Context, name string) (*cluster.Client, error) {
	return r.clients.Get(name, func() (*cluster.Client, error) { return r.build(ctx, name) })
}

func (r *Resolver) build(ctx context.Context, name string) (*cluster.Client, error) {
	kc, err := r.config(ctx, name)
	if err != nil {
		return nil, err
	}
	ns, secret := kc.Spec.SecretNamespace, kc.Spec.KubeconfigSecretRef
	switch {
	case secret == "":
		return nil, fmt.Errorf("KubevirtConfig %q: spec.kubeconfigSecretRef is empty (name the Secret that holds the remote kubeconfig)", name)
	case ns == "":
		return nil, fmt.Errorf("KubevirtConfig %q: spec.secretNamespace is empty (name the namespace of Secret %q)", name, secret)
	}
	src := Source{KubevirtConfig: name, SecretRef: ns + "/" + secret, Key: vitistack.SecretKeyKubeconfig}
	data, err := r.supervisor.SecretData(ctx, ns, secret)
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("KubevirtConfig %q: Secret %q not found on the supervisor", name, src.SecretRef)
		}
		return nil, fmt.Errorf("KubevirtConfig %q: read Secret %q: %w", name, src.SecretRef, err)
	}
	raw, ok := data[vitistack.SecretKeyKubeconfig]
	if !ok {
		return nil, fmt.Errorf("KubevirtConfig %q: Secret %q has no %q key (keys: %s)", name, src.SecretRef, vitistack.SecretKeyKubeconfig, orNone(keys(data)))
	}
	cfg, kubeContext, err := untrustedConfig(raw, src, r.opts.Policy)
	if err != nil {
		return nil, err
	}
	return r.newClient(cluster.RemoteID(name), kubeContext, cfg)
}

// newClient builds a remote cluster's client, reached through the kubeconfig context kubeContext,
// bounded by ClusterTimeout.
func (r *Resolver) newClient(id cluster.ID, kubeContext string, cfg *rest.Config) (*cluster.Client, error) {
	c, err := r.opts.NewClient(id, cfg)
	if err != nil {
		return nil, err
	}
	c.Context = kubeContext
	c.Bound(r.opts.ClusterTimeout)
	return c, nil
}

func key(m *vitistackv1alpha1.Machine) string { return m.Namespace + "/" + m.Name }

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
