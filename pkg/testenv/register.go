package testenv

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// SecretNamespace is where the KubevirtConfig Secrets live on the supervisor.
const SecretNamespace = "vitistack"

// DefaultStorageClass is the default StorageClass on every remote.
const DefaultStorageClass = "standard"

// Client returns an admin client for the plane.
func (p *Plane) Client() (*cluster.Client, error) {
	return cluster.New(cluster.ID{Role: p.role, Name: p.Name}, p.Config, cluster.Limits{QPS: 1000, Burst: 1000})
}

// register puts a default StorageClass on every remote, and a Secret and KubevirtConfig per remote on
// the supervisor.
func (e *Env) register(ctx context.Context) error {
	for _, r := range e.Remotes {
		rc, err := r.Client()
		if err != nil {
			return err
		}
		sc := Object("storage.k8s.io/v1", "StorageClass", "", DefaultStorageClass)
		sc.Object["provisioner"] = "example.com/no-provisioner"
		sc.SetAnnotations(map[string]string{"storageclass.kubernetes.io/is-default-class": "true"})
		if err := Create(ctx, rc, cluster.StorageClasses, sc); err != nil {
			return err
		}
	}
	return registerAll(ctx, e.Supervisor, e.Remotes)
}

// registerAll registers every remote on a supervisor.
func registerAll(ctx context.Context, supervisor *Plane, remotes []*Plane) error {
	sup, err := supervisor.Client()
	if err != nil {
		return err
	}
	if err := Create(ctx, sup, cluster.Namespaces, Object("v1", "Namespace", "", SecretNamespace)); err != nil {
		return err
	}
	for _, r := range remotes {
		if err := RegisterRemote(ctx, sup, r.Name, r.RegisteredKubeconfig()); err != nil {
			return err
		}
	}
	return nil
}

// RegisterRemote creates, on the supervisor, the Secret "<name>-kubeconfig" holding kubeconfig and
// the KubevirtConfig "<name>" pointing at it.
func RegisterRemote(ctx context.Context, sup *cluster.Client, name string, kubeconfig []byte) error {
	secret := Object("v1", "Secret", SecretNamespace, name+"-kubeconfig")
	secret.Object["type"] = "Opaque"
	secret.Object["stringData"] = map[string]any{"kubeconfig": string(kubeconfig)}
	if err := Create(ctx, sup, cluster.Secrets, secret); err != nil {
		return err
	}
	kc := Object("vitistack.io/v1alpha1", "KubevirtConfig", "", name)
	kc.Object["spec"] = map[string]any{"name": name, "secretNamespace": SecretNamespace, "kubeconfigSecretRef": name + "-kubeconfig"}
	return Create(ctx, sup, cluster.KubevirtConfigs, kc)
}

// Create creates an object, as the field manager HarnessUserAgent (not the plugin's), and wraps
// the error with what was created.
func Create(ctx context.Context, c *cluster.Client, r cluster.Resource, u *unstructured.Unstructured) error {
	if _, err := c.Create(ctx, r, u, cluster.WriteOptions{FieldManager: HarnessUserAgent}); err != nil {
		return fmt.Errorf("%s: create %s: %w", c.ID, r.Ref(u.GetName()), err)
	}
	return nil
}

// Object is an empty object of a kind, to fill in and Create.
func Object(apiVersion, kind, namespace, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetNamespace(namespace)
	u.SetName(name)
	return u
}
