package render

import (
	"fmt"
	"strings"
)

// Naming selects how remote object names are derived from the Machine name.
type Naming string

const (
	// NamingSeed is the scheme of the design document: VM "vm-<machine>", PVCs "<vm>-<disk>-pvc",
	// "<vm>-root-pvc" for the default root disk.
	NamingSeed Naming = "seed"
	// NamingOperator is today's kubevirt-operator: VM "<machine>", the boot PVC "<machine>", other
	// PVCs "<machine>-<disk>".
	NamingOperator Naming = "operator"
)

// ParseNaming turns a --naming value into a Naming.
func ParseNaming(s string) (Naming, error) {
	switch Naming(s) {
	case NamingSeed, NamingOperator:
		return Naming(s), nil
	}
	return "", fmt.Errorf("invalid --naming %q (use seed or operator)", s)
}

// VMName is the VirtualMachine name for a Machine under a naming scheme.
func VMName(n Naming, machine string) string {
	if n == NamingOperator {
		return machine
	}
	return "vm-" + machine
}

// pvcName is the PVC name of one disk. suffix is the disk's name, "disk<i>" for an unnamed disk, or
// "root" for the default root disk of a Machine without spec.disks.
func pvcName(n Naming, machine string, suffix string, boot bool) string {
	if n == NamingOperator {
		if boot {
			return machine
		}
		return machine + "-" + suffix
	}
	return strings.Join([]string{VMName(n, machine), suffix, "pvc"}, "-")
}
