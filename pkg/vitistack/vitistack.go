// Package vitistack is the vocabulary the plugin shares with the vitistack kubevirt-operator: the
// label and annotation keys it writes and reads, the operator's finalizer, the provider it handles
// and the key of the kubeconfig in a KubevirtConfig's Secret. Every other package takes these names
// from here.
package vitistack

import (
	"slices"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
)

// Labels on remote objects.
const (
	// LabelSourceMachine is the join key vitistack tools use between a Machine and its remote
	// objects (VM, VM template, PVCs).
	LabelSourceMachine = "vitistack.io/source-machine"
	// LabelSourceMachineLegacy is the key the operator wrote before November 2025.
	LabelSourceMachineLegacy = "source-machine"
	// LabelDiskType marks the boot PVC, with the value DiskTypeBoot.
	LabelDiskType = "disk-type"
	DiskTypeBoot  = "boot"
	// DefaultManagedByKey and DefaultManagedByValue label every object the plugin creates unless
	// --managed-by-label says otherwise (deployed operators write vitistack.io/managed-by=kubevirt-operator).
	DefaultManagedByKey   = "managed-by"
	DefaultManagedByValue = "vitistack-kubevirt-operator"
)

// LabelVLANID is the label the operator puts on the NetworkAttachmentDefinitions it creates.
const LabelVLANID = "vitistack.io/vlan-id"

// ISO boot: a Machine with the annotation AnnotationBootSource: BootSourceDataVolume and an
// spec.os.imageID boots the image at that URL from a CD-ROM; AnnotationBootSourceType says whether the
// URL is http(s) (the default) or a container registry.
const (
	AnnotationBootSource     = "kubevirt.io/boot-source"
	BootSourceDataVolume     = "datavolume"
	AnnotationBootSourceType = "kubevirt.io/boot-source-type"
)

// SourceMachineKeys are both spellings of the source-machine label, newest first: searches match either.
var SourceMachineKeys = []string{LabelSourceMachine, LabelSourceMachineLegacy}

// SourceMachine returns the Machine a remote object is labelled with (either key), or "".
func SourceMachine(labels map[string]string) string {
	for _, k := range SourceMachineKeys {
		if v := labels[k]; v != "" {
			return v
		}
	}
	return ""
}

// AnnotationKubevirtConfig is the Machine annotation naming its KubevirtConfig.
const AnnotationKubevirtConfig = "vitistack.io/kubevirt-config"

// SecretKeyKubeconfig is the Secret data key that holds a remote cluster's kubeconfig.
const SecretKeyKubeconfig = "kubeconfig"

// Finalizer is the kubevirt-operator's finalizer: a Machine carrying it is owned by a running operator.
const Finalizer = "machine.vitistack.io/finalizer"

// ProviderKubevirt is the provider the plugin handles, besides an empty spec.provider.
const ProviderKubevirt = "kubevirt"

// HandledByKubevirt reports whether the Machine's provider is empty or kubevirt; the reason names the
// provider when it is not.
func HandledByKubevirt(m *vitistackv1alpha1.Machine) (bool, string) {
	p := string(m.Spec.Provider)
	if p == "" || p == ProviderKubevirt {
		return true, ""
	}
	return false, "spec.provider is \"" + p + "\", not " + ProviderKubevirt
}

// OwnedByOperator reports whether the Machine carries the operator's finalizer.
func OwnedByOperator(m *vitistackv1alpha1.Machine) bool {
	return slices.Contains(m.Finalizers, Finalizer)
}
