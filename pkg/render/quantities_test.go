package render_test

import (
	"math"
	"math/big"
	"strings"
	"testing"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitistack/kubectl-vitimachine/pkg/render"
)

// TestRenderRefusesNumbersOutOfRange: values that used to wrap around silently (a disk of
// 17179869194 GiB rendered as 10Gi, 4294967298 cores as 2) are refused with the field path and
// the allowed range.
func TestRenderRefusesNumbersOutOfRange(t *testing.T) {
	disk := func(size int64) *vitistackv1alpha1.Machine {
		return machine("m", "ns", vitistackv1alpha1.MachineSpecDisk{Name: "d", SizeGB: size})
	}
	withCPU := func(cpu vitistackv1alpha1.MachineCPU) *vitistackv1alpha1.Machine {
		m := machine("m", "ns")
		m.Spec.CPU = cpu
		return m
	}
	class := func(spec vitistackv1alpha1.MachineClassSpec) *vitistackv1alpha1.MachineClass {
		spec.Enabled = true
		return &vitistackv1alpha1.MachineClass{ObjectMeta: metav1.ObjectMeta{Name: "big"}, Spec: spec}
	}
	for _, tc := range []struct {
		name    string
		m       *vitistackv1alpha1.Machine
		class   *vitistackv1alpha1.MachineClass
		wantErr string
	}{
		{"disk that wrapped to 10Gi", disk(17179869194), nil, "spec.disks[0].sizeGB: 17179869194 is out of range (allowed: 1 to 65536"},
		{"disk that wrapped negative", disk(12884901888), nil, "spec.disks[0].sizeGB: 12884901888 is out of range"},
		{"disk just too large", disk(65537), nil, "spec.disks[0].sizeGB: 65537 is out of range"},
		{"negative disk", disk(-1), nil, "spec.disks[0].sizeGB: -1 is out of range"},
		{"cores that wrapped to 2", withCPU(vitistackv1alpha1.MachineCPU{Cores: 4294967298}), nil, "spec.cpu.cores: 4294967298 is out of range (allowed: 1 to 256"},
		{"sockets", withCPU(vitistackv1alpha1.MachineCPU{Sockets: 17}), nil, "spec.cpu.sockets: 17 is out of range (allowed: 1 to 16"},
		{"threads", withCPU(vitistackv1alpha1.MachineCPU{ThreadsPerCore: -3}), nil, "spec.cpu.threadsPerCore: -3 is out of range (allowed: 1 to 8"},
		{"iops", machine("m", "ns", vitistackv1alpha1.MachineSpecDisk{Name: "d", IOPS: 99}), nil, "spec.disks[0].iops: 99 is out of range (allowed: 100 to 64000"},
		{"throughput", machine("m", "ns", vitistackv1alpha1.MachineSpecDisk{Name: "d", Throughput: 1 << 40}), nil, "spec.disks[0].throughput: 1099511627776 is out of range (allowed: 125 to 4000"},
		{"negative memory", func() *vitistackv1alpha1.Machine { m := machine("m", "ns"); m.Spec.Memory = -1; return m }(), nil, "spec.memory: -1 is out of range"},
		{"class cores beyond 32 bits", machine("m", "ns"), class(vitistackv1alpha1.MachineClassSpec{CPU: vitistackv1alpha1.MachineClassCPUSpec{Cores: 1<<32 + 2}}),
			`MachineClass "big": spec.cpu.cores: 4294967298 is out of range (allowed: 1 to 4294967295`},
		{"class threads beyond 64-bit int", machine("m", "ns"), class(vitistackv1alpha1.MachineClassSpec{CPU: vitistackv1alpha1.MachineClassCPUSpec{Threads: math.MaxUint64}}),
			`MachineClass "big": spec.cpu.threads: 18446744073709551615 is out of range`},
		{"class negative memory", machine("m", "ns"), class(vitistackv1alpha1.MachineClassSpec{Memory: vitistackv1alpha1.MachineClassMemorySpec{Quantity: resource.MustParse("-1Gi")}}),
			`MachineClass "big": spec.memory.quantity: -1Gi must be positive`},
		{"class negative maximum", machine("m", "ns"), class(vitistackv1alpha1.MachineClassSpec{Memory: vitistackv1alpha1.MachineClassMemorySpec{MaxQuantity: resource.MustParse("-2")}}),
			`MachineClass "big": spec.memory.maxQuantity: -2 must not be negative`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := render.Render(render.Input{Machine: tc.m, Class: tc.class}, opts(render.NamingSeed))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want it to contain %q (objects: %d PVCs)", err, tc.wantErr, len(objs.PVCs))
			}
		})
	}
}

// TestRenderAcceptsTheLimits: the bounds themselves render, exactly.
func TestRenderAcceptsTheLimits(t *testing.T) {
	m := machine("m", "ns", vitistackv1alpha1.MachineSpecDisk{Name: "d", SizeGB: 65536, IOPS: 64000, Throughput: 125})
	m.Spec.CPU = vitistackv1alpha1.MachineCPU{Cores: 256, Sockets: 16, ThreadsPerCore: 8}
	objs, err := render.Render(render.Input{Machine: m}, opts(render.NamingSeed))
	if err != nil {
		t.Fatal(err)
	}
	if got := objs.PVCs[0].Spec.Resources.Requests.Storage().String(); got != "64Ti" {
		t.Errorf("65536 GiB rendered as %s", got)
	}
	if c := objs.VM.Spec.Template.Spec.Domain.CPU; c.Cores != 256 || c.Sockets != 16 || c.Threads != 8 {
		t.Errorf("cpu %+v", c)
	}
}

