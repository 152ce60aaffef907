// Package cluster is the plugin's access to one Kubernetes API server, the supervisor or a remote
// KubeVirt cluster. It speaks to fixed resources (no discovery requests; ServedResources asks for
// one group-version's document only when a caller wants to know whether a CRD is installed), pages
// its lists and converts objects to the typed Go structs the rest of the plugin uses.
//
// A cluster is identified by an ID, a comparable value of its role and its name. Names are for
// display only: code that must tell the supervisor from a remote compares roles or IDs, never names.
//
// The write methods (Create, MergePatch, Update, Delete) exist for package write, the one write seam; no other
// package of the plugin calls them (hack/verify-imports.sh checks it). AccessReview is a create that
// stores nothing (a SelfSubjectAccessReview), so it is not a write and any package may ask one.
package cluster

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/vitistack/kubectl-vitimachine/pkg/version"
)

// Role tells the supervisor from remote clusters.
type Role int

const (
	// Supervisor is the cluster of the current kubectl context, where Machines live.
	Supervisor Role = iota
	// Remote is a KubeVirt cluster that hosts Machines' VMs.
	Remote
)

func (r Role) String() string {
	if r == Supervisor {
		return "supervisor"
	}
	return "remote"
}

// ID identifies a cluster within a run. Two clients with equal IDs are the same cluster.
type ID struct {
	Role Role
	// Name is for display: "supervisor", a KubevirtConfig's name, or a kubeconfig context.
	Name string
}

// SupervisorID is the supervisor's identity.
var SupervisorID = ID{Role: Supervisor, Name: "supervisor"}

// RemoteID is the identity of a remote cluster with a display name.
func RemoteID(name string) ID { return ID{Role: Remote, Name: name} }

func (id ID) String() string { return id.Name }

// UserAgent is what the plugin sends as User-Agent: "kubectl-vitimachine/<version>".
func UserAgent() string { return "kubectl-vitimachine/" + version.Get().GitVersion }

// PageSize is the limit of each page of a list.
const PageSize = 500

// DefaultFieldManager is the field manager of writes whose WriteOptions name none.
const DefaultFieldManager = "kubectl-vitimachine"

// WriteOptions are the options of one write.
type WriteOptions struct {
	// DryRun sends the write with dryRun=All: the server checks it and stores nothing.
	DryRun bool
	// FieldManager names the writer in the object's managedFields; "" is DefaultFieldManager.
	FieldManager string
}

func (o WriteOptions) fieldManager() string {
	if o.FieldManager == "" {
		return DefaultFieldManager
	}
	return o.FieldManager
}

func (o WriteOptions) dryRun() []string {
	if o.DryRun {
		return []string{metav1.DryRunAll}
	}
	return nil
}

// Client is one API server.
type Client struct {
	ID ID
	// Context is the kubeconfig context the client was built from, for messages; may be empty.
	Context string
	// Config is the client configuration; nil for a client built over a dynamic.Interface.
	Config *rest.Config
	dyn    dynamic.Interface
	raw    rawReader
	flow   *flow
	// deadline, when set, bounds all the requests made through the client (Bound).
	deadline *deadline
}

// Name is the cluster's display name.
func (c *Client) Name() string { return c.ID.Name }

// New builds a client for cfg. cfg is copied; limits decide how its requests are limited.
func New(id ID, cfg *rest.Config, limits Limits) (*Client, error) {
	c := rest.CopyConfig(cfg)
	f := limits.apply(id, c)
	if c.UserAgent == "" {
		c.UserAgent = UserAgent()
	}
	// One HTTP client, built once, carries the dynamic client's requests and the raw reads: the same
	// transport chain (flow control, user agent, auth) and connection pool.
	hc, err := rest.HTTPClientFor(c)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", id, err)
	}
	dyn, err := dynamic.NewForConfigAndClient(c, hc)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", id, err)
	}
	return &Client{ID: id, Config: c, dyn: dyn, raw: &httpReader{id: id, cfg: c, hc: hc}, flow: f}, nil
}

