package write_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// fakeAPI is a loopback server that answers namespace creates from a script, to produce faults a
// real API server does not: throttling, 5xx, and a create that is stored but never answered.
type fakeAPI struct {
	mu     sync.Mutex
	script []string // one step per POST: "ok", "503", "403", "429", "store-and-hang"
	posts  int
	stored bool
	hang   chan struct{}
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	switch r.Method {
	case http.MethodGet:
		stored := f.stored
		f.mu.Unlock()
		if stored {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}`))
			return
		}
		status(w, 404, "NotFound")
		return
	case http.MethodPost:
	}
	step := "ok"
	if f.posts < len(f.script) {
		step = f.script[f.posts]
	}
	f.posts++
	f.mu.Unlock()
	switch step {
	case "ok":
		f.mu.Lock()
		f.stored = true
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}`))
	case "503":
		status(w, 503, "ServiceUnavailable")
	case "403":
		status(w, 403, "Forbidden")
	case "429":
		w.Header().Set("Retry-After", "1")
		status(w, 429, "TooManyRequests")
	case "store-and-hang":
		f.mu.Lock()
		f.stored = true
		f.mu.Unlock()
		<-f.hang
	}
}

func status(w http.ResponseWriter, code int, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"Status","status":"Failure","reason":"` + reason + `","code":` + strconv.Itoa(code) + `}`))
}

func newClient(t *testing.T, f *fakeAPI, timeout time.Duration) *cluster.Client {
	t.Helper()
	f.hang = make(chan struct{})
	srv := httptest.NewServer(f)
	t.Cleanup(func() { close(f.hang); srv.Close() })
	c, err := cluster.New("fake", &rest.Config{Host: srv.URL, Timeout: timeout}, cluster.Limits{QPS: 1000, Burst: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var ns = map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "a"}}

func TestCreateRetries(t *testing.T) {
	for _, tc := range []struct {
		name    string
		script  []string
		posts   int
		wantErr func(error) bool
		timeout time.Duration
		minWait time.Duration
	}{
		{name: "transient 503 is retried", script: []string{"503", "503", "ok"}, posts: 3},
		{name: "forbidden is final", script: []string{"403"}, posts: 1, wantErr: apierrors.IsForbidden},
		{name: "retries are bounded", script: []string{"503", "503", "503", "503", "503", "503"}, posts: 1 + write.Retries, wantErr: apierrors.IsServiceUnavailable},
		{name: "429 honours Retry-After", script: []string{"429", "ok"}, posts: 2, minWait: time.Second},
		{name: "an ambiguous timeout is looked up, not written twice", script: []string{"store-and-hang"}, posts: 1, timeout: 300 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeAPI{script: tc.script}
			c := newClient(t, f, tc.timeout)
			start := time.Now()
			err := write.Writer{Strategy: write.None}.Create(context.Background(), c, cluster.Namespaces, ns)
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.wantErr != nil && !tc.wantErr(err):
				t.Fatalf("error %v is not the expected kind", err)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.posts != tc.posts {
				t.Errorf("%d creates sent, want %d", f.posts, tc.posts)
			}
			if d := time.Since(start); d < tc.minWait {
				t.Errorf("returned after %s, Retry-After asked for %s", d, tc.minWait)
			}
		})
	}
}

func TestClientDryRunSendsNothing(t *testing.T) {
	f := &fakeAPI{}
	c := newClient(t, f, 0)
	if err := (write.Writer{Strategy: write.Client}).Create(context.Background(), c, cluster.Namespaces, ns); err != nil {
		t.Fatal(err)
	}
	if err := (write.Writer{Strategy: write.Client}).Annotate(context.Background(), c, cluster.Namespaces, "", "a", "k", "v"); err != nil {
		t.Fatal(err)
	}
	if f.posts != 0 {
		t.Errorf("client dry-run sent %d writes", f.posts)
	}
}
