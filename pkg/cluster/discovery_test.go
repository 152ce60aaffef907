package cluster_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
)

func TestServedResources(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/apis/vitistack.io/v1alpha1":
			_, _ = w.Write([]byte(`{"kind":"APIResourceList","groupVersion":"vitistack.io/v1alpha1","resources":[{"name":"machines","namespaced":true,"kind":"Machine"},{"name":"machines/status","namespaced":true,"kind":"Machine"}]}`))
		case "/api/v1":
			_, _ = w.Write([]byte(`{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"namespaces","kind":"Namespace"}]}`))
		case "/apis/garbage/v1":
			_, _ = w.Write([]byte(`not json`))
		default:
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`404 page not found`))
		}
	}))
	defer srv.Close()
	c, err := cluster.New(cluster.SupervisorID, &rest.Config{Host: srv.URL}, cluster.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got, err := c.ServedResources(ctx, schema.GroupVersion{Group: "vitistack.io", Version: "v1alpha1"})
	if err != nil || !got["machines"] || !got["machines/status"] || got["kubevirtconfigs"] {
		t.Errorf("vitistack.io/v1alpha1: %v, %v", got, err)
	}
	if got, err := c.ServedResources(ctx, schema.GroupVersion{Version: "v1"}); err != nil || !got["namespaces"] {
		t.Errorf("core v1: %v, %v", got, err)
	}
	_, err = c.ServedResources(ctx, schema.GroupVersion{Group: "kubevirt.io", Version: "v1"})
	if !apierrors.IsNotFound(err) {
		t.Errorf("an unserved group-version: %v, want NotFound", err)
	}
	if _, err := c.ServedResources(ctx, schema.GroupVersion{Group: "garbage", Version: "v1"}); err == nil {
		t.Error("a document that is not an APIResourceList was accepted")
	}
}

func TestAccessReview(t *testing.T) {
	var asked map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews" {
			w.WriteHeader(404)
			return
		}
		b, _ := io.ReadAll(r.Body)
		var review map[string]any
		_ = json.Unmarshal(b, &review)
		asked = review["spec"].(map[string]any)["resourceAttributes"].(map[string]any)
		review["status"] = map[string]any{"allowed": asked["verb"] == "get", "reason": "because"}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(review)
	}))
	defer srv.Close()
	c, err := cluster.New(cluster.RemoteID("kv"), &rest.Config{Host: srv.URL}, cluster.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	ok, reason, err := c.AccessReview(context.Background(), cluster.Access{Group: "kubevirt.io", Resource: "virtualmachines", Verb: "get", Namespace: "team"})
	if err != nil || !ok || reason != "because" {
		t.Fatalf("allowed %v, reason %q, err %v", ok, reason, err)
	}
	if asked["group"] != "kubevirt.io" || asked["resource"] != "virtualmachines" || asked["namespace"] != "team" {
		t.Errorf("asked %v", asked)
	}
	if ok, _, err := c.AccessReview(context.Background(), cluster.Access{Resource: "namespaces", Verb: "delete"}); err != nil || ok {
		t.Errorf("delete: allowed %v, err %v", ok, err)
	}
}

func TestFakeDiscoveryAndReviews(t *testing.T) {
	c := clustertest.New(cluster.RemoteID("kv"))
	ctx := context.Background()
	kubevirt := cluster.VirtualMachines.GVR.GroupVersion()
	if got, err := c.ServedResources(ctx, kubevirt); err != nil || !got["virtualmachines"] || !got["virtualmachineinstances"] {
		t.Fatalf("served: %v, %v", got, err)
	}
	c.Unserve(cluster.VirtualMachines)
	if got, _ := c.ServedResources(ctx, kubevirt); got["virtualmachines"] || !got["virtualmachineinstances"] {
		t.Errorf("after unserving VMs: %v", got)
	}
	c.Unserve(cluster.VirtualMachineInstances)
	if _, err := c.ServedResources(ctx, kubevirt); !apierrors.IsNotFound(err) {
		t.Errorf("an emptied group-version: %v, want NotFound", err)
	}
	c.Authorize(func(a cluster.Access) bool { return a.Verb != "delete" })
	if ok, _, _ := c.AccessReview(ctx, cluster.Access{Resource: "pods", Verb: "get"}); !ok {
		t.Error("get denied")
	}
	if ok, reason, _ := c.AccessReview(ctx, cluster.Access{Resource: "pods", Verb: "delete", Namespace: "x"}); ok || reason == "" {
		t.Errorf("delete: allowed %v, reason %q", ok, reason)
	}
	if n := len(c.Reviews()); n != 2 || c.Writes() != 0 || c.Requests()["create selfsubjectaccessreviews"] != 2 {
		t.Errorf("reviews %d, writes %d, requests %v", n, c.Writes(), c.Requests())
	}
	plain := cluster.NewFromDynamic(cluster.RemoteID("x"), c.Fake, "v1")
	if _, err := plain.ServedResources(ctx, kubevirt); err == nil {
		t.Error("a client without discovery answered")
	}
}
