// Package render turns a vitistack Machine into the objects the pipeline creates, as the
// kubevirt-operator v0.0.38 would: on the remote KubeVirt cluster the namespace, the Multus
// NetworkAttachmentDefinition, the PersistentVolumeClaims, the cloud-init Secret and the
// VirtualMachine; on the supervisor the NetworkConfiguration that keeps the VM's MAC. It is pure:
// everything it needs (the MachineClass, the storage facts, the NetworkNamespace, the cloud-init data,
// the ISO's size, a fresh MAC) arrives in its input.
package render

import (
	"errors"
	"fmt"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// Defaults used when neither the MachineClass nor the Machine says otherwise.
const (
	DefaultCores    = 2
	DefaultSockets  = 1
	DefaultThreads  = 1
	DefaultMemory   = "2Gi"
	DefaultDiskSize = 10 // GiB, for a Machine without spec.disks or a disk without sizeGB
	CPUModel        = "host-model"
	podNetworkName  = "default"
)

// Options are the choices that come from flags and from the remote cluster.
type Options struct {
	Naming         Naming
	ManagedByKey   string
	ManagedByValue string
	StorageClass   string
	VolumeMode     corev1.PersistentVolumeMode
	AccessMode     corev1.PersistentVolumeAccessMode
}

// Input is one Machine and what was read for it.
type Input struct {
	Machine *vitistackv1alpha1.Machine
	// Class is the MachineClass spec.machineClass names; nil when it names none.
	Class *vitistackv1alpha1.MachineClass
	// CloudInit is the resolved cloud-init (see ResolveCloudInit); nil without spec.cloudInit.
	CloudInit *CloudInit
	// Network is the Machine's NetworkNamespace, NetworkConfiguration and MAC candidates.
	Network Network
	// ISO is the Machine's ISO image (see WantsISO); nil when it boots none.
	ISO *ISO
}

// Objects are the objects of one Machine, in creation order on the remote cluster: Namespace,
// NetworkAttachmentDefinition, PVCs, cloud-init Secret, VM; and on the supervisor the
// NetworkConfiguration to create or update.
type Objects struct {
	Namespace *corev1.Namespace
	// NAD is the Multus NetworkAttachmentDefinition the VM's network needs; nil on the pod network.
	NAD  *unstructured.Unstructured
	PVCs []*corev1.PersistentVolumeClaim
	// CloudInitSecret holds the cloud-init data; nil without cloud-init.
	CloudInitSecret *corev1.Secret
	VM              *kubevirtv1.VirtualMachine
	// NetworkConfiguration is the supervisor object that persists the VM's MAC: a new one, or the live
	// one with the interface added; nil when the live one already holds it, or no MAC is used.
	NetworkConfiguration *vitistackv1alpha1.NetworkConfiguration
	// MAC is the VM interface's MAC ("" when none is set) and MACSource where it came from.
	MAC       string
	MACSource MACSource
}

// Render builds the objects for one Machine. Errors name the Machine field that caused them. With
// ErrStaticIPPending, Objects holds only the NetworkConfiguration (the static IP allocator needs the
// MAC in it before it can allocate); nothing else may be created yet.
func Render(in Input, opts Options) (Objects, error) {
	m := in.Machine
	if err := validateMachineNames(m); err != nil {
		return Objects{}, err
	}
	disks, err := planDisks(m, opts.Naming)
	if err != nil {
		return Objects{}, err
	}
	res, err := resources(in)
	if err != nil {
		return Objects{}, err
	}
	labels := objectLabels(m.Name, opts)
	vm := newVM(VMName(opts.Naming, m.Name), m.Namespace, labels)
	if err := checkName("VirtualMachine name", vm.Name, dns1123Label); err != nil {
		return Objects{}, fmt.Errorf("metadata.name: %w", err)
	}
	net, err := planNetwork(in, opts)
	if errors.Is(err, ErrStaticIPPending) {
		return Objects{NetworkConfiguration: net.config, MAC: net.mac, MACSource: net.macSource}, err
	}
	if err != nil {
		return Objects{}, err
	}
	withCPUMemory(vm, res)
	withDisks(vm, disks)
	if in.ISO != nil {
		withISO(vm, m.Spec.OS.ImageID, in.ISO, labels)
	}
	ci := in.CloudInit
	if net.netData != "" && (ci == nil || ci.NetworkData == nil) {
		// A static IP reaches the guest as network data, with or without spec.cloudInit.
		withData := CloudInit{UserData: []byte(DefaultUserData)}
		if ci != nil {
			withData = *ci
		}
		withData.NetworkData = []byte(net.netData)
		ci = &withData
	}
	var secret *corev1.Secret
	if ci != nil {
		secret = newCloudInitSecret(vm.Name, m.Namespace, labels, ci)
		withCloudInit(vm, secret, ci)
	}
	withNetwork(vm, net, m.Spec.OS.ImageID == "")
	if opts.Naming == NamingOperator {
		withOperatorDevices(vm)
	}

	pvcs := make([]*corev1.PersistentVolumeClaim, 0, len(disks))
	for _, d := range disks {
		pvc := newPVC(d, m.Namespace, labels, opts)
		if err := checkName("PVC name", pvc.Name, dns1123Subdomain); err != nil {
			return Objects{}, fmt.Errorf("%s: %w", d.field, err)
		}
		pvcs = append(pvcs, pvc)
	}
	return Objects{Namespace: NewNamespace(m.Namespace, opts), NAD: net.nad, PVCs: pvcs, CloudInitSecret: secret, VM: vm,
		NetworkConfiguration: net.config, MAC: net.mac, MACSource: net.macSource}, nil
}

// NewNamespace is the namespace the pipeline creates when it is missing: the name and the
// managed-by label, nothing else.
func NewNamespace(name string, opts Options) *corev1.Namespace {
	return &corev1.Namespace{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{
			Name:   name,
			Labels: map[string]string{opts.ManagedByKey: opts.ManagedByValue},
		},
	}
}

func objectLabels(machine string, opts Options) map[string]string {
	return map[string]string{
		opts.ManagedByKey:            opts.ManagedByValue,
		vitistack.LabelSourceMachine: machine,
	}
}

func copyLabels(in map[string]string) map[string]string {
	out := make(map[string]string, len(in)+1)
	for k, v := range in {
		out[k] = v
	}
	return out
}

func newPVC(d disk, namespace string, labels map[string]string, opts Options) *corev1.PersistentVolumeClaim {
	l := copyLabels(labels)
	if d.boot {
		l[vitistack.LabelDiskType] = vitistack.DiskTypeBoot
	}
	mode := opts.VolumeMode
	sc := opts.StorageClass
	return &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: metav1.ObjectMeta{Name: d.pvc, Namespace: namespace, Labels: l},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{opts.AccessMode},
			VolumeMode:       &mode,
			StorageClassName: &sc,
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: *resource.NewQuantity(d.sizeGiB<<30, resource.BinarySI)},
			},
		},
	}
}
