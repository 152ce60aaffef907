package render

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"
)

// cpuMemory is the VM's CPU topology and guest memory.
type cpuMemory struct {
	cores, sockets, threads uint32
	memory                  resource.Quantity
}

// resources applies, in order: the defaults (2 cores, 1 socket, 1 thread, 2Gi), the MachineClass
// (memory.quantity and cpu.cores/sockets/threads when set) and the Machine's own overrides
// (spec.memory in bytes, written as whole Mi; spec.cpu.cores/sockets/threadsPerCore when set).
// Every numeric field of the Machine and the class is range-checked first (validateNumbers), so
// no conversion below can wrap.
func resources(in Input) (cpuMemory, error) {
	r := cpuMemory{cores: DefaultCores, sockets: DefaultSockets, threads: DefaultThreads, memory: resource.MustParse(DefaultMemory)}
	if err := validateNumbers(in.Machine); err != nil {
		return r, err
	}
	if c := in.Class; c != nil {
		if err := validateClassNumbers(c); err != nil {
			return r, err
		}
		if !c.Spec.Memory.Quantity.IsZero() {
			r.memory = c.Spec.Memory.Quantity.DeepCopy()
		}
		r.cores = pick(r.cores, uint32(c.Spec.CPU.Cores))
		r.sockets = pick(r.sockets, uint32(c.Spec.CPU.Sockets))
		r.threads = pick(r.threads, uint32(c.Spec.CPU.Threads))
	}
	spec := in.Machine.Spec
	if spec.Memory > 0 {
		mi := spec.Memory / (1 << 20)
		if mi == 0 {
			return r, fmt.Errorf("spec.memory: %d bytes is less than 1Mi (spec.memory is in bytes)", spec.Memory)
		}
		r.memory = resource.MustParse(fmt.Sprintf("%dMi", mi))
	}
	r.cores = pick(r.cores, uint32(spec.CPU.Cores))
	r.sockets = pick(r.sockets, uint32(spec.CPU.Sockets))
	r.threads = pick(r.threads, uint32(spec.CPU.ThreadsPerCore))
	return r, nil
}

func pick(current, override uint32) uint32 {
	if override > 0 {
		return override
	}
	return current
}
