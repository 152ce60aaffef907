// Package clustertest builds cluster clients over client-go's dynamic fake, for unit tests of the
// packages that read and write clusters. The fake knows every resource of package cluster, honours
// dryRun=All on creates, patches and deletes (nothing is stored, as on a real server) and the uid
// and resourceVersion preconditions of deletes, and records every request, so tests can count
// reads and writes.
package clustertest

import (
	"fmt"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	clienttesting "k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// Version is the server version fake clusters report.
const Version = "v1.37.2"

// Resources are every resource a fake cluster serves.
var Resources = []cluster.Resource{
	cluster.Namespaces, cluster.PVCs, cluster.Secrets, cluster.ConfigMaps, cluster.StorageClasses, cluster.StorageProfiles,
	cluster.VirtualMachines, cluster.VirtualMachineInstances, cluster.Machines, cluster.KubevirtConfigs, cluster.MachineClasses,
	cluster.NetworkNamespaces, cluster.NetworkConfigurations, cluster.NetworkAttachmentDefinitions, cluster.Events, cluster.DataVolumes,
}

// Cluster is a fake cluster and its client.
type Cluster struct {
	*cluster.Client
	Fake *dynamicfake.FakeDynamicClient

	mu        sync.Mutex
	served    map[schema.GroupVersion]map[string]bool
	authorize func(cluster.Access) bool
	reviews   []cluster.Access
}

// New starts a fake cluster holding objs, given as YAML documents or *unstructured.Unstructured.
func New(id cluster.ID, objs ...any) *Cluster {
	kinds := map[schema.GroupVersionResource]string{}
	for _, r := range Resources {
		kinds[r.GVR] = r.Kind + "List"
	}
	var seed []runtime.Object
	for _, o := range objs {
		seed = append(seed, Object(o))
	}
	f := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), kinds, seed...)
	f.PrependReactor("create", "*", assignUID)
	f.PrependReactor("create", "*", dryRunCreate(f))
	f.PrependReactor("patch", "*", dryRunPatch(f))
	f.PrependReactor("delete", "*", deleteWithOptions(f))
	c := &Cluster{Fake: f, served: map[schema.GroupVersion]map[string]bool{}}
	for _, r := range Resources {
		gv := r.GVR.GroupVersion()
		if c.served[gv] == nil {
			c.served[gv] = map[string]bool{}
		}
		c.served[gv][r.GVR.Resource] = true
	}
	f.PrependReactor("create", "selfsubjectaccessreviews", c.review)
	c.Client = cluster.NewFromDynamic(id, f, Version).WithDiscovery(c.discover)
	return c
}

// Object turns a YAML document or an *unstructured.Unstructured into an object.
func Object(o any) *unstructured.Unstructured {
	switch v := o.(type) {
	case *unstructured.Unstructured:
		return v
	case string:
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(v), &u.Object); err != nil {
			panic(fmt.Sprintf("clustertest: %v\n%s", err, v))
		}
		return u
	}
	panic(fmt.Sprintf("clustertest: cannot make an object of %T", o))
}

func dryRunCreate(f *dynamicfake.FakeDynamicClient) clienttesting.ReactionFunc {
	return func(action clienttesting.Action) (bool, runtime.Object, error) {
		ca, ok := action.(clienttesting.CreateActionImpl)
		if !ok || len(ca.CreateOptions.DryRun) == 0 {
			return false, nil, nil
		}
		m, err := metaOf(ca.Object)
		if err != nil {
			return true, nil, err
		}
		if _, err := f.Tracker().Get(ca.Resource, ca.Namespace, m.GetName()); err == nil {
			return true, nil, apierrors.NewAlreadyExists(ca.Resource.GroupResource(), m.GetName())
		}
		return true, ca.Object, nil
	}
}

// assignUID gives created objects a uid, as a server does; the default reaction then stores them.
func assignUID(action clienttesting.Action) (bool, runtime.Object, error) {
	if ca, ok := action.(clienttesting.CreateActionImpl); ok {
		if u, ok := ca.Object.(*unstructured.Unstructured); ok && u.GetUID() == "" {
			u.SetUID(types.UID(fmt.Sprintf("uid-%s-%s", u.GetNamespace(), u.GetName())))
		}
	}
	return false, nil, nil
}

func dryRunPatch(f *dynamicfake.FakeDynamicClient) clienttesting.ReactionFunc {
	return func(action clienttesting.Action) (bool, runtime.Object, error) {
		pa, ok := action.(clienttesting.PatchActionImpl)
		if !ok || len(pa.PatchOptions.DryRun) == 0 {
			return false, nil, nil
		}
		obj, err := f.Tracker().Get(pa.Resource, pa.Namespace, pa.Name)
		return true, obj, err
	}
}

