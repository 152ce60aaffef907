package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// The nodes the Controller places VMIs on: a VMI starts on NodeA and a migration moves it to the
// other one.
const (
	NodeA = "node-a"
	NodeB = "node-b"
)

// Controller is the stand-in for virt-controller and virt-handler, which the test planes do not
// run. It is NOT KubeVirt: it does the least a VM's owner sees of them, so that tests can wait for
// the states the subresource calls ask for.
//
//   - A VM whose runStrategy is Always or RerunOnFailure gets a VMI (phase Running on NodeA,
//     condition Ready), one whose runStrategy is Halted loses it.
//   - State-change requests in the VM's status are carried out in order (Stop deletes the VMI
//     whose uid it names, Start creates one) and then cleared, as virt-controller does.
//   - pause and unpause set and remove the VMI's Paused condition (virt-handler's part).
//   - A VirtualMachineInstanceMigration that is not final moves its VMI to the other node, sets the
//     VMI's migrationState (completed) and its own phase Succeeded.
//   - The VM's status gets printableStatus Running, Paused or Stopped, ready, created and the
//     Ready and Paused conditions.
//
// It acts Delay after each accepted, non-dry-run call (asynchronously, like the real controllers),
// never while held (Hold), and when a test asks (Reconcile, Settle).
type Controller struct {
	api *KubeVirtAPI
	// Delay is how long after a call the controller acts.
	Delay time.Duration

	mu      sync.Mutex
	held    bool
	pending []Call
	wg      sync.WaitGroup
	stopped bool
}

func newController(k *KubeVirtAPI) *Controller { return &Controller{api: k, Delay: settle} }

// Hold stops (true) or resumes (false) the controller; resuming carries out the calls made while
// it was held.
func (c *Controller) Hold(held bool) {
	c.mu.Lock()
	c.held = held
	pending := c.pending
	if !held {
		c.pending = nil
	}
	c.mu.Unlock()
	if !held {
		for _, call := range pending {
			c.act(call)
		}
	}
}

// after schedules what the controllers do after an accepted call; a dry run changes nothing.
func (c *Controller) after(call Call, dryRun []string) {
	if len(dryRun) > 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held {
		c.pending = append(c.pending, call)
		return
	}
	if c.stopped {
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		time.Sleep(c.Delay)
		c.act(call)
	}()
}

func (c *Controller) stop() {
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
	c.wg.Wait()
}

func (c *Controller) act(call Call) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	switch call.Subresource {
	case "pause":
		_ = c.setPaused(ctx, call.Namespace, call.Name, true)
	case "unpause":
		_ = c.setPaused(ctx, call.Namespace, call.Name, false)
	}
	_ = c.Reconcile(ctx, call.Namespace, call.Name)
}

// Settle reconciles every VM of a namespace: a test's VMs reach their steady state (a VM created
// with runStrategy Always is Running with a VMI).
func (c *Controller) Settle(ctx context.Context, namespace string) error {
	list, err := c.api.dyn.Resource(cluster.VirtualMachines.GVR).Namespace(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, vm := range list.Items {
		if err := c.Reconcile(ctx, namespace, vm.GetName()); err != nil {
			return err
		}
	}
	return nil
}

// Reconcile brings one VM and its VMI to the state its spec and requests ask for.
func (c *Controller) Reconcile(ctx context.Context, namespace, name string) error {
	vms := c.api.dyn.Resource(cluster.VirtualMachines.GVR).Namespace(namespace)
	vm, err := vms.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	vmi, err := c.vmi(ctx, namespace, name)
	if err != nil {
		return err
	}
	requests, _, _ := unstructured.NestedSlice(vm.Object, "status", "stateChangeRequests")
	if len(requests) > 0 {
		for _, r := range requests {
			req, _ := r.(map[string]any)
			switch req["action"] {
			case "Stop":
				uid, _ := req["uid"].(string)
				if vmi != nil && (uid == "" || uid == string(vmi.GetUID())) {
					if err := c.deleteVMI(ctx, vmi); err != nil {
						return err
					}
					vmi = nil
				}
			case "Start":
				if vmi == nil {
					if vmi, err = c.createVMI(ctx, vm); err != nil {
						return err
					}
				}
			}
		}
		patch := []byte(`{"status":{"stateChangeRequests":null}}`)
		if vm, err = vms.Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: HarnessUserAgent}, "status"); err != nil {
			return err
		}
	} else {
		switch runStrategy(vm) {
		case "Always", "RerunOnFailure":
			if vmi == nil {
				if vmi, err = c.createVMI(ctx, vm); err != nil {
					return err
				}
			}
		case "Halted":
			if vmi != nil {
				if err := c.deleteVMI(ctx, vmi); err != nil {
					return err
				}
				vmi = nil
			}
		}
	}
	if vmi != nil {
		if vmi, err = c.migrate(ctx, vmi); err != nil {
			return err
		}
	}
	return c.writeStatus(ctx, vm, vmi)
}

