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

// withOperatorDevices adds what the operator's VMs carry besides disks and the interface: EFI
// firmware without secure boot, no automatic pod interface, multi-queue networking.
func withOperatorDevices(vm *kubevirtv1.VirtualMachine) {
	d := &vm.Spec.Template.Spec.Domain
	f := false
	d.Firmware = &kubevirtv1.Firmware{Bootloader: &kubevirtv1.Bootloader{EFI: &kubevirtv1.EFI{SecureBoot: &f}}}
	d.Devices.AutoattachPodInterface = &f
	t := true
	d.Devices.NetworkInterfaceMultiQueue = &t
}

func uintPtr(v uint) *uint { return &v }
