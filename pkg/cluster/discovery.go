package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// SelfSubjectAccessReviews are the caller's questions to the authorizer (AccessReview); a create
// of one stores nothing.
var SelfSubjectAccessReviews = Resource{GVR: schema.GroupVersionResource{Group: "authorization.k8s.io", Version: "v1", Resource: "selfsubjectaccessreviews"}, Kind: "SelfSubjectAccessReview"}

// ServedResources asks the server which resources a group-version serves (GET /apis/<group>/<version>,
// or /api/v1 for the core group), the discovery document every authenticated user may read. A
// group-version the server does not serve at all is a NotFound error (apierrors.IsNotFound).
func (c *Client) ServedResources(ctx context.Context, gv schema.GroupVersion) (map[string]bool, error) {
	var out map[string]bool
	err := c.do(ctx, func(ctx context.Context) (err error) {
		out, err = c.raw.servedResources(ctx, gv)
		return err
	})
	return out, err
}

// discoveryPath is the discovery document of a group-version.
func discoveryPath(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return "/api/" + url.PathEscape(gv.Version)
	}
	return "/apis/" + url.PathEscape(gv.Group) + "/" + url.PathEscape(gv.Version)
}

func (h *httpReader) servedResources(ctx context.Context, gv schema.GroupVersion) (map[string]bool, error) {
	body, err := h.get(ctx, discoveryPath(gv), schema.GroupResource{Group: gv.Group, Resource: "discovery"}, gv.Version)
	if err != nil {
		return nil, err
	}
	var list metav1.APIResourceList
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("cluster %s: %s did not answer with an APIResourceList", h.id, discoveryPath(gv))
	}
	out := map[string]bool{}
	for _, r := range list.APIResources {
		out[r.Name] = true
	}
	return out, nil
}

// Discovery answers ServedResources for a client built with NewFromDynamic: the resources of a
// group-version, or an error (NotFound when the group-version is not served).
type Discovery func(gv schema.GroupVersion) (map[string]bool, error)

// WithDiscovery returns a copy of a client built with NewFromDynamic that answers ServedResources
// with d; fakes use it to stand for servers with or without some CRDs.
func (c *Client) WithDiscovery(d Discovery) *Client {
	out := *c
	if dr, ok := c.raw.(*dynamicReader); ok {
		copied := *dr
		copied.discovery = d
		out.raw = &copied
	}
	return &out
}

func (d *dynamicReader) servedResources(_ context.Context, gv schema.GroupVersion) (map[string]bool, error) {
	if d.discovery == nil {
		return nil, fmt.Errorf("no discovery for %s", gv)
	}
	return d.discovery(gv)
}

// Access is one question to the server's authorizer: may the caller do Verb on Resource (of Group)
// in Namespace ("" for cluster-wide, or for a cluster-scoped resource)?
type Access struct {
	// Resource may name a subresource: "virtualmachines/start".
	Group, Resource, Verb, Namespace string
}

// AccessReview asks the server whether the caller may do what a names, with a
// SelfSubjectAccessReview. The review is a create that stores nothing. It returns whether the action
// is allowed, and the authorizer's reason when there is one.
func (c *Client) AccessReview(ctx context.Context, a Access) (bool, string, error) {
	resource, subresource, _ := strings.Cut(a.Resource, "/")
	review := &authorizationv1.SelfSubjectAccessReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "authorization.k8s.io/v1", Kind: "SelfSubjectAccessReview"},
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
			Group: a.Group, Resource: resource, Subresource: subresource, Verb: a.Verb, Namespace: a.Namespace,
		}},
	}
	u, err := ToUnstructured(review)
	if err != nil {
		return false, "", err
	}
	var out *unstructured.Unstructured
	err = c.do(ctx, func(ctx context.Context) (err error) {
		out, err = c.dyn.Resource(SelfSubjectAccessReviews.GVR).Create(ctx, u, metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return false, "", err
	}
	var answer authorizationv1.SelfSubjectAccessReview
	if err := FromUnstructured(out, &answer); err != nil {
		return false, "", fmt.Errorf("cluster %s: decode SelfSubjectAccessReview: %w", c.ID, err)
	}
	return answer.Status.Allowed && !answer.Status.Denied, answer.Status.Reason, nil
}
