package render

import (
	"fmt"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	kubevirtv1 "kubevirt.io/api/core/v1"
)

// disk is one planned VM disk and the PVC behind it.
type disk struct {
	name    string // VM disk and volume name
	pvc     string
	sizeGiB int64
	bus     kubevirtv1.DiskBus
	boot    bool
	field   string // the Machine field the disk came from, for errors
}

// planDisks maps spec.disks to VM disks and PVC names.
//
// A Machine without disks gets one 10Gi boot disk named "root". Otherwise each disk keeps its name,
// an unnamed first disk is "root" and other unnamed disks "disk<i>". The disk marked boot: true is the
// boot disk; when none is marked, no disk boots, as with the operator (whose PVC names the plugin
// must match, or an operator taking the Machine over would make a second, empty PVC). Two boot disks
// are refused (the operator's naming would give both the same PVC).
func planDisks(m *vitistackv1alpha1.Machine, n Naming) ([]disk, error) {
	if len(m.Spec.Disks) == 0 {
		return []disk{{
			name:    "root",
			pvc:     pvcName(n, m.Name, "root", true),
			sizeGiB: DefaultDiskSize,
			bus:     kubevirtv1.DiskBusVirtio,
			boot:    true,
			field:   "spec.disks",
		}}, nil
	}
	bootIndex, err := bootDisk(m.Spec.Disks)
	if err != nil {
		return nil, err
	}
	out := make([]disk, 0, len(m.Spec.Disks))
	seen := map[string]string{}
	claims := map[string]string{}
	for i, d := range m.Spec.Disks {
		field := fmt.Sprintf("spec.disks[%d]", i)
		name, suffix := d.Name, d.Name
		if name == "" {
			suffix = fmt.Sprintf("disk%d", i)
			name = suffix
			if i == 0 {
				name = "root"
			}
		}
		if err := checkName("disk name", name, dns1123Label); err != nil {
			return nil, fmt.Errorf("%s.name: %w", field, err)
		}
		if prev, ok := seen[name]; ok {
			return nil, fmt.Errorf("%s.name: disk name %q is already used by %s (give each disk its own name)", field, name, prev)
		}
		seen[name] = field
		size := d.SizeGB
		if size == 0 {
			size = DefaultDiskSize
		}
		if err := checkInt(field+".sizeGB", size, diskSizeGB); err != nil {
			return nil, err
		}
		boot := i == bootIndex
		pvc := pvcName(n, m.Name, suffix, boot)
		if prev, ok := claims[pvc]; ok {
			// e.g. an unnamed first disk (PVC suffix disk0) next to a disk named "disk0".
			return nil, fmt.Errorf("%s.name: its PVC would be %q, the same as the PVC of %s (rename one of the disks)", field, pvc, prev)
		}
		claims[pvc] = field
		out = append(out, disk{
			name:    name,
			pvc:     pvc,
			sizeGiB: size,
			bus:     busFor(d.Type),
			boot:    boot,
			field:   field,
		})
	}
	return out, nil
}

func bootDisk(disks []vitistackv1alpha1.MachineSpecDisk) (int, error) {
	boot := -1
	for i, d := range disks {
		if !d.Boot {
			continue
		}
		if boot >= 0 {
			return 0, fmt.Errorf("spec.disks[%d].boot: spec.disks[%d] is already the boot disk (mark only one disk boot: true)", i, boot)
		}
		boot = i
	}
	return boot, nil
}

// busFor maps spec.disks[].type to a KubeVirt disk bus: sata and scsi as named, anything else virtio.
func busFor(t string) kubevirtv1.DiskBus {
	switch t {
	case "sata":
		return kubevirtv1.DiskBusSATA
	case "scsi":
		return kubevirtv1.DiskBusSCSI
	}
	return kubevirtv1.DiskBusVirtio
}