// Mode reports how the client's requests are limited now; ModeUnknown for a client over a
// dynamic.Interface.
func (c *Client) Mode() Mode {
	if c.flow == nil {
		return ModeUnknown
	}
	return c.flow.Mode()
}

// NewFromDynamic builds a client over any dynamic.Interface, such as client-go's dynamic fake in
// unit tests. Secrets are read through it (the plugin's own clients, from New, read them without
// client-go so that no body can reach a log) and the server version is the one given.
func NewFromDynamic(id ID, dyn dynamic.Interface, serverVersion string) *Client {
	return &Client{ID: id, dyn: dyn, raw: &dynamicReader{dyn: dyn, version: serverVersion}}
}

func (c *Client) resource(r Resource, namespace string) dynamic.ResourceInterface {
	if r.Namespaced {
		return c.dyn.Resource(r.GVR).Namespace(namespace)
	}
	return c.dyn.Resource(r.GVR)
}

// Get reads one object into out (a typed pointer such as *corev1.Namespace).
func (c *Client) Get(ctx context.Context, r Resource, namespace, name string, out runtime.Object) error {
	u, err := c.GetUnstructured(ctx, r, namespace, name)
	if err != nil {
		return err
	}
	return FromUnstructured(u, out)
}

// GetUnstructured reads one object as it is stored.
func (c *Client) GetUnstructured(ctx context.Context, r Resource, namespace, name string) (*unstructured.Unstructured, error) {
	var u *unstructured.Unstructured
	err := c.do(ctx, func(ctx context.Context) (err error) {
		u, err = c.resource(r, namespace).Get(ctx, name, metav1.GetOptions{})
		return err
	})
	return u, c.served(r, err)
}

// List pages through a list and calls each for every item. selector may be empty.
func (c *Client) List(ctx context.Context, r Resource, namespace, selector string, each func(*unstructured.Unstructured) error) error {
	_, err := c.ListFrom(ctx, r, namespace, selector, each)
	return err
}

// ListFrom is List that also returns the resourceVersion of the list, from which a watch resumes.
func (c *Client) ListFrom(ctx context.Context, r Resource, namespace, selector string, each func(*unstructured.Unstructured) error) (string, error) {
	return c.list(ctx, r, namespace, metav1.ListOptions{LabelSelector: selector, Limit: PageSize}, each)
}

// ListFields is List by a field selector ("involvedObject.name=vm-web,type=Warning").
func (c *Client) ListFields(ctx context.Context, r Resource, namespace, fieldSelector string, each func(*unstructured.Unstructured) error) error {
	_, err := c.list(ctx, r, namespace, metav1.ListOptions{FieldSelector: fieldSelector, Limit: PageSize}, each)
	return err
}

func (c *Client) list(ctx context.Context, r Resource, namespace string, opts metav1.ListOptions, each func(*unstructured.Unstructured) error) (string, error) {
	for {
		var list *unstructured.UnstructuredList
		err := c.do(ctx, func(ctx context.Context) (err error) {
			list, err = c.resource(r, namespace).List(ctx, opts)
			return err
		})
		if err != nil {
			return "", c.served(r, err)
		}
		for i := range list.Items {
			if err := each(&list.Items[i]); err != nil {
				return "", err
			}
		}
		if list.GetContinue() == "" {
			return list.GetResourceVersion(), nil
		}
		opts.Continue = list.GetContinue()
	}
}

// Create creates obj. Field validation is strict, so an unknown or duplicated field is an error,
// not silently dropped. Only package write calls it.
func (c *Client) Create(ctx context.Context, r Resource, obj runtime.Object, wo WriteOptions) (*unstructured.Unstructured, error) {
	u, err := ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	opts := metav1.CreateOptions{FieldValidation: "Strict", FieldManager: wo.fieldManager(), DryRun: wo.dryRun()}
	var out *unstructured.Unstructured
	err = c.do(ctx, func(ctx context.Context) (err error) {
		out, err = c.resource(r, u.GetNamespace()).Create(ctx, u, opts)
		return err
	})
	return out, c.served(r, err)
}

