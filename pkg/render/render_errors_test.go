package render_test

import (
	"strings"
	"testing"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

func machine(name, namespace string, disks ...vitistackv1alpha1.MachineSpecDisk) *vitistackv1alpha1.Machine {
	return &vitistackv1alpha1.Machine{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec:       vitistackv1alpha1.MachineSpec{Provider: "kubevirt", Disks: disks},
	}
}

// testMAC is the MAC the tests give Render as freshly generated.
const testMAC = "02:12:00:00:00:01"

func opts(n render.Naming) render.Options {
	return render.Options{Naming: n, StorageClass: "sc", AccessMode: corev1.ReadWriteOnce, VolumeMode: corev1.PersistentVolumeBlock,
		ManagedByKey: vitistack.DefaultManagedByKey, ManagedByValue: vitistack.DefaultManagedByValue}
}

func TestRenderRefusesWithTheField(t *testing.T) {
	long := strings.Repeat("a", 62)
	for _, tc := range []struct {
		name    string
		m       *vitistackv1alpha1.Machine
		naming  render.Naming
		wantErr string
	}{
		{"two boot disks", machine("m", "ns", vitistackv1alpha1.MachineSpecDisk{Name: "a", Boot: true}, vitistackv1alpha1.MachineSpecDisk{Name: "b", Boot: true}), render.NamingSeed, "spec.disks[1].boot"},
		{"disk name not DNS-1123", machine("m", "ns", vitistackv1alpha1.MachineSpecDisk{Name: "Data_1"}), render.NamingSeed, `spec.disks[0].name: disk name "Data_1"`},
		{"duplicate disk names", machine("m", "ns", vitistackv1alpha1.MachineSpecDisk{Name: "d"}, vitistackv1alpha1.MachineSpecDisk{Name: "d"}), render.NamingSeed, "spec.disks[1].name: disk name \"d\" is already used by spec.disks[0]"},
		{"unnamed disk clashes with a named one", machine("m", "ns", vitistackv1alpha1.MachineSpecDisk{}, vitistackv1alpha1.MachineSpecDisk{Name: "root"}), render.NamingSeed, "spec.disks[1].name"},
		{"two disks, one PVC", machine("m", "ns", vitistackv1alpha1.MachineSpecDisk{SizeGB: 5}, vitistackv1alpha1.MachineSpecDisk{Name: "disk0"}), render.NamingSeed, `spec.disks[1].name: its PVC would be "vm-m-disk0-pvc", the same as the PVC of spec.disks[0]`},
		{"negative size", machine("m", "ns", vitistackv1alpha1.MachineSpecDisk{Name: "d", SizeGB: -1}), render.NamingSeed, "spec.disks[0].sizeGB"},
		{"namespace not DNS-1123", machine("m", "Team_A"), render.NamingSeed, "metadata.namespace"},
		{"no namespace", machine("m", ""), render.NamingSeed, "metadata.namespace: the Machine has no namespace"},
		{"VM name too long under seed naming", machine(long, "ns"), render.NamingSeed, "metadata.name: VirtualMachine name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := render.Render(render.Input{Machine: tc.m, Network: render.Network{NewMAC: testMAC}}, opts(tc.naming))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestRenderResources(t *testing.T) {
	class := &vitistackv1alpha1.MachineClass{Spec: vitistackv1alpha1.MachineClassSpec{Enabled: true,
		CPU: vitistackv1alpha1.MachineClassCPUSpec{Cores: 4, Threads: 2}}}
	for _, tc := range []struct {
		name                string
		class               *vitistackv1alpha1.MachineClass
		cpu                 vitistackv1alpha1.MachineCPU
		memory              int64
		cores, sockets, thr uint32
		guest               string
		wantErr             string
	}{
		{name: "defaults", cores: 2, sockets: 1, thr: 1, guest: "2Gi"},
		{name: "class without memory keeps the default memory", class: class, cores: 4, sockets: 1, thr: 2, guest: "2Gi"},
		{name: "machine overrides the class", class: class, cpu: vitistackv1alpha1.MachineCPU{Cores: 1, Sockets: 2}, memory: 3 << 30, cores: 1, sockets: 2, thr: 2, guest: "3Gi"},
		{name: "memory in bytes becomes Mi", memory: 1536 << 20, cores: 2, sockets: 1, thr: 1, guest: "1536Mi"},
		{name: "memory below 1Mi", memory: 1000, wantErr: "spec.memory: 1000 bytes is less than 1Mi"},
		{name: "negative cores", cpu: vitistackv1alpha1.MachineCPU{Cores: -1}, wantErr: "spec.cpu.cores"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := machine("m", "ns")
			m.Spec.CPU, m.Spec.Memory = tc.cpu, tc.memory
			objs, err := render.Render(render.Input{Machine: m, Class: tc.class, Network: render.Network{NewMAC: testMAC}}, opts(render.NamingSeed))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			d := objs.VM.Spec.Template.Spec.Domain
			if d.CPU.Cores != tc.cores || d.CPU.Sockets != tc.sockets || d.CPU.Threads != tc.thr || d.Memory.Guest.String() != tc.guest {
				t.Errorf("cpu %d/%d/%d memory %s, want %d/%d/%d %s", d.CPU.Cores, d.CPU.Sockets, d.CPU.Threads, d.Memory.Guest, tc.cores, tc.sockets, tc.thr, tc.guest)
			}
		})
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct {
		naming        render.Naming
		disks         []vitistackv1alpha1.MachineSpecDisk
		vm            string
		pvcs, volumes []string
	}{
		{render.NamingSeed, nil, "vm-web", []string{"vm-web-root-pvc"}, []string{"root"}},
		{render.NamingOperator, nil, "web", []string{"web"}, []string{"root"}},
		{render.NamingSeed, []vitistackv1alpha1.MachineSpecDisk{{Name: "os"}, {}}, "vm-web", []string{"vm-web-os-pvc", "vm-web-disk1-pvc"}, []string{"os", "disk1"}},
		{render.NamingOperator, []vitistackv1alpha1.MachineSpecDisk{{Name: "data"}, {Name: "os", Boot: true}}, "web", []string{"web-data", "web"}, []string{"data", "os"}},
		// No disk is marked boot: as the operator, no disk boots and none gets the Machine's name.
		{render.NamingOperator, []vitistackv1alpha1.MachineSpecDisk{{}, {}}, "web", []string{"web-disk0", "web-disk1"}, []string{"root", "disk1"}},
	} {
		objs, err := render.Render(render.Input{Machine: machine("web", "ns", tc.disks...), Network: render.Network{NewMAC: testMAC}}, opts(tc.naming))
		if err != nil {
			t.Fatal(err)
		}
		var pvcs, vols []string
		for _, p := range objs.PVCs {
			pvcs = append(pvcs, p.Name)
		}
		for _, v := range objs.VM.Spec.Template.Spec.Volumes {
			vols = append(vols, v.Name+"="+v.PersistentVolumeClaim.ClaimName)
		}
		var want []string
		for i := range tc.volumes {
			want = append(want, tc.volumes[i]+"="+tc.pvcs[i])
		}
		if objs.VM.Name != tc.vm || strings.Join(pvcs, ",") != strings.Join(tc.pvcs, ",") || strings.Join(vols, ",") != strings.Join(want, ",") {
			t.Errorf("%s %v: vm %s pvcs %v volumes %v; want %s %v %v", tc.naming, tc.disks, objs.VM.Name, pvcs, vols, tc.vm, tc.pvcs, want)
		}
	}
}