// deleteWithOptions answers deletes as a server does: NotFound for a missing object, Conflict when
// a uid or resourceVersion precondition does not match the stored object, and with dryRun=All the
// object is kept. Otherwise the fake's own reactor deletes it.
func deleteWithOptions(f *dynamicfake.FakeDynamicClient) clienttesting.ReactionFunc {
	return func(action clienttesting.Action) (bool, runtime.Object, error) {
		da, ok := action.(clienttesting.DeleteActionImpl)
		if !ok {
			return false, nil, nil
		}
		obj, err := f.Tracker().Get(da.Resource, da.Namespace, da.Name)
		if err != nil {
			return true, nil, err
		}
		m, err := metaOf(obj)
		if err != nil {
			return true, nil, err
		}
		if pre := da.DeleteOptions.Preconditions; pre != nil {
			gr := da.Resource.GroupResource()
			if pre.UID != nil && *pre.UID != m.GetUID() {
				return true, nil, apierrors.NewConflict(gr, da.Name, fmt.Errorf("precondition failed: UID in precondition: %v, UID in object meta: %v", *pre.UID, m.GetUID()))
			}
			if pre.ResourceVersion != nil && *pre.ResourceVersion != m.GetResourceVersion() {
				return true, nil, apierrors.NewConflict(gr, da.Name, fmt.Errorf("precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *pre.ResourceVersion, m.GetResourceVersion()))
			}
		}
		if len(da.DeleteOptions.DryRun) > 0 {
			return true, obj, nil
		}
		return false, nil, nil
	}
}

func metaOf(o runtime.Object) (metav1.Object, error) {
	u, ok := o.(*unstructured.Unstructured)
	if !ok {
		return nil, fmt.Errorf("clustertest: %T is not unstructured", o)
	}
	return u, nil
}

// Requests summarises the recorded requests as "verb resource" counts, e.g. "list namespaces": 1.
func (c *Cluster) Requests() map[string]int {
	out := map[string]int{}
	for _, a := range c.Fake.Actions() {
		out[a.GetVerb()+" "+a.GetResource().Resource]++
	}
	return out
}

// Writes counts the recorded writes. Access reviews are creates that store nothing: they do not count.
func (c *Cluster) Writes() int {
	n := 0
	for _, a := range c.Fake.Actions() {
		if a.GetResource().Resource == "selfsubjectaccessreviews" {
			continue
		}
		switch a.GetVerb() {
		case "create", "update", "patch", "delete", "delete-collection":
			n++
		}
	}
	return n
}

// Reset forgets the recorded requests.
func (c *Cluster) Reset() { c.Fake.ClearActions() }

// Get reads an object from the fake's store, or nil.
func (c *Cluster) Get(r cluster.Resource, namespace, name string) *unstructured.Unstructured {
	o, err := c.Fake.Tracker().Get(r.GVR, namespace, name)
	if err != nil {
		return nil
	}
	u, _ := o.(*unstructured.Unstructured)
	return u
}

// Fail makes every request of a verb ("create", "get", "list", "patch", "delete") on a resource
// ("namespaces"; "*" for all) fail with err, for names that start with prefix ("" for all).
func (c *Cluster) Fail(verb, resource, prefix string, err error) {
	c.Fake.PrependReactor(verb, resource, func(action clienttesting.Action) (bool, runtime.Object, error) {
		name := ""
		switch a := action.(type) {
		case clienttesting.CreateActionImpl:
			if m, e := metaOf(a.Object); e == nil {
				name = m.GetName()
			}
		case interface{ GetName() string }: // get, patch, delete
			name = a.GetName()
		}
		if strings.HasPrefix(name, prefix) {
			return true, nil, err
		}
		return false, nil, nil
	})
}

// Created lists, in order, "resource/name" of every create the cluster received, dry runs marked
// with a "dry-run " prefix.
func (c *Cluster) Created() []string {
	var out []string
	for _, a := range c.Fake.Actions() {
		ca, ok := a.(clienttesting.CreateActionImpl)
		if !ok || ca.Resource.Resource == "selfsubjectaccessreviews" {
			continue
		}
		m, err := metaOf(ca.Object)
		if err != nil {
			continue
		}
		prefix := ""
		if len(ca.CreateOptions.DryRun) > 0 {
			prefix = "dry-run "
		}
		out = append(out, prefix+ca.Resource.Resource+"/"+m.GetName())
	}
	return out
}

// Deleted lists, in order, "resource/name" of every delete the cluster received, dry runs marked
// with a "dry-run " prefix.
func (c *Cluster) Deleted() []string {
	var out []string
	for _, a := range c.Fake.Actions() {
		da, ok := a.(clienttesting.DeleteActionImpl)
		if !ok {
			continue
		}
		prefix := ""
		if len(da.DeleteOptions.DryRun) > 0 {
			prefix = "dry-run "
		}
		out = append(out, prefix+da.Resource.Resource+"/"+da.Name)
	}
	return out
}