// MergePatch applies a JSON merge patch. Only package write calls it.
func (c *Client) MergePatch(ctx context.Context, r Resource, namespace, name string, patch []byte, wo WriteOptions) error {
	opts := metav1.PatchOptions{FieldManager: wo.fieldManager(), DryRun: wo.dryRun()}
	return c.served(r, c.do(ctx, func(ctx context.Context) error {
		_, err := c.resource(r, namespace).Patch(ctx, name, "application/merge-patch+json", patch, opts)
		return err
	}))
}

// Update replaces an object; its metadata.resourceVersion makes the server refuse the write (409
// Conflict) when the object changed since it was read. Only package write calls it.
func (c *Client) Update(ctx context.Context, r Resource, obj map[string]any, wo WriteOptions) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{Object: obj}
	opts := metav1.UpdateOptions{FieldValidation: "Strict", FieldManager: wo.fieldManager(), DryRun: wo.dryRun()}
	var out *unstructured.Unstructured
	err := c.do(ctx, func(ctx context.Context) (err error) {
		out, err = c.resource(r, u.GetNamespace()).Update(ctx, u, opts)
		return err
	})
	return out, c.served(r, err)
}

// Delete deletes one object. A non-empty uid or resourceVersion is a precondition: the server
// refuses (409 Conflict) to delete an object that is not the one that was read. Only package write
// calls it. A delete names no field manager, so wo.FieldManager is not used.
func (c *Client) Delete(ctx context.Context, r Resource, namespace, name string, uid types.UID, resourceVersion string, wo WriteOptions) error {
	opts := metav1.DeleteOptions{DryRun: wo.dryRun()}
	if uid != "" || resourceVersion != "" {
		opts.Preconditions = &metav1.Preconditions{}
		if uid != "" {
			opts.Preconditions.UID = &uid
		}
		if resourceVersion != "" {
			opts.Preconditions.ResourceVersion = &resourceVersion
		}
	}
	return c.served(r, c.do(ctx, func(ctx context.Context) error { return c.resource(r, namespace).Delete(ctx, name, opts) }))
}

// Watch watches one object by name. A client's deadline (Bound) does not cover watches.
func (c *Client) Watch(ctx context.Context, r Resource, namespace, name string) (watch.Interface, error) {
	w, err := c.resource(r, namespace).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
	return w, c.served(r, err)
}

// WatchFrom watches a resource in a namespace ("" for all namespaces), filtered by a label selector
// (may be empty), from resourceVersion: the one a list returned (ListFrom), so that no change between
// the list and the watch is missed. Bookmarks are asked for, so that a watch resumed after a drop
// starts close to where it stopped. An expired resourceVersion ends the watch with a 410 Gone error
// event; the caller lists again.
func (c *Client) WatchFrom(ctx context.Context, r Resource, namespace, selector, resourceVersion string) (watch.Interface, error) {
	return c.resource(r, namespace).Watch(ctx, metav1.ListOptions{LabelSelector: selector, ResourceVersion: resourceVersion, AllowWatchBookmarks: true})
}

// SecretData reads the data of a Secret (see rawReader for why it is not a plain Get).
func (c *Client) SecretData(ctx context.Context, namespace, name string) (map[string][]byte, error) {
	var data map[string][]byte
	err := c.do(ctx, func(ctx context.Context) (err error) {
		data, err = c.raw.secretData(ctx, namespace, name)
		return err
	})
	return data, err
}

// ServerVersion asks the server for its version ("v1.37.2").
func (c *Client) ServerVersion(ctx context.Context) (string, error) {
	var v string
	err := c.do(ctx, func(ctx context.Context) (err error) {
		v, err = c.raw.serverVersion(ctx)
		return err
	})
	return v, err
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
