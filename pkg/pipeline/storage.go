package pipeline

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// Default-class annotations, the GA key and the beta key Kubernetes still honours.
const (
	annotationDefaultClass     = "storageclass.kubernetes.io/is-default-class"
	annotationDefaultClassBeta = "storageclass.beta.kubernetes.io/is-default-class"
)

// storageFacts are what one remote cluster says about storage: the class to use and its access
// modes, for the PVCs' volume mode and for an ISO's Filesystem volume.
type storageFacts struct {
	class         string
	accessMode    corev1.PersistentVolumeAccessMode
	isoAccessMode corev1.PersistentVolumeAccessMode
}

// storageFacts resolves the storage class (--storage-class, else the cluster's default class) and the
// access mode (--access-mode, else the CDI StorageProfile of that class, else ReadWriteOnce), once per
// cluster.
func (p *Pipeline) storageFacts(ctx context.Context, c *cluster.Client) (storageFacts, error) {
	return p.storage.Get(c.ID, func() (storageFacts, error) {
		f := storageFacts{class: p.Options.StorageClass, accessMode: p.Options.AccessMode, isoAccessMode: p.Options.AccessMode}
		var err error
		if f.class == "" {
			if f.class, err = DefaultStorageClass(ctx, c); err != nil {
				return f, err
			}
		}
		if f.accessMode == "" {
			var sets []any
			if sets, err = profileSets(ctx, c, f.class); err == nil {
				f.accessMode = accessModeFor(sets, p.Options.Render.VolumeMode)
				f.isoAccessMode = accessModeFor(sets, corev1.PersistentVolumeFilesystem)
			}
		}
		return f, err
	})
}

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

// profileSets reads the claim property sets of the CDI StorageProfile named after the class; none
// without CDI or without a profile.
func profileSets(ctx context.Context, c *cluster.Client, class string) ([]any, error) {
	u, err := c.GetUnstructured(ctx, cluster.StorageProfiles, "", class)
	switch {
	case apierrors.IsNotFound(err): // no profile, or CDI not installed at all
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("cluster %s: get storageprofile %q: %w", c.ID, class, err)
	}
	sets, _, _ := unstructured.NestedSlice(u.Object, "status", "claimPropertySets")
	return sets, nil
}

// accessModeFor picks from a StorageProfile's claim property sets the one of the wanted volume mode
// (else the first) and, within it, ReadWriteMany (live migration needs it), else its first mode.
// Without a profile the answer is ReadWriteOnce.
func accessModeFor(sets []any, mode corev1.PersistentVolumeMode) corev1.PersistentVolumeAccessMode {
	var chosen []string
	for i, s := range sets {
		m, ok := s.(map[string]any)
		if !ok {
			continue
		}
		modes, _, _ := unstructured.NestedStringSlice(m, "accessModes")
		vm, _, _ := unstructured.NestedString(m, "volumeMode")
		if i == 0 || vm == string(mode) {
			chosen = modes
		}
		if vm == string(mode) {
			break
		}
	}
	switch {
	case slices.Contains(chosen, string(corev1.ReadWriteMany)):
		return corev1.ReadWriteMany
	case len(chosen) > 0:
		return corev1.PersistentVolumeAccessMode(chosen[0])
	}
	return corev1.ReadWriteOnce
}
