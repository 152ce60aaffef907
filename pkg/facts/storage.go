// Package facts reads what the plugin's commands need to know about clusters, read-only: today
// the storage facts of a remote cluster (its default StorageClass). It writes nothing and imports no
// command package, so that every command (create, status, doctor, …) reads the same facts the
// same way.
package facts

import (
	"context"
	"fmt"

	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// Default-class annotations, the GA key and the beta key Kubernetes still honours.
const (
	annotationDefaultClass     = "storageclass.kubernetes.io/is-default-class"
	annotationDefaultClassBeta = "storageclass.beta.kubernetes.io/is-default-class"
)

// DefaultStorageClass is the cluster's default StorageClass, found with one list: the class marked
// with the GA or beta is-default-class annotation, the newest when there are several (as the API
// server's defaulting does). No default class is an error that says how to fix it.
func DefaultStorageClass(ctx context.Context, c *cluster.Client) (string, error) {
	var best *storagev1.StorageClass
	err := c.List(ctx, cluster.StorageClasses, "", "", func(u *unstructured.Unstructured) error {
		a := u.GetAnnotations()
		if a[annotationDefaultClass] != "true" && a[annotationDefaultClassBeta] != "true" {
			return nil
		}
		var sc storagev1.StorageClass
		if err := cluster.FromUnstructured(u, &sc); err != nil {
			return err
		}
		// Like the API server's defaulting, the newest default class wins when there are several.
		if best == nil || best.CreationTimestamp.Before(&sc.CreationTimestamp) ||
			(best.CreationTimestamp.Equal(&sc.CreationTimestamp) && sc.Name < best.Name) {
			best = &sc
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("cluster %s: list storageclasses: %w", c.ID, err)
	}
	if best == nil {
		return "", fmt.Errorf("cluster %s has no default StorageClass (pass --storage-class, or mark a class with %s=true)", c.ID, annotationDefaultClass)
	}
	return best.Name, nil
}
