package resize

import (
	"fmt"
	"strings"
	"testing"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestParseDisk(t *testing.T) {
	for in, want := range map[string]string{"root=20Gi": "root 20", "data=1Ti": "data 1024", "root=21474836480": "root 20"} {
		d, err := ParseDisk(in)
		if err != nil || fmt.Sprintf("%s %d", d.Name, d.GiB) != want {
			t.Errorf("%s: %+v, %v; want %s", in, d, err, want)
		}
	}
	for in, msg := range map[string]string{"root": "want NAME=SIZE", "=5Gi": "want NAME=SIZE", "root=": "want NAME=SIZE",
		"root=1.5Gi": "whole number of Gi", "root=500Mi": "whole number of Gi", "root=-1Gi": "positive", "root=big": "size:"} {
		if _, err := ParseDisk(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: %v, want %q", in, err, msg)
		}
	}
}

func machine(disks ...vitistackv1alpha1.MachineSpecDisk) (*vitistackv1alpha1.Machine, map[string]any) {
	m := &vitistackv1alpha1.Machine{}
	m.Spec.Disks = disks
	m.Spec.CPU.Cores = 2
	var raw []any
	for _, d := range disks {
		raw = append(raw, map[string]any{"name": d.Name, "sizeGB": d.SizeGB, "boot": d.Boot, "keep": "a field this plugin does not know"})
	}
	live := map[string]any{"spec": map[string]any{"cpu": map[string]any{"cores": int64(2)}}}
	if raw != nil {
		live["spec"].(map[string]any)["disks"] = raw
	}
	return m, live
}

func TestChange(t *testing.T) {
	r := &Resizer{}
	t.Run("nothing changes: no patch", func(t *testing.T) {
		r.Options.Change = Change{CPU: 2}
		m, live := machine()
		if _, patch, err := r.change(m, live); err != nil || patch != nil {
			t.Errorf("patch %v, err %v", patch, err)
		}
	})
	t.Run("cpu, memory and class", func(t *testing.T) {
		q := resource.MustParse("4Gi")
		r.Options.Change = Change{CPU: 4, Memory: &q, Class: "medium"}
		m, live := machine()
		out, patch, err := r.change(m, live)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(patch); got != "map[spec:map[cpu:map[cores:4] machineClass:medium memory:4294967296]]" {
			t.Errorf("patch %s", got)
		}
		if out.Spec.CPU.Cores != 4 || out.Spec.Memory != 4<<30 || out.Spec.MachineClass != "medium" || m.Spec.CPU.Cores != 2 {
			t.Errorf("changed %+v, original %+v", out.Spec, m.Spec)
		}
	})
	t.Run("a disk grows in the live list; unknown fields stay", func(t *testing.T) {
		r.Options.Change = Change{Disks: []Disk{{Name: "data", GiB: 50}}}
		m, live := machine(vitistackv1alpha1.MachineSpecDisk{Name: "root", SizeGB: 10, Boot: true}, vitistackv1alpha1.MachineSpecDisk{Name: "data", SizeGB: 20})
		out, patch, err := r.change(m, live)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(patch["spec"].(map[string]any)["disks"])
		if !strings.Contains(got, "name:data sizeGB:50") || !strings.Contains(got, "keep:a field") || out.Spec.Disks[1].SizeGB != 50 {
			t.Errorf("disks %s", got)
		}
	})
	t.Run("a Machine without disks gets its root disk written", func(t *testing.T) {
		r.Options.Change = Change{Disks: []Disk{{Name: "root", GiB: 20}}}
		m, live := machine()
		_, patch, err := r.change(m, live)
		if got := fmt.Sprint(patch); err != nil || got != "map[spec:map[disks:[map[boot:true name:root sizeGB:20]]]]" {
			t.Errorf("patch %s, %v", got, err)
		}
		r.Options.Change = Change{Disks: []Disk{{Name: "root", GiB: 10}}}
		if _, patch, err := r.change(m, live); err != nil || patch != nil {
			t.Errorf("the default size renders the same PVC: no change (patch %v, %v)", patch, err)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		m, live := machine(vitistackv1alpha1.MachineSpecDisk{SizeGB: 30}, vitistackv1alpha1.MachineSpecDisk{SizeGB: 5})
		for _, c := range []struct {
			d   Disk
			msg string
		}{{Disk{"root", 20}, `disk "root" is 30Gi; a disk cannot shrink`}, {Disk{"disk1", 4}, "cannot shrink"}, {Disk{"data", 40}, `no disk "data" (its disks: root, disk1)`}} {
			r.Options.Change = Change{Disks: []Disk{c.d}}
			if _, _, err := r.change(m, live); err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("%+v: %v, want %q", c.d, err, c.msg)
			}
		}
	})
}

func vm(cpu, mem map[string]any) map[string]any {
	return map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"domain": map[string]any{"cpu": cpu, "memory": mem}}}}}
}

func TestNeedsRestart(t *testing.T) {
	base := map[string]any{"cores": int64(2), "sockets": int64(1), "threads": int64(1)}
	hot := map[string]any{"cores": int64(2), "sockets": int64(1), "threads": int64(1), "maxSockets": int64(4)}
	mem := map[string]any{"guest": "2Gi"}
	hotMem := map[string]any{"guest": "2Gi", "maxGuest": "8Gi"}
	for _, c := range []struct {
		name                    string
		vm                      map[string]any
		cores, sockets, threads uint32
		guest                   string
		want                    bool
	}{
		{"nothing", vm(base, mem), 2, 1, 1, "2Gi", false},
		{"cores", vm(hot, hotMem), 4, 1, 1, "2Gi", true},
		{"threads", vm(hot, hotMem), 2, 1, 2, "2Gi", true},
		{"sockets without maxSockets", vm(base, mem), 2, 2, 1, "2Gi", true},
		{"sockets within maxSockets", vm(hot, mem), 2, 4, 1, "2Gi", false},
		{"sockets beyond maxSockets", vm(hot, mem), 2, 5, 1, "2Gi", true},
		{"memory without maxGuest", vm(base, mem), 2, 1, 1, "4Gi", true},
		{"memory within maxGuest", vm(base, hotMem), 2, 1, 1, "8Gi", false},
		{"memory beyond maxGuest", vm(base, hotMem), 2, 1, 1, "9Gi", true},
		{"same memory, other spelling", vm(base, mem), 2, 1, 1, "2048Mi", false},
	} {
		if got := needsRestart(c.vm, c.cores, c.sockets, c.threads, resource.MustParse(c.guest)); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestMergePatch(t *testing.T) {
	obj := map[string]any{"a": map[string]any{"b": int64(1), "c": "x"}, "d": []any{"e"}}
	got := mergePatch(obj, map[string]any{"a": map[string]any{"b": int64(2), "c": nil}, "d": []any{"f"}})
	if fmt.Sprint(got) != "map[a:map[b:2] d:[f]]" || fmt.Sprint(obj) != "map[a:map[b:1 c:x] d:[e]]" {
		t.Errorf("got %v, original now %v", got, obj)
	}
}
