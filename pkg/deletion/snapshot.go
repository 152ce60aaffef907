package deletion

import (
	"context"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// snapshot is what one namespace of one remote cluster holds, read once per run: the namespace
// itself, every VirtualMachine and every PVC, and what each VM uses.
type snapshot struct {
	// namespace is nil when the namespace does not exist; then nothing else was read.
	namespace *unstructured.Unstructured
	vms, pvcs []*unstructured.Unstructured
	// uses maps what VMs use (a PVC, a Secret, a NetworkAttachmentDefinition) to the names of the
	// VMs that use it. VMs already being deleted use nothing.
	uses map[use][]string
}

// use is one object a VM uses, by kind and name in the VM's namespace.
type use struct {
	kind useKind
	name string
}

// useKind is the kind of object a VM uses.
type useKind int

// Kinds of use.
const (
	usesPVC useKind = iota
	usesSecret
	usesNAD
)

// snapshot reads a namespace of a cluster, once per run: one get of the namespace, then one list
// each of its VirtualMachines and PVCs. PVCs are listed whole, not by label, so that the report can
// tell when nothing is left in the namespace.
func (d *Deleter) snapshot(ctx context.Context, c *cluster.Client, namespace string) (*snapshot, error) {
	return d.snapshots.Get(nsKey{c.ID, namespace}, func() (*snapshot, error) {
		s := &snapshot{uses: map[use][]string{}}
		ns, err := c.GetUnstructured(ctx, cluster.Namespaces, "", namespace)
		switch {
		case apierrors.IsNotFound(err):
			return s, nil
		case err != nil:
			return nil, fmt.Errorf("cluster %s: get namespace %q: %w", c.ID, namespace, err)
		}
		s.namespace = ns
		for _, l := range []struct {
			r    cluster.Resource
			into *[]*unstructured.Unstructured
		}{{cluster.VirtualMachines, &s.vms}, {cluster.PVCs, &s.pvcs}} {
			err := c.List(ctx, l.r, namespace, "", func(u *unstructured.Unstructured) error {
				*l.into = append(*l.into, u)
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("cluster %s: list %s in %q: %w", c.ID, l.r.GVR.Resource, namespace, err)
			}
		}
		for _, vm := range s.vms {
			if vm.GetDeletionTimestamp() == nil {
				s.index(vm)
			}
		}
		return s, nil
	})
}

// index records what a VM uses: the PVCs and DataVolumes of its volumes, the Secrets of its
// cloud-init volumes, and the NetworkAttachmentDefinitions of its Multus networks in its own
// namespace.
func (s *snapshot) index(vm *unstructured.Unstructured) {
	for _, u := range vmUses(vm) {
		s.uses[u] = append(s.uses[u], vm.GetName())
	}
}

// vmUses lists what a VM uses, each once.
func vmUses(vm *unstructured.Unstructured) []use {
	var out []use
	add := func(kind useKind, name string) {
		if u := (use{kind, name}); name != "" && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	volumes, _, _ := unstructured.NestedSlice(vm.Object, "spec", "template", "spec", "volumes")
	for _, v := range volumes {
		vol, _ := v.(map[string]any)
		add(usesPVC, str(vol, "persistentVolumeClaim", "claimName"))
		add(usesPVC, str(vol, "dataVolume", "name"))
		for _, src := range []string{"cloudInitNoCloud", "cloudInitConfigDrive"} {
			add(usesSecret, str(vol, src, "secretRef", "name"))
			add(usesSecret, str(vol, src, "networkDataSecretRef", "name"))
		}
	}
	for _, n := range multusNetworks(vm) {
		if ns, name := splitNetwork(n); ns == "" || ns == vm.GetNamespace() {
			add(usesNAD, name)
		}
	}
	return out
}

// multusNetworks are the networkName values of a VM's Multus networks, as written.
func multusNetworks(vm *unstructured.Unstructured) []string {
	var out []string
	networks, _, _ := unstructured.NestedSlice(vm.Object, "spec", "template", "spec", "networks")
	for _, n := range networks {
		net, _ := n.(map[string]any)
		if name := str(net, "multus", "networkName"); name != "" {
			out = append(out, name)
		}
	}
	return out
}

// splitNetwork splits a Multus networkName, "ns/name" or "name", into its namespace ("" when it has
// none: the VM's own) and its name.
func splitNetwork(s string) (string, string) {
	if ns, name, ok := strings.Cut(s, "/"); ok {
		return ns, name
	}
	return "", s
}

// users are the VMs that use an object, other than the ones in own, in name order.
func (s *snapshot) users(kind useKind, name string, own []string) []string {
	var out []string
	for _, vm := range s.uses[use{kind, name}] {
		if !slices.Contains(own, vm) {
			out = append(out, vm)
		}
	}
	slices.Sort(out)
	return out
}

func str(m map[string]any, path ...string) string {
	s, _, _ := unstructured.NestedString(m, path...)
	return s
}
