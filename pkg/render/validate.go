package render

import (
	"fmt"
	"math"
	"math/big"
	"strings"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

var (
	dns1123Label     = validation.IsDNS1123Label
	dns1123Subdomain = validation.IsDNS1123Subdomain
)

// checkName reports why a name is not valid under check, or nil.
func checkName(what, name string, check func(string) []string) error {
	if errs := check(name); len(errs) > 0 {
		return fmt.Errorf("%s %q is not valid: %s", what, name, strings.Join(errs, "; "))
	}
	return nil
}

// validateMachineNames checks the Machine's own name and namespace: both become remote names.
func validateMachineNames(m *vitistackv1alpha1.Machine) error {
	if m.Namespace == "" {
		return fmt.Errorf("metadata.namespace: the Machine has no namespace")
	}
	if err := checkName("namespace", m.Namespace, dns1123Label); err != nil {
		return fmt.Errorf("metadata.namespace: %w", err)
	}
	if err := checkName("Machine name", m.Name, dns1123Subdomain); err != nil {
		return fmt.Errorf("metadata.name: %w", err)
	}
	return nil
}

// bounds is an allowed range of a numeric field; 0 always means "unset" (the field is omitted).
type bounds struct{ min, max uint64 }

// The Machine's numeric fields, bounded as the Machine CRD of vitistack/common bounds them (so a
// Machine the supervisor would refuse is refused here too, before any write); the MachineClass's
// CPU counts, which its CRD leaves open, as KubeVirt's CPU topology (32-bit) bounds them. No value
// in range can overflow on its way into a quantity.
var (
	machineCores   = bounds{1, 256}
	machineSockets = bounds{1, 16}
	machineThreads = bounds{1, 8}
	diskSizeGB     = bounds{1, 65536}
	diskIOPS       = bounds{100, 64000}
	diskThroughput = bounds{125, 4000}
	classCPU       = bounds{1, math.MaxUint32}
)

// maxMemoryBytes bounds memory: a quantity of bytes must fit an int64.
const maxMemoryBytes = uint64(math.MaxInt64)

// unsetNote ends every out-of-range message: leaving the field out is always allowed.
const unsetNote = "0 or unset for the default"

// checkInt refuses a signed value outside b (0 is unset, and allowed).
func checkInt(field string, v int64, b bounds) error {
	if v == 0 || (v > 0 && uint64(v) >= b.min && uint64(v) <= b.max) {
		return nil
	}
	return outOfRange(field, fmt.Sprint(v), b)
}

// checkUint refuses an unsigned value outside b (0 is unset, and allowed).
func checkUint(field string, v uint64, b bounds) error {
	if v == 0 || (v >= b.min && v <= b.max) {
		return nil
	}
	return outOfRange(field, fmt.Sprint(v), b)
}

func outOfRange(field, v string, b bounds) error {
	return fmt.Errorf("%s: %s is out of range (allowed: %d to %d, or %s)", field, v, b.min, b.max, unsetNote)
}

// validateNumbers range-checks every numeric field of the Machine: the ones rendering uses
// (spec.cpu, spec.memory, spec.disks[].sizeGB) and the ones it does not (iops, throughput), which
// the supervisor would refuse anyway.
func validateNumbers(m *vitistackv1alpha1.Machine) error {
	cpu := m.Spec.CPU
	for _, f := range []struct {
		field string
		v     int
		b     bounds
	}{
		{"spec.cpu.cores", cpu.Cores, machineCores},
		{"spec.cpu.sockets", cpu.Sockets, machineSockets},
		{"spec.cpu.threadsPerCore", cpu.ThreadsPerCore, machineThreads},
	} {
		if err := checkInt(f.field, int64(f.v), f.b); err != nil {
			return err
		}
	}
	if m.Spec.Memory < 0 {
		return fmt.Errorf("spec.memory: %d is out of range (allowed: 1Mi to %d bytes, or %s)", m.Spec.Memory, maxMemoryBytes, unsetNote)
	}
	for i, d := range m.Spec.Disks {
		field := fmt.Sprintf("spec.disks[%d]", i)
		if err := checkInt(field+".sizeGB", d.SizeGB, diskSizeGB); err != nil {
			return err
		}
		if err := checkInt(field+".iops", int64(d.IOPS), diskIOPS); err != nil {
			return err
		}
		if err := checkInt(field+".throughput", int64(d.Throughput), diskThroughput); err != nil {
			return err
		}
	}
	return nil
}

// validateClassNumbers range-checks the MachineClass's CPU counts and memory quantities. Errors
// name the class.
func validateClassNumbers(c *vitistackv1alpha1.MachineClass) error {
	err := func() error {
		for _, f := range []struct {
			field string
			v     uint
		}{
			{"spec.cpu.cores", c.Spec.CPU.Cores},
			{"spec.cpu.sockets", c.Spec.CPU.Sockets},
			{"spec.cpu.threads", c.Spec.CPU.Threads},
		} {
			if err := checkUint(f.field, uint64(f.v), classCPU); err != nil {
				return err
			}
		}
		mem := c.Spec.Memory
		if q := mem.Quantity; !q.IsZero() {
			if n, ok := wholeBytes(q); !ok || n.Sign() <= 0 || n.Cmp(new(big.Int).SetUint64(maxMemoryBytes)) > 0 {
				return fmt.Errorf("spec.memory.quantity: %s must be positive, a whole number of bytes and at most %d bytes", q.String(), maxMemoryBytes)
			}
		}
		for _, f := range []struct {
			field string
			q     resource.Quantity
		}{{"spec.memory.minQuantity", mem.MinQuantity}, {"spec.memory.maxQuantity", mem.MaxQuantity}} {
			if f.q.Sign() < 0 {
				return fmt.Errorf("%s: %s must not be negative", f.field, f.q.String())
			}
		}
		return nil
	}()
	if err != nil {
		return fmt.Errorf("MachineClass %q: %w", c.Name, err)
	}
	return nil
}

// wholeBytes is a quantity as an exact integer; false when it has a fractional part.
func wholeBytes(q resource.Quantity) (*big.Int, bool) {
	return new(big.Int).SetString(q.AsDec().String(), 10)
}
