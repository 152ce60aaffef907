package render

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

func TestMachineVM(t *testing.T) {
	vm := func(name, machine string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{}}
		u.SetName(name)
		if machine != "" {
			u.SetLabels(map[string]string{vitistack.LabelSourceMachine: machine})
		}
		return u
	}
	seed, op := VMName(NamingSeed, "web"), VMName(NamingOperator, "web")
	for _, tc := range []struct {
		name string
		vms  []*unstructured.Unstructured
		want string
	}{
		{"none", nil, ""},
		{"labelled, named by a scheme", []*unstructured.Unstructured{vm("b", "web"), vm(op, "web")}, op},
		{"labelled, first by name", []*unstructured.Unstructured{vm("z", "web"), vm("b", "web")}, "b"},
		{"labelled wins over unlabelled", []*unstructured.Unstructured{vm(seed, ""), vm("x", "web")}, "x"},
		{"unlabelled by name", []*unstructured.Unstructured{vm("other", ""), vm(seed, "")}, seed},
		{"another Machine's never", []*unstructured.Unstructured{vm(seed, "db")}, ""},
	} {
		got := MachineVM("web", tc.vms)
		name := ""
		if got != nil {
			name = got.GetName()
		}
		if name != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, name, tc.want)
		}
	}
}
