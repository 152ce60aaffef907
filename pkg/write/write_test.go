package write_test

import (
	"context"
	"fmt"
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
	case "409":
		status(w, 409, "AlreadyExists")
	case "429":
		w.Header().Set("Retry-After", "0")
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
	c, err := cluster.New(cluster.RemoteID("fake"), &rest.Config{Host: srv.URL, Timeout: timeout}, cluster.Limits{QPS: 1000, Burst: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var ns = map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "a"}}

// waits records the writer's backoff waits instead of sleeping.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) wait(_ context.Context, d time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.d = append(w.d, d)
	return nil
}

func TestCreateRetries(t *testing.T) {
	for _, tc := range []struct {
		name    string
		script  []string
		posts   int
		want    write.Result
		wantErr func(error) bool
		timeout time.Duration
		waits   []time.Duration
	}{
		{name: "transient 503 is retried", script: []string{"503", "503", "ok"}, posts: 3, want: write.Stored,
			waits: []time.Duration{200 * time.Millisecond, 800 * time.Millisecond}},
		{name: "forbidden is final", script: []string{"403"}, posts: 1, want: write.Failed, wantErr: apierrors.IsForbidden},
		{name: "retries are bounded", script: []string{"503", "503", "503", "503", "503", "503"}, posts: 1 + write.Retries, want: write.Failed,
			wantErr: apierrors.IsServiceUnavailable, waits: []time.Duration{200 * time.Millisecond, 800 * time.Millisecond, 3200 * time.Millisecond}},
		// client-go itself waits as Retry-After says (0 here) and retries; the writer adds no wait.
		{name: "429 with Retry-After is retried by client-go", script: []string{"429", "ok"}, posts: 2, want: write.Stored},
		{name: "an ambiguous timeout is looked up, not written twice", script: []string{"store-and-hang"}, posts: 1, want: write.Stored, timeout: 300 * time.Millisecond},
		{name: "AlreadyExists is the Exists outcome", script: []string{"409"}, posts: 1, want: write.Exists},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeAPI{script: tc.script}
			c := newClient(t, f, tc.timeout)
			var w waits
			out := write.Writer{Strategy: write.None, Wait: w.wait}.Create(context.Background(), c, cluster.Namespaces, ns)
			switch {
			case out.Result != tc.want:
				t.Fatalf("result %v (err %v), want %v", out.Result, out.Err, tc.want)
			case tc.wantErr == nil && out.Err != nil:
				t.Fatalf("unexpected error %v", out.Err)
			case tc.wantErr != nil && !tc.wantErr(out.Err):
				t.Fatalf("error %v is not the expected kind", out.Err)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.posts != tc.posts {
				t.Errorf("%d creates sent, want %d", f.posts, tc.posts)
			}
			if fmt.Sprint(w.d) != fmt.Sprint(tc.waits) {
				t.Errorf("waits %v, want %v", w.d, tc.waits)
			}
		})
	}
}

func TestDryRunOutcomes(t *testing.T) {
	f := &fakeAPI{}
	c := newClient(t, f, 0)
	ctx := context.Background()
	client := write.Writer{Strategy: write.Client}
	if out := client.Create(ctx, c, cluster.Namespaces, ns); out.Result != write.WouldStore {
		t.Errorf("client create: %+v", out)
	}
	if out := client.Annotate(ctx, c, cluster.Namespaces, "", "a", "k", "v"); out.Result != write.WouldStore {
		t.Errorf("client annotate: %+v", out)
	}
	if out := client.Create(ctx, c, cluster.PVCs, ns, write.InPendingNamespace); out.Result != write.WouldStore {
		t.Errorf("client create in a pending namespace: %+v", out)
	}
	if f.posts != 0 {
		t.Errorf("client dry-run sent %d writes", f.posts)
	}
	server := write.Writer{Strategy: write.Server}
	if out := server.Create(ctx, c, cluster.PVCs, ns, write.InPendingNamespace); out.Result != write.Pending {
		t.Errorf("server create in a pending namespace: %+v", out)
	}
	if f.posts != 0 {
		t.Errorf("a write into a pending namespace was sent")
	}
	if out := server.Create(ctx, c, cluster.Namespaces, ns); out.Result != write.WouldStore || f.posts != 1 {
		t.Errorf("server create: %+v, %d sent", out, f.posts)
	}
	if client.DryRun() != "client" || server.DryRun() != "server" || (write.Writer{}).DryRun() != "" {
		t.Errorf("DryRun names: %q %q %q", client.DryRun(), server.DryRun(), write.Writer{}.DryRun())
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in         string
		want       write.Strategy
		deprecated bool
		ok         bool
	}{
		{"none", write.None, false, true}, {"", write.None, false, false}, {"client", write.Client, false, true},
		{"server", write.Server, false, true}, {"true", write.Client, true, true}, {"false", write.None, true, true},
		{"maybe", write.None, false, false},
	} {
		st, dep, ok := write.Parse(tc.in)
		if st != tc.want || dep != tc.deprecated || ok != tc.ok {
			t.Errorf("Parse(%q) = %v %v %v", tc.in, st, dep, ok)
		}
	}
}