// runStrategy is the VM's runStrategy (spec.running counts as Always or Halted).
func runStrategy(vm *unstructured.Unstructured) string {
	if running, ok, _ := unstructured.NestedBool(vm.Object, "spec", "running"); ok {
		if running {
			return "Always"
		}
		return "Halted"
	}
	rs, _, _ := unstructured.NestedString(vm.Object, "spec", "runStrategy")
	if rs == "" {
		return "Halted"
	}
	return rs
}

func (c *Controller) vmi(ctx context.Context, namespace, name string) (*unstructured.Unstructured, error) {
	vmi, err := c.api.dyn.Resource(cluster.VirtualMachineInstances.GVR).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return vmi, err
}

// createVMI creates the VM's VMI from its template, Running on NodeA.
func (c *Controller) createVMI(ctx context.Context, vm *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	vmi := Object("kubevirt.io/v1", "VirtualMachineInstance", vm.GetNamespace(), vm.GetName())
	labels, _, _ := unstructured.NestedStringMap(vm.Object, "spec", "template", "metadata", "labels")
	vmi.SetLabels(labels)
	vmi.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "kubevirt.io/v1", Kind: "VirtualMachine", Name: vm.GetName(), UID: vm.GetUID(),
		Controller: ptr(true), BlockOwnerDeletion: ptr(true)}})
	spec, _, _ := unstructured.NestedMap(vm.Object, "spec", "template", "spec")
	vmi.Object["spec"] = spec
	vmi.Object["status"] = map[string]any{"phase": "Running", "nodeName": NodeA,
		"conditions": []any{map[string]any{"type": "Ready", "status": "True"}}}
	return c.api.dyn.Resource(cluster.VirtualMachineInstances.GVR).Namespace(vm.GetNamespace()).Create(ctx, vmi, metav1.CreateOptions{FieldManager: HarnessUserAgent})
}

