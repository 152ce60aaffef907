// Package render turns a vitistack Machine into the objects the pipeline creates on the remote
// KubeVirt cluster: the namespace, the PersistentVolumeClaims and the VirtualMachine. It is pure:
// everything it needs (the MachineClass, the storage class, the access mode) arrives in its input.
package render

import (
	"fmt"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// Input is one Machine and the MachineClass it names (nil when spec.machineClass is empty).
type Input struct {
	Machine *vitistackv1alpha1.Machine
	Class   *vitistackv1alpha1.MachineClass
}

// Objects are the remote objects of one Machine, in creation order: Namespace, PVCs, VM.
type Objects struct {
	Namespace *corev1.Namespace
	PVCs      []*corev1.PersistentVolumeClaim
	VM        *kubevirtv1.VirtualMachine
}

// Render builds the remote objects for one Machine. Errors name the Machine field that caused them.
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
	withCPUMemory(vm, res)
	withDisks(vm, disks)
	withPodNetwork(vm, m.Spec.OS.ImageID == "")

	pvcs := make([]*corev1.PersistentVolumeClaim, 0, len(disks))
	for _, d := range disks {
		pvc := newPVC(d, m.Namespace, labels, opts)
		if err := checkName("PVC name", pvc.Name, dns1123Subdomain); err != nil {
			return Objects{}, fmt.Errorf("%s: %w", d.field, err)
		}
		pvcs = append(pvcs, pvc)
	}
	return Objects{Namespace: NewNamespace(m.Namespace, opts), PVCs: pvcs, VM: vm}, nil
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
