package clustertest

import (
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clienttesting "k8s.io/client-go/testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// Unserve makes the fake answer discovery as a server without these resources' CRDs: each
// resource leaves its group-version's discovery document, and a group-version left without
// resources is not served at all (NotFound). Reads and writes of the resources still work.
func (c *Cluster) Unserve(rs ...cluster.Resource) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rs {
		gv := r.GVR.GroupVersion()
		delete(c.served[gv], r.GVR.Resource)
		if len(c.served[gv]) == 0 {
			delete(c.served, gv)
		}
	}
}

func (c *Cluster) discover(gv schema.GroupVersion) (map[string]bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	res, ok := c.served[gv]
	if !ok {
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: gv.Group, Resource: "discovery"}, gv.Version)
	}
	out := make(map[string]bool, len(res))
	for k := range res {
		out[k] = true
	}
	return out, nil
}

// Authorize sets the fake's authorizer, which answers access reviews; nil (the default) allows
// everything. Like RBAC, a fake that allows a question cluster-wide (Namespace "") should allow it
// in every namespace too.
func (c *Cluster) Authorize(allow func(cluster.Access) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.authorize = allow
}

// Reviews lists, in order, the questions of every access review the fake answered.
func (c *Cluster) Reviews() []cluster.Access {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]cluster.Access(nil), c.reviews...)
}

// review answers a SelfSubjectAccessReview from the authorizer, storing nothing.
func (c *Cluster) review(action clienttesting.Action) (bool, runtime.Object, error) {
	ca, ok := action.(clienttesting.CreateActionImpl)
	if !ok {
		return false, nil, nil
	}
	u, ok := ca.Object.(*unstructured.Unstructured)
	if !ok {
		return true, nil, apierrors.NewBadRequest("clustertest: the review is not unstructured")
	}
	attrs, _, _ := unstructured.NestedStringMap(u.Object, "spec", "resourceAttributes")
	a := cluster.Access{Group: attrs["group"], Resource: attrs["resource"], Verb: attrs["verb"], Namespace: attrs["namespace"]}
	c.mu.Lock()
	c.reviews = append(c.reviews, a)
	allow := c.authorize
	c.mu.Unlock()
	allowed := allow == nil || allow(a)
	out := u.DeepCopy()
	status := map[string]any{"allowed": allowed}
	if !allowed {
		status["reason"] = "clustertest: forbidden"
	}
	out.Object["status"] = status
	return true, out, nil
}