func (c *Controller) deleteVMI(ctx context.Context, vmi *unstructured.Unstructured) error {
	uid := vmi.GetUID()
	err := c.api.dyn.Resource(cluster.VirtualMachineInstances.GVR).Namespace(vmi.GetNamespace()).Delete(ctx, vmi.GetName(), metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// setPaused adds or removes the VMI's Paused condition (virt-handler's part of pause/unpause).
func (c *Controller) setPaused(ctx context.Context, namespace, name string, paused bool) error {
	vmi, err := c.vmi(ctx, namespace, name)
	if err != nil || vmi == nil {
		return err
	}
	conditions, _, _ := unstructured.NestedSlice(vmi.Object, "status", "conditions")
	var kept []any
	for _, cond := range conditions {
		if m, _ := cond.(map[string]any); m["type"] != "Paused" {
			kept = append(kept, cond)
		}
	}
	if paused {
		kept = append(kept, map[string]any{"type": "Paused", "status": "True", "reason": "PausedByUser", "message": "VMI was paused by user",
			"lastTransitionTime": time.Now().UTC().Format(time.RFC3339)})
	}
	if err := unstructured.SetNestedSlice(vmi.Object, kept, "status", "conditions"); err != nil {
		return err
	}
	_, err = c.api.dyn.Resource(cluster.VirtualMachineInstances.GVR).Namespace(namespace).Update(ctx, vmi, metav1.UpdateOptions{FieldManager: HarnessUserAgent})
	return err
}

// migrate carries out the VMI's migrations that are not final: the VMI moves to the other node.
func (c *Controller) migrate(ctx context.Context, vmi *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	migrations := c.api.dyn.Resource(cluster.VirtualMachineInstanceMigrations.GVR).Namespace(vmi.GetNamespace())
	list, err := migrations.List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	for i := range list.Items {
		m := &list.Items[i]
		target, _, _ := unstructured.NestedString(m.Object, "spec", "vmiName")
		phase, _, _ := unstructured.NestedString(m.Object, "status", "phase")
		if target != vmi.GetName() || phase == "Succeeded" || phase == "Failed" {
			continue
		}
		source, _, _ := unstructured.NestedString(vmi.Object, "status", "nodeName")
		dest := NodeA
		if source == NodeA {
			dest = NodeB
		}
		now := time.Now().UTC().Format(time.RFC3339)
		_ = unstructured.SetNestedField(vmi.Object, dest, "status", "nodeName")
		_ = unstructured.SetNestedMap(vmi.Object, map[string]any{"sourceNode": source, "targetNode": dest, "completed": true,
			"migrationUid": string(m.GetUID()), "startTimestamp": now, "endTimestamp": now, "mode": "PreCopy"}, "status", "migrationState")
		if vmi, err = c.api.dyn.Resource(cluster.VirtualMachineInstances.GVR).Namespace(vmi.GetNamespace()).Update(ctx, vmi, metav1.UpdateOptions{FieldManager: HarnessUserAgent}); err != nil {
			return nil, err
		}
		_ = unstructured.SetNestedField(m.Object, "Succeeded", "status", "phase")
		if _, err := migrations.UpdateStatus(ctx, m, metav1.UpdateOptions{FieldManager: HarnessUserAgent}); err != nil {
			return nil, fmt.Errorf("migration %s: %w", m.GetName(), err)
		}
	}
	return vmi, nil
}

// writeStatus sets the VM's printableStatus, ready, created and conditions from its VMI.
func (c *Controller) writeStatus(ctx context.Context, vm, vmi *unstructured.Unstructured) error {
	printable, ready, paused := "Stopped", false, false
	if vmi != nil {
		printable = "Running"
		conditions, _, _ := unstructured.NestedSlice(vmi.Object, "status", "conditions")
		for _, cond := range conditions {
			if m, _ := cond.(map[string]any); m["type"] == "Paused" && m["status"] == "True" {
				paused = true
			}
		}
		if paused {
			printable = "Paused"
		}
		ready = !paused
	}
	status := map[string]any{"printableStatus": printable, "ready": ready, "created": vmi != nil}
	readyStatus := "False"
	if ready {
		readyStatus = "True"
	}
	conditions := []any{map[string]any{"type": "Ready", "status": readyStatus}}
	if paused {
		conditions = append(conditions, map[string]any{"type": "Paused", "status": "True", "reason": "PausedByUser"})
	}
	status["conditions"] = conditions
	patch, err := json.Marshal(map[string]any{"status": status})
	if err != nil {
		return err
	}
	_, err = c.api.dyn.Resource(cluster.VirtualMachines.GVR).Namespace(vm.GetNamespace()).Patch(ctx, vm.GetName(), types.MergePatchType, patch, metav1.PatchOptions{FieldManager: HarnessUserAgent}, "status")
	return err
}

func ptr[T any](v T) *T { return &v }
