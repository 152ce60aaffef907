package cluster_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// hanging answers /version at once and holds every other request until the client gives up.
func hanging(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var held atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/version" {
			_, _ = w.Write([]byte(`{"gitVersion":"v1.37.2"}`))
			return
		}
		held.Add(1)
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	return srv, &held
}

func TestBoundCutsAHangingClusterShortOnceAndNamesIt(t *testing.T) {
	srv, held := hanging(t)
	c, err := cluster.New(cluster.RemoteID("kv-hang"), &rest.Config{Host: srv.URL}, cluster.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	c.Bound(300 * time.Millisecond)
	none := func(*unstructured.Unstructured) error { return nil }
	err = c.List(context.Background(), cluster.Namespaces, "", "", none)
	var te *cluster.TimeoutError
	if !errors.As(err, &te) || te.Cluster != cluster.RemoteID("kv-hang") || err.Error() != "the cluster did not answer within --cluster-timeout=300ms" {
		t.Fatalf("first request: %v", err)
	}
	// After the deadline, requests fail at once without reaching the cluster.
	if _, err := c.GetUnstructured(context.Background(), cluster.Namespaces, "", "x"); !errors.As(err, &te) {
		t.Errorf("request after the deadline: %v", err)
	}
	if _, err := c.ServerVersion(context.Background()); !errors.As(err, &te) {
		t.Errorf("version after the deadline: %v", err)
	}
	if n := held.Load(); n != 1 {
		t.Errorf("%d requests reached the cluster, want 1", n)
	}
	// Waiting is not the deadline's business: the unbounded view still talks to the cluster.
	if v, err := c.Unbounded().ServerVersion(context.Background()); err != nil || v != "v1.37.2" {
		t.Errorf("unbounded: %q, %v", v, err)
	}
}

func TestBoundLeavesACallersCancellationAlone(t *testing.T) {
	srv, _ := hanging(t)
	c, err := cluster.New(cluster.RemoteID("kv"), &rest.Config{Host: srv.URL}, cluster.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	c.Bound(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.GetUnstructured(ctx, cluster.Namespaces, "", "x")
	var te *cluster.TimeoutError
	if err == nil || errors.As(err, &te) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled request: %v", err)
	}
}

func TestRequestTimeoutBoundsEachRequest(t *testing.T) {
	srv, _ := hanging(t)
	c, err := cluster.New(cluster.RemoteID("kv"), &rest.Config{Host: srv.URL}, cluster.Limits{QPS: 5, Burst: 10, RequestTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if c.Config.Timeout != 200*time.Millisecond || c.Config.QPS != 5 {
		t.Fatalf("config: timeout %s, qps %v", c.Config.Timeout, c.Config.QPS)
	}
	_, err = c.SecretData(context.Background(), "ns", "s")
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("hanging Secret read with a 200ms request timeout: %v", err)
	}
	_, err = c.GetUnstructured(context.Background(), cluster.Namespaces, "", "x")
	if err == nil {
		t.Error("hanging get with a 200ms request timeout succeeded")
	}
}
