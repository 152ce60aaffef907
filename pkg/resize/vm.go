package resize

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
)

// Messages of the VM row.
const (
	RestartRequired = "restart required"
	Live            = "live"
	NotRunning      = "not running: applies when it starts"
)

// running reports a VM that has a running (or paused) instance, as its status says: one that does
// not picks the new template up when it starts, and is never restarted.
func running(vm map[string]any) bool {
	ready, _, _ := unstructured.NestedBool(vm, "status", "ready")
	created, _, _ := unstructured.NestedBool(vm, "status", "created")
	return ready || created
}

// vmItem plans the VM template's CPU topology and guest memory as render made them for the changed
// Machine; every other field of the live VM is left alone. restart says whether the change needs
// the VM restarted (see needsRestart).
func vmItem(id cluster.ID, vm map[string]any, objs render.Objects) (*plan.Item, bool, error) {
	u := unstructured.Unstructured{Object: vm}
	it := &plan.Item{Cluster: id, Resource: cluster.VirtualMachines, Namespace: u.GetNamespace(), Name: u.GetName(), Live: vm}
	d := objs.VM.Spec.Template.Spec.Domain
	if d.CPU == nil || d.Memory == nil || d.Memory.Guest == nil {
		return nil, false, fmt.Errorf("render made no CPU or memory for VM %q", u.GetName())
	}
	cpu := map[string]any{"cores": int64(d.CPU.Cores), "sockets": int64(d.CPU.Sockets), "threads": int64(d.CPU.Threads)}
	guest := d.Memory.Guest.String()
	planPatch(it, map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"domain": map[string]any{
		"cpu": cpu, "memory": map[string]any{"guest": guest}}}}}})
	if it.Write != plan.PatchObject {
		return it, false, nil
	}
	restart := needsRestart(vm, d.CPU.Cores, d.CPU.Sockets, d.CPU.Threads, *d.Memory.Guest)
	it.Message = Live
	switch {
	case !running(vm):
		restart, it.Message = false, NotRunning
	case restart:
		it.Message = RestartRequired
	}
	it.Message = describe(vm, cpu, guest) + " (" + it.Message + ")"
	return it, restart, nil
}

// needsRestart is KubeVirt's LiveUpdate rule, read from the live VM alone (the plugin cannot read
// the KubeVirt CR's vmRolloutStrategy): a change applies live only when it is a change of CPU
// sockets within the VM's spec.template.spec.domain.cpu.maxSockets and/or of guest memory within
// its memory.maxGuest; anything else (cores, threads, a VM without those maximums) needs a
// restart. Without the LiveUpdate rollout strategy KubeVirt applies nothing live; a VM then carries
// the RestartRequired condition after the write, whatever this says.
func needsRestart(vm map[string]any, cores, sockets, threads uint32, guest resource.Quantity) bool {
	cpu, _, _ := unstructured.NestedMap(vm, "spec", "template", "spec", "domain", "cpu")
	mem, _, _ := unstructured.NestedMap(vm, "spec", "template", "spec", "domain", "memory")
	if num(cpu, "cores") != int64(cores) || num(cpu, "threads") != int64(threads) {
		return true
	}
	if s := num(cpu, "sockets"); s != int64(sockets) {
		if max := num(cpu, "maxSockets"); max == 0 || int64(sockets) > max {
			return true
		}
	}
	have, _ := mem["guest"].(string)
	if q, err := resource.ParseQuantity(have); err != nil || q.Cmp(guest) != 0 {
		maxS, _ := mem["maxGuest"].(string)
		maxQ, err := resource.ParseQuantity(maxS)
		if err != nil || guest.Cmp(maxQ) > 0 {
			return true
		}
	}
	return false
}

// describe says what changes on the VM: "cores 2 → 4, memory 2Gi → 4Gi".
func describe(vm map[string]any, cpu map[string]any, guest string) string {
	live, _, _ := unstructured.NestedMap(vm, "spec", "template", "spec", "domain", "cpu")
	var parts []string
	for _, k := range []string{"cores", "sockets", "threads"} {
		if a, b := num(live, k), cpu[k].(int64); a != b {
			parts = append(parts, fmt.Sprintf("%s %d → %d", k, a, b))
		}
	}
	have, _, _ := unstructured.NestedString(vm, "spec", "template", "spec", "domain", "memory", "guest")
	if have != guest {
		parts = append(parts, fmt.Sprintf("memory %s → %s", orNone(have), guest))
	}
	if len(parts) == 0 {
		return "template"
	}
	out := parts[0]
	for _, p := range parts[1:] {
		out += ", " + p
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// num reads an integer field that JSON may have decoded as int64 or float64; 0 when absent.
func num(m map[string]any, key string) int64 {
	switch v := m[key].(type) {
	case int64:
		return v
	case float64:
		return int64(v)
	case int:
		return int64(v)
	}
	return 0
}
