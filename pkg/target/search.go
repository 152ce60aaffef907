package target

import (
	"context"
	"fmt"
	"strings"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// search looks for the Machine's VM on every configured cluster: by the source-machine labels first,
// then by name. Unreachable clusters are skipped, as the operator does; a cluster that fails or
// misses its deadline once is not searched again in the run.
func (r *Resolver) search(ctx context.Context, m *vitistackv1alpha1.Machine, configs []vitistackv1alpha1.KubevirtConfig) (Target, error) {
	var names []string
	var skipped []string
	for _, kc := range configs {
		names = append(names, kc.Name)
		c, err := r.Client(ctx, kc.Name)
		if err != nil || r.isDead(kc.Name) {
			skipped = append(skipped, kc.Name)
			continue
		}
		found, err := r.holdsVM(ctx, c, m)
		if err != nil {
			r.markDead(kc.Name)
			skipped = append(skipped, kc.Name)
			continue
		}
		if found {
			return Target{Config: kc.Name, By: ByVMSearch, Cluster: c}, nil
		}
	}
	return Target{}, &SearchError{Machine: key(m), Configs: names, Skipped: skipped}
}

// SearchError is the VM search finding the Machine's VirtualMachine on none of the clusters it
// searched. Skipped are the clusters it could not search (unreachable, or their kubeconfig refused):
// without them, the Machine is provisioned nowhere.
type SearchError struct {
	// Machine is "namespace/name".
	Machine string
	// Configs are the KubevirtConfigs that were available.
	Configs []string
	Skipped []string
}

func (e *SearchError) Error() string {
	msg := fmt.Sprintf("machine %q has no %s annotation and %d KubevirtConfigs are available (%s), none of whose clusters holds its VirtualMachine: cannot choose (set the annotation, --kubevirt-config or DEFAULT_KUBEVIRT_CONFIG)",
		e.Machine, vitistack.AnnotationKubevirtConfig, len(e.Configs), strings.Join(e.Configs, ", "))
	if len(e.Skipped) > 0 {
		msg += fmt.Sprintf("; not searched, unreachable or refused: %s", strings.Join(e.Skipped, ", "))
	}
	return msg
}

func (r *Resolver) isDead(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dead[name]
}

func (r *Resolver) markDead(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dead[name] = true
}

func (r *Resolver) holdsVM(ctx context.Context, c *cluster.Client, m *vitistackv1alpha1.Machine) (bool, error) {
	if r.opts.IndexVMs {
		idx, err := r.vmIndex(ctx, c)
		if err != nil {
			return false, err
		}
		return idx.holds(m, r.opts.VMNames), nil
	}
	idx := newVMIndex()
	if err := r.listVMs(ctx, c, m.Namespace, idx.add); err != nil {
		return false, err
	}
	return idx.holds(m, r.opts.VMNames), nil
}

// listVMs lists VirtualMachines for the search, through Options.ListVMs when it is set.
func (r *Resolver) listVMs(ctx context.Context, c *cluster.Client, namespace string, each func(*unstructured.Unstructured) error) error {
	if r.opts.ListVMs != nil {
		return r.opts.ListVMs(ctx, c, namespace, each)
	}
	return c.List(ctx, cluster.VirtualMachines, namespace, "", each)
}

// vmIndex returns the cluster's VM index, built from one cluster-wide paged list per run.
func (r *Resolver) vmIndex(ctx context.Context, c *cluster.Client) (*vmIndex, error) {
	return r.indexes.Get(c.ID, func() (*vmIndex, error) {
		idx := newVMIndex()
		if err := r.listVMs(ctx, c, "", idx.add); err != nil {
			return nil, err
		}
		return idx, nil
	})
}

// vmIndex is what the VM search needs of a cluster's VMs: "namespace/machine" for every
// source-machine label (both keys) and "namespace/name" for every VM.
type vmIndex struct {
	owners, names map[string]bool
}

func newVMIndex() *vmIndex { return &vmIndex{owners: map[string]bool{}, names: map[string]bool{}} }

func (x *vmIndex) add(u *unstructured.Unstructured) error {
	ns, l := u.GetNamespace(), u.GetLabels()
	for _, k := range vitistack.SourceMachineKeys {
		if v := l[k]; v != "" {
			x.owners[ns+"/"+v] = true
		}
	}
	x.names[ns+"/"+u.GetName()] = true
	return nil
}

// holds reports a VM of the Machine: labelled with it, or else named as one of vmNames says.
func (x *vmIndex) holds(m *vitistackv1alpha1.Machine, vmNames func(string) []string) bool {
	if x.owners[key(m)] {
		return true
	}
	if vmNames == nil {
		return false
	}
	for _, n := range vmNames(m.Name) {
		if x.names[m.Namespace+"/"+n] {
			return true
		}
	}
	return false
}
