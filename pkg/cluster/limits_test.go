package cluster_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// loopback is an API server stand-in on 127.0.0.1: it answers namespace reads and creates, with or
// without APF's headers, refuses the first creates of each name with 429 when asked to, and records
// how many requests it held at once.
type loopback struct {
	apf       bool
	throttle  int // 429s (Retry-After: 1) before each name's create succeeds
	mu        sync.Mutex
	now, most int
	throttled map[string]int
	requests  atomic.Int64
}

func (l *loopback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.requests.Add(1)
	var body struct {
		Metadata struct{ Name string } `json:"metadata"`
	}
	if r.Method == http.MethodPost {
		_ = json.NewDecoder(r.Body).Decode(&body)
	}
	l.mu.Lock()
	l.now++
	l.most = max(l.most, l.now)
	name := body.Metadata.Name
	throttle := r.Method == http.MethodPost && l.throttled[name] < l.throttle
	if throttle {
		l.throttled[name]++
	}
	l.mu.Unlock()
	defer func() { l.mu.Lock(); l.now--; l.mu.Unlock() }()
	time.Sleep(5 * time.Millisecond) // hold the request a moment, so that requests overlap
	if l.apf {
		w.Header().Set("X-Kubernetes-PF-FlowSchema-UID", "fs")
		w.Header().Set("X-Kubernetes-PF-PriorityLevel-UID", "pl")
	}
	w.Header().Set("Content-Type", "application/json")
	if throttle {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"TooManyRequests","code":429}`))
		return
	}
	_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"}}`))
}

func client(t *testing.T, l *loopback, limits cluster.Limits) *cluster.Client {
	t.Helper()
	if l.throttled == nil {
		l.throttled = map[string]int{}
	}
	srv := httptest.NewServer(l)
	t.Cleanup(srv.Close)
	c, err := cluster.New(cluster.RemoteID("loop"), &rest.Config{Host: srv.URL}, limits)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestModeIsLearntFromTheFirstAnswer(t *testing.T) {
	for _, tc := range []struct {
		apf    bool
		limits cluster.Limits
		want   cluster.Mode
	}{
		{apf: true, want: cluster.ModeAPF},
		{apf: false, want: cluster.ModeFallback},
		{apf: true, limits: cluster.Limits{QPS: 5, Burst: 10}, want: cluster.ModeExplicit},
	} {
		c := client(t, &loopback{apf: tc.apf}, tc.limits)
		if c.Mode() != cluster.ModeUnknown && tc.want != cluster.ModeExplicit {
			t.Errorf("mode before any answer: %s", c.Mode())
		}
		if _, err := c.GetUnstructured(context.Background(), cluster.Namespaces, "", "x"); err != nil {
			t.Fatal(err)
		}
		if c.Mode() != tc.want {
			t.Errorf("apf %v %+v: mode %s, want %s", tc.apf, tc.limits, c.Mode(), tc.want)
		}
	}
}

// TestInFlightBoundHoldsThroughA429Flood: 60 creates at once against a server that throttles each
// one twice with Retry-After: they all succeed (client-go waits out Retry-After), and the server
// never holds more than the in-flight bound at once.
func TestInFlightBoundHoldsThroughA429Flood(t *testing.T) {
	l := &loopback{apf: true, throttle: 2}
	c := client(t, l, cluster.Limits{InFlight: 4})
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ns := map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "n" + string(rune('a'+i%26)) + string(rune('a'+i/26))}}
			_, err := c.Create(context.Background(), cluster.Namespaces, &unstructured.Unstructured{Object: ns}, cluster.WriteOptions{})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a throttled create failed: %v", err)
		}
	}
	if l.most > 4 {
		t.Errorf("the server held %d requests at once, bound 4", l.most)
	}
	if got := l.requests.Load(); got < 60*3 {
		t.Errorf("%d requests: the 429s were not retried (want 3 per create)", got)
	}
}
