package render_test

import (
	"testing"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/vitistack/kubectl-vitimachine/pkg/render"
)

// FuzzRender: whatever the Machine says, Render either refuses or returns objects whose names are
// valid Kubernetes names and whose PVCs match the VM's volumes one to one.
func FuzzRender(f *testing.F) {
	f.Add("web", "team-a", "os", int64(20), "sata", true, "data", int64(0), "", false, int64(0), 0, false)
	f.Add("a", "b", "", int64(0), "", false, "", int64(-1), "nvme", true, int64(1<<30), 4, true)
	f.Fuzz(func(t *testing.T, name, ns, d0 string, s0 int64, t0 string, b0 bool, d1 string, s1 int64, t1 string, b1 bool, mem int64, cores int, operator bool) {
		m := machine(name, ns,
			vitistackv1alpha1.MachineSpecDisk{Name: d0, SizeGB: s0, Type: t0, Boot: b0},
			vitistackv1alpha1.MachineSpecDisk{Name: d1, SizeGB: s1, Type: t1, Boot: b1})
		m.Spec.Memory, m.Spec.CPU.Cores = mem, cores
		n := render.NamingSeed
		if operator {
			n = render.NamingOperator
		}
		objs, err := render.Render(render.Input{Machine: m, Network: render.Network{NewMAC: testMAC}}, opts(n))
		if err != nil {
			return
		}
		if errs := validation.IsDNS1123Label(objs.VM.Name); len(errs) > 0 {
			t.Fatalf("VM name %q: %v", objs.VM.Name, errs)
		}
		vols := objs.VM.Spec.Template.Spec.Volumes
		if len(vols) != len(objs.PVCs) {
			t.Fatalf("%d volumes for %d PVCs", len(vols), len(objs.PVCs))
		}
		names := map[string]bool{}
		for i, p := range objs.PVCs {
			if names[p.Name] {
				t.Fatalf("two PVCs named %q", p.Name)
			}
			names[p.Name] = true
			if errs := validation.IsDNS1123Subdomain(p.Name); len(errs) > 0 {
				t.Fatalf("PVC name %q: %v", p.Name, errs)
			}
			if vols[i].PersistentVolumeClaim.ClaimName != p.Name {
				t.Fatalf("volume %d claims %q, PVC is %q", i, vols[i].PersistentVolumeClaim.ClaimName, p.Name)
			}
		}
	})
}
