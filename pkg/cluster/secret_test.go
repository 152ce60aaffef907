package cluster_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

func TestSecretData(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/prefix/api/v1/namespaces/vitistack/secrets/kv":
			_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"kv"},"data":{"kubeconfig":"aGVsbG8="}}`))
		case "/prefix/api/v1/namespaces/vitistack/secrets/denied":
			w.WriteHeader(403)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,"message":"secrets \"denied\" is forbidden"}`))
		default:
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`))
		}
	}))
	defer srv.Close()
	c, err := cluster.New(cluster.SupervisorID, &rest.Config{Host: srv.URL + "/prefix"}, cluster.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	data, err := c.SecretData(context.Background(), "vitistack", "kv")
	if err != nil || string(data["kubeconfig"]) != "hello" {
		t.Fatalf("data %q, err %v", data, err)
	}
	if _, err := c.SecretData(context.Background(), "vitistack", "gone"); !apierrors.IsNotFound(err) {
		t.Errorf("missing Secret: %v", err)
	}
	if _, err := c.SecretData(context.Background(), "vitistack", "denied"); !apierrors.IsForbidden(err) {
		t.Errorf("forbidden Secret: %v", err)
	}
}

func TestRef(t *testing.T) {
	for r, want := range map[cluster.Resource]string{
		cluster.Namespaces: "namespace/x", cluster.VirtualMachines: "virtualmachine.kubevirt.io/x",
		cluster.PVCs: "persistentvolumeclaim/x", cluster.Machines: "machine.vitistack.io/x",
	} {
		if got := r.Ref("x"); got != want {
			t.Errorf("%s: %q, want %q", r.Kind, got, want)
		}
	}
}
