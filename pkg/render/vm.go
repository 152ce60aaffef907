package render

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"
)

// newVM is the smallest valid VirtualMachine: metadata, runStrategy Always and a template carrying
// the same labels (the operator finds the launcher pod through the template's source-machine label).
func newVM(name, namespace string, labels map[string]string) *kubevirtv1.VirtualMachine {
	rs := kubevirtv1.RunStrategyAlways
	return &kubevirtv1.VirtualMachine{
		TypeMeta:   metav1.TypeMeta{APIVersion: kubevirtv1.GroupVersion.String(), Kind: "VirtualMachine"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: copyLabels(labels)},
		Spec: kubevirtv1.VirtualMachineSpec{
			RunStrategy: &rs,
			Template: &kubevirtv1.VirtualMachineInstanceTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: copyLabels(labels)},
			},
		},
	}
}

func withCPUMemory(vm *kubevirtv1.VirtualMachine, r cpuMemory) {
	d := &vm.Spec.Template.Spec.Domain
	d.CPU = &kubevirtv1.CPU{Model: CPUModel, Cores: r.cores, Sockets: r.sockets, Threads: r.threads}
	mem := r.memory.DeepCopy()
	d.Memory = &kubevirtv1.Memory{Guest: &mem}
}

func withDisks(vm *kubevirtv1.VirtualMachine, disks []disk) {
	spec := &vm.Spec.Template.Spec
	for _, d := range disks {
		vd := kubevirtv1.Disk{
			Name:       d.name,
			DiskDevice: kubevirtv1.DiskDevice{Disk: &kubevirtv1.DiskTarget{Bus: d.bus}},
		}
		if d.boot {
			vd.BootOrder = uintPtr(1)
		}
		spec.Domain.Devices.Disks = append(spec.Domain.Devices.Disks, vd)
		spec.Volumes = append(spec.Volumes, kubevirtv1.Volume{
			Name: d.name,
			VolumeSource: kubevirtv1.VolumeSource{
				PersistentVolumeClaim: &kubevirtv1.PersistentVolumeClaimVolumeSource{
					PersistentVolumeClaimVolumeSource: corev1.PersistentVolumeClaimVolumeSource{ClaimName: d.pvc},
				},
			},
		})
	}
}

// withPodNetwork adds the single virtio/bridge interface on the pod network. It boots second (PXE)
// only when the Machine names no OS image, as the operator does.
func withPodNetwork(vm *kubevirtv1.VirtualMachine, pxe bool) {
	spec := &vm.Spec.Template.Spec
	iface := kubevirtv1.Interface{
		Name:                   podNetworkName,
		Model:                  "virtio",
		InterfaceBindingMethod: kubevirtv1.InterfaceBindingMethod{Bridge: &kubevirtv1.InterfaceBridge{}},
	}
	if pxe {
		iface.BootOrder = uintPtr(2)
	}
	spec.Domain.Devices.Interfaces = []kubevirtv1.Interface{iface}
	spec.Networks = []kubevirtv1.Network{{
		Name:          podNetworkName,
		NetworkSource: kubevirtv1.NetworkSource{Pod: &kubevirtv1.PodNetwork{}},
	}}
}

func uintPtr(v uint) *uint { return &v }