// FuzzRenderQuantities: whatever numbers a Machine and its MachineClass hold, Render either refuses
// or renders quantities equal, as big integers, to what the input says: the disk size in GiB, the
// CPU counts, and the memory (the Machine's bytes in whole Mi, as the operator writes them).
func FuzzRenderQuantities(f *testing.F) {
	f.Add(int64(17179869194), 0, 0, 0, int64(0), uint64(0), uint64(0), uint64(0), "")
	f.Add(int64(12884901888), 4294967298, 0, 0, int64(0), uint64(0), uint64(0), uint64(0), "")
	f.Add(int64(0), 0, 0, 0, int64(0), uint64(1<<32+2), uint64(1), uint64(math.MaxUint64), "16Gi")
	f.Add(int64(40), 4, 2, 2, int64(3<<30+12345), uint64(8), uint64(0), uint64(0), "-1")
	f.Add(int64(65536), 256, 16, 8, int64(math.MaxInt64), uint64(0), uint64(0), uint64(0), "1e40")
	f.Fuzz(func(t *testing.T, sizeGB int64, cores, sockets, threads int, mem int64, cCores, cSockets, cThreads uint64, cMem string) {
		m := machine("m", "ns", vitistackv1alpha1.MachineSpecDisk{Name: "d", SizeGB: sizeGB})
		m.Spec.CPU = vitistackv1alpha1.MachineCPU{Cores: cores, Sockets: sockets, ThreadsPerCore: threads}
		m.Spec.Memory = mem
		class := &vitistackv1alpha1.MachineClass{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Spec: vitistackv1alpha1.MachineClassSpec{Enabled: true,
			CPU: vitistackv1alpha1.MachineClassCPUSpec{Cores: uint(cCores), Sockets: uint(cSockets), Threads: uint(cThreads)}}}
		if q, err := resource.ParseQuantity(cMem); err == nil {
			class.Spec.Memory.Quantity = q
		}
		objs, err := render.Render(render.Input{Machine: m, Class: class}, opts(render.NamingSeed))
		if err != nil {
			return
		}
		wantSize := big.NewInt(sizeGB)
		if sizeGB == 0 {
			wantSize = big.NewInt(render.DefaultDiskSize)
		}
		equal(t, "storage request", objs.PVCs[0].Spec.Resources.Requests.Storage(), wantSize.Lsh(wantSize, 30))
		c := objs.VM.Spec.Template.Spec.Domain.CPU
		equalInt(t, "cores", c.Cores, choose(int64(cores), cCores, render.DefaultCores))
		equalInt(t, "sockets", c.Sockets, choose(int64(sockets), cSockets, render.DefaultSockets))
		equalInt(t, "threads", c.Threads, choose(int64(threads), cThreads, render.DefaultThreads))
		wantMem := bigOf(t, resource.MustParse(render.DefaultMemory))
		switch {
		case mem > 0:
			wantMem = new(big.Int).Lsh(big.NewInt(mem>>20), 20)
		case !class.Spec.Memory.Quantity.IsZero():
			wantMem = bigOf(t, class.Spec.Memory.Quantity)
		}
		equal(t, "memory", objs.VM.Spec.Template.Spec.Domain.Memory.Guest, wantMem)
	})
}

// choose is the CPU count rendering promises: the Machine's when set, else the class's, else the
// default; as a big integer, so that nothing can wrap on the way.
func choose(machine int64, class uint64, def int) *big.Int {
	switch {
	case machine != 0:
		return big.NewInt(machine)
	case class != 0:
		return new(big.Int).SetUint64(class)
	}
	return big.NewInt(int64(def))
}

func equalInt(t *testing.T, what string, got uint32, want *big.Int) {
	t.Helper()
	if new(big.Int).SetUint64(uint64(got)).Cmp(want) != 0 {
		t.Fatalf("%s rendered as %d, the input says %s", what, got, want)
	}
}

func equal(t *testing.T, what string, q *resource.Quantity, want *big.Int) {
	t.Helper()
	if got := bigOf(t, *q); got.Cmp(want) != 0 {
		t.Fatalf("%s rendered as %s (%s), the input says %s", what, q.String(), got, want)
	}
}

// bigOf is a quantity as an exact big integer; a fractional quantity fails the test.
func bigOf(t *testing.T, q resource.Quantity) *big.Int {
	t.Helper()
	d := q.AsDec()
	out, ok := new(big.Int).SetString(d.String(), 10)
	if !ok {
		// A fraction of a byte, or of a core: the class's memory.quantity may be "0.5"; that is a
		// value rendering copies as is, not a number it computed.
		r, ok := new(big.Rat).SetString(d.String())
		if !ok {
			t.Fatalf("quantity %s is not a number", q.String())
		}
		return new(big.Int).Quo(r.Num(), r.Denom())
	}
	return out
}
