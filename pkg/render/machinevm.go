package render

import (
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// MachineVM picks a Machine's VM among the VMs of its namespace, as every reading command does: the
// VMs labelled with the Machine (either source-machine key) — the one named as either naming scheme
// names it, else the first by name — else an unlabelled VM named as either scheme names it; nil
// when there is none. A VM labelled for another Machine is never the Machine's.
func MachineVM(machine string, vms []*unstructured.Unstructured) *unstructured.Unstructured {
	owned, unlabelled := map[string]*unstructured.Unstructured{}, map[string]*unstructured.Unstructured{}
	for _, u := range vms {
		switch vitistack.SourceMachine(u.GetLabels()) {
		case machine:
			owned[u.GetName()] = u
		case "":
			unlabelled[u.GetName()] = u
		}
	}
	pool := owned
	if len(owned) == 0 {
		pool = unlabelled
	}
	for _, n := range []string{VMName(NamingSeed, machine), VMName(NamingOperator, machine)} {
		if u := pool[n]; u != nil {
			return u
		}
	}
	if len(owned) == 0 {
		return nil
	}
	keys := make([]string, 0, len(owned))
	for k := range owned {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return owned[keys[0]]
}
