package pipeline

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/facts"
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
			if f.class, err = facts.DefaultStorageClass(ctx, c); err != nil {
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
