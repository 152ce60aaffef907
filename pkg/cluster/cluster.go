// Package cluster is the plugin's access to one Kubernetes API server, the supervisor or a remote
// KubeVirt cluster. It speaks to fixed resources (no discovery requests), pages its lists and
// converts objects to the typed Go structs the rest of the plugin uses.
package cluster

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/vitistack/kubectl-vitimachine/pkg/version"
)

// Resources the plugin reads and writes. Kinds are fixed, so no discovery is ever needed.
var (
	Namespaces      = Resource{GVR: schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}, Kind: "Namespace"}
	PVCs            = Resource{GVR: schema.GroupVersionResource{Version: "v1", Resource: "persistentvolumeclaims"}, Kind: "PersistentVolumeClaim", Namespaced: true}
	Secrets         = Resource{GVR: schema.GroupVersionResource{Version: "v1", Resource: "secrets"}, Kind: "Secret", Namespaced: true}
	StorageClasses  = Resource{GVR: schema.GroupVersionResource{Group: "storage.k8s.io", Version: "v1", Resource: "storageclasses"}, Kind: "StorageClass"}
	StorageProfiles = Resource{GVR: schema.GroupVersionResource{Group: "cdi.kubevirt.io", Version: "v1beta1", Resource: "storageprofiles"}, Kind: "StorageProfile"}
	VirtualMachines = Resource{GVR: schema.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "virtualmachines"}, Kind: "VirtualMachine", Namespaced: true}
	Machines        = Resource{GVR: schema.GroupVersionResource{Group: "vitistack.io", Version: "v1alpha1", Resource: "machines"}, Kind: "Machine", Namespaced: true}
	KubevirtConfigs = Resource{GVR: schema.GroupVersionResource{Group: "vitistack.io", Version: "v1alpha1", Resource: "kubevirtconfigs"}, Kind: "KubevirtConfig"}
	MachineClasses  = Resource{GVR: schema.GroupVersionResource{Group: "vitistack.io", Version: "v1alpha1", Resource: "machineclasses"}, Kind: "MachineClass"}
)

// Resource is one API resource with the facts the plugin needs about it.
type Resource struct {
	GVR        schema.GroupVersionResource
	Kind       string
	Namespaced bool
}

// Ref names the resource as kubectl does: "virtualmachine.kubevirt.io/NAME", "namespace/NAME".
func (r Resource) Ref(name string) string {
	gr := schema.GroupResource{Group: r.GVR.Group, Resource: singular(r.Kind)}
	return gr.String() + "/" + name
}

func singular(kind string) string {
	b := []byte(kind)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// UserAgent is what the plugin sends as User-Agent: "kubectl-vitimachine/<version>".
func UserAgent() string { return "kubectl-vitimachine/" + version.Get().GitVersion }

// PageSize is the limit of each page of a list.
const PageSize = 500

// Client is one API server. Name identifies it in messages ("supervisor", a KubevirtConfig name).
type Client struct {
	Name   string
	Config *rest.Config
	dyn    dynamic.Interface
}

// Limits are the client-side rate limits set on purpose for every cluster.
type Limits struct {
	QPS   float32
	Burst int
}

// DefaultLimits are used when the flags do not say otherwise.
var DefaultLimits = Limits{QPS: 50, Burst: 100}

// New builds a client for cfg. cfg is copied; its rate limits are set from limits.
func New(name string, cfg *rest.Config, limits Limits) (*Client, error) {
	c := rest.CopyConfig(cfg)
	c.QPS, c.Burst = limits.QPS, limits.Burst
	if c.UserAgent == "" {
		c.UserAgent = UserAgent()
	}
	dyn, err := dynamic.NewForConfig(c)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", name, err)
	}
	return &Client{Name: name, Config: c, dyn: dyn}, nil
}

func (c *Client) resource(r Resource, namespace string) dynamic.ResourceInterface {
	if r.Namespaced {
		return c.dyn.Resource(r.GVR).Namespace(namespace)
	}
	return c.dyn.Resource(r.GVR)
}

// Get reads one object into out (a typed pointer such as *corev1.Namespace).
func (c *Client) Get(ctx context.Context, r Resource, namespace, name string, out runtime.Object) error {
	u, err := c.resource(r, namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	return FromUnstructured(u, out)
}

// GetUnstructured reads one object as it is stored.
func (c *Client) GetUnstructured(ctx context.Context, r Resource, namespace, name string) (*unstructured.Unstructured, error) {
	return c.resource(r, namespace).Get(ctx, name, metav1.GetOptions{})
}

// List pages through a list and calls each for every item. selector may be empty.
func (c *Client) List(ctx context.Context, r Resource, namespace, selector string, each func(*unstructured.Unstructured) error) error {
	opts := metav1.ListOptions{LabelSelector: selector, Limit: PageSize}
	for {
		list, err := c.resource(r, namespace).List(ctx, opts)
		if err != nil {
			return err
		}
		for i := range list.Items {
			if err := each(&list.Items[i]); err != nil {
				return err
			}
		}
		if list.GetContinue() == "" {
			return nil
		}
		opts.Continue = list.GetContinue()
	}
}

// Create creates obj. dryRun sends it with dryRun=All. Field validation is strict, so an unknown or
// duplicated field is an error, not silently dropped.
func (c *Client) Create(ctx context.Context, r Resource, obj runtime.Object, dryRun bool) (*unstructured.Unstructured, error) {
	u, err := ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	opts := metav1.CreateOptions{FieldValidation: "Strict", FieldManager: "kubectl-vitimachine"}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return c.resource(r, u.GetNamespace()).Create(ctx, u, opts)
}

// MergePatch applies a JSON merge patch.
func (c *Client) MergePatch(ctx context.Context, r Resource, namespace, name string, patch []byte, dryRun bool) error {
	opts := metav1.PatchOptions{FieldManager: "kubectl-vitimachine"}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	_, err := c.resource(r, namespace).Patch(ctx, name, "application/merge-patch+json", patch, opts)
	return err
}

// Watch watches one object by name.
func (c *Client) Watch(ctx context.Context, r Resource, namespace, name string) (watch.Interface, error) {
	return c.resource(r, namespace).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
}

// ToUnstructured converts a typed object.
func ToUnstructured(obj runtime.Object) (*unstructured.Unstructured, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u, nil
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	return &unstructured.Unstructured{Object: m}, nil
}

// Content converts a typed object into the content the plugin sends and compares: the zero-valued
// creationTimestamps and the empty status the conversion adds are left out, since the server owns them.
func Content(obj runtime.Object) (map[string]any, error) {
	u, err := ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(u.Object, "status")
	unstructured.RemoveNestedField(u.Object, "spec", "template", "metadata", "creationTimestamp")
	return u.Object, nil
}

// FromUnstructured converts into a typed object.
func FromUnstructured(u *unstructured.Unstructured, out runtime.Object) error {
	return runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, out)
}
