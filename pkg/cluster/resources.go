package cluster

import (
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
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

	ConfigMaps                       = Resource{GVR: schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}, Kind: "ConfigMap", Namespaced: true}
	Events                           = Resource{GVR: schema.GroupVersionResource{Version: "v1", Resource: "events"}, Kind: "Event", Namespaced: true}
	VirtualMachineInstances          = Resource{GVR: schema.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "virtualmachineinstances"}, Kind: "VirtualMachineInstance", Namespaced: true}
	NetworkNamespaces                = Resource{GVR: schema.GroupVersionResource{Group: "vitistack.io", Version: "v1alpha1", Resource: "networknamespaces"}, Kind: "NetworkNamespace", Namespaced: true}
	NetworkConfigurations            = Resource{GVR: schema.GroupVersionResource{Group: "vitistack.io", Version: "v1alpha1", Resource: "networkconfigurations"}, Kind: "NetworkConfiguration", Namespaced: true}
	VirtualMachineInstanceMigrations = Resource{GVR: schema.GroupVersionResource{Group: "kubevirt.io", Version: "v1", Resource: "virtualmachineinstancemigrations"}, Kind: "VirtualMachineInstanceMigration", Namespaced: true}
	DataVolumes                      = Resource{GVR: schema.GroupVersionResource{Group: "cdi.kubevirt.io", Version: "v1beta1", Resource: "datavolumes"}, Kind: "DataVolume", Namespaced: true}
	NetworkAttachmentDefinitions     = Resource{GVR: schema.GroupVersionResource{Group: "k8s.cni.cncf.io", Version: "v1", Resource: "network-attachment-definitions"}, Kind: "NetworkAttachmentDefinition", Namespaced: true}
)

// Resource is one API resource with the facts the plugin needs about it.
type Resource struct {
	GVR        schema.GroupVersionResource
	Kind       string
	Namespaced bool
}

// Ref names an object as kubectl does: "virtualmachine.kubevirt.io/NAME", "namespace/NAME".
func (r Resource) Ref(name string) string {
	gr := schema.GroupResource{Group: r.GVR.Group, Resource: strings.ToLower(r.Kind)}
	return gr.String() + "/" + name
}

// APIVersion is "group/version", or "version" for the core group.
func (r Resource) APIVersion() string { return r.GVR.GroupVersion().String() }
