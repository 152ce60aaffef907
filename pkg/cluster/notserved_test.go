package cluster_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

func TestNotServedTellsAMissingCRDFromAMissingObject(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasPrefix(r.URL.Path, "/apis/vitistack.io/"): // what kube-apiserver says for a resource it does not serve
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}`))
		case strings.HasPrefix(r.URL.Path, "/apis/kubevirt.io/"): // a proxy in front of it
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(404)
			_, _ = w.Write([]byte("404 page not found"))
		default:
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","message":"namespaces \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"namespaces"},"code":404}`))
		}
	}))
	defer srv.Close()
	c, err := cluster.New(cluster.SupervisorID, &rest.Config{Host: srv.URL}, cluster.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	c.Context = "kind-sup"
	ctx := context.Background()

	_, err = c.GetUnstructured(ctx, cluster.Machines, "team", "web")
	want := `machines.vitistack.io is not served by the supervisor (context "kind-sup", server ` + srv.URL + `): the vitistack CRDs are not installed there`
	if !cluster.IsNotServed(err) || !apierrors.IsNotFound(err) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("missing CRD: %v", err)
	}
	err = c.List(ctx, cluster.Machines, "", "", func(*unstructured.Unstructured) error { return nil })
	if !cluster.IsNotServed(err) {
		t.Errorf("list of a missing CRD: %v", err)
	}
	remote, _ := cluster.New(cluster.RemoteID("kv-a"), &rest.Config{Host: srv.URL}, cluster.DefaultLimits)
	_, err = remote.GetUnstructured(ctx, cluster.VirtualMachines, "team", "vm")
	if !cluster.IsNotServed(err) || !strings.Contains(err.Error(), "virtualmachines.kubevirt.io is not served by cluster kv-a (server "+srv.URL+"): KubeVirt is not installed there") {
		t.Errorf("missing KubeVirt behind a proxy: %v", err)
	}
	_, err = c.GetUnstructured(ctx, cluster.Namespaces, "", "x")
	if cluster.IsNotServed(err) || !apierrors.IsNotFound(err) {
		t.Errorf("missing object: %v", err)
	}
}
