package cluster_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

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
	c.Context = "admin@kv-hang"
	c.Bound(300 * time.Millisecond)
	none := func(*unstructured.Unstructured) error { return nil }
	err = c.List(context.Background(), cluster.Namespaces, "", "", none)
	var te *cluster.TimeoutError
	if !errors.As(err, &te) || te.Cluster != cluster.RemoteID("kv-hang") || err.Error() != "cluster kv-hang (context admin@kv-hang) did not answer within --cluster-timeout=300ms" {
		t.Fatalf("first request: %v", err)
	}
	// After the deadline, requests fail at once without reaching the cluster.
	if _, err := c.GetUnstructured(context.Background(), cluster.Namespaces, "", "x"); !errors.As(err, &te) {
		t.Errorf("request after the deadline: %v", err)
	}
	if _, err := c.ServerVersion(context.Background()); !errors.As(err, &te) {
		t.Errorf("version after the deadline: %v", err)
	}
	if _, err := c.ServedResources(context.Background(), schema.GroupVersion{Version: "v1"}); !errors.As(err, &te) {
		t.Errorf("discovery after the deadline: %v", err)
	}
	if _, _, err := c.AccessReview(context.Background(), cluster.Access{Resource: "pods", Verb: "list"}); !errors.As(err, &te) {
		t.Errorf("access review after the deadline: %v", err)
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

// TestBoundCountsOnlyTheClustersOwnTime: the budget runs down while the client has a request in
// flight and stands still while it is idle (its caller busy with other clusters), so an idle spell
// longer than the deadline costs nothing; a hanging request spends it all; Fresh starts anew.
func TestBoundCountsOnlyTheClustersOwnTime(t *testing.T) {
	srv, held := hanging(t)
	c, err := cluster.New(cluster.RemoteID("kv"), &rest.Config{Host: srv.URL}, cluster.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	c.Bound(300 * time.Millisecond)
	if _, err := c.ServerVersion(context.Background()); err != nil {
		t.Fatalf("first request: %v", err)
	}
	time.Sleep(400 * time.Millisecond) // idle, longer than the deadline
	if _, err := c.ServerVersion(context.Background()); err != nil {
		t.Fatalf("request after an idle spell longer than the deadline: %v", err)
	}
	var te *cluster.TimeoutError
	if _, err := c.GetUnstructured(context.Background(), cluster.Namespaces, "", "x"); !errors.As(err, &te) {
		t.Fatalf("hanging request: %v", err)
	}
	if _, err := c.ServerVersion(context.Background()); !errors.As(err, &te) {
		t.Errorf("request after the budget is spent: %v", err)
	}
	fresh := c.Fresh()
	if v, err := fresh.ServerVersion(context.Background()); err != nil || v != "v1.37.2" {
		t.Errorf("fresh deadline: %q, %v", v, err)
	}
	if _, err := c.ServerVersion(context.Background()); !errors.As(err, &te) {
		t.Errorf("Fresh gave the original client a new budget: %v", err)
	}
	if n := held.Load(); n != 1 {
		t.Errorf("%d requests held, want 1", n)
	}
}

// TestRequestTimeoutCancelsWithoutAWarning: client-go cancels a request that --request-timeout cut
// short through the transport chain; the plugin's flow control must let it (issue #20, bug 6:
// "Warning: unable to cancel request roundTripperType=*cluster.flowTransport" at -v=0).
func TestRequestTimeoutCancelsWithoutAWarning(t *testing.T) {
	srv, _ := hanging(t)
	var logged bytes.Buffer
	klog.LogToStderr(false)
	klog.SetOutput(&logged)
	defer func() {
		klog.Flush()
		klog.SetOutput(io.Discard)
		klog.LogToStderr(true)
	}()
	c, err := cluster.New(cluster.RemoteID("kv"), &rest.Config{Host: srv.URL}, cluster.Limits{RequestTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetUnstructured(context.Background(), cluster.Namespaces, "", "x"); err == nil {
		t.Fatal("hanging get with a 200ms request timeout succeeded")
	}
	if _, err := c.SecretData(context.Background(), "ns", "s"); err == nil {
		t.Fatal("hanging Secret read with a 200ms request timeout succeeded")
	}
	klog.Flush()
	if strings.Contains(logged.String(), "unable to cancel request") {
		t.Errorf("klog warned:\n%s", logged.String())
	}
}
