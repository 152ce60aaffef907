package write_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// patchAPI answers PATCHes from a script ("ok", "409", "429", "503") and records their bodies and
// dry-run parameters.
type patchAPI struct {
	mu     sync.Mutex
	script []string
	bodies []map[string]any
	dryRun []string
}

func (f *patchAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(b, &body)
	f.bodies = append(f.bodies, body)
	f.dryRun = append(f.dryRun, r.URL.Query().Get("dryRun"))
	step := "ok"
	if n := len(f.bodies) - 1; n < len(f.script) {
		step = f.script[n]
	}
	switch step {
	case "ok":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"d","namespace":"n"}}`))
	case "409":
		status(w, 409, "Conflict")
	case "429":
		w.Header().Set("Retry-After", "0")
		status(w, 429, "TooManyRequests")
	case "503":
		status(w, 503, "ServiceUnavailable")
	}
}

func patchClient(t *testing.T, f *patchAPI) *cluster.Client {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := cluster.New(cluster.RemoteID("fake"), &rest.Config{Host: srv.URL}, cluster.Limits{QPS: 1000, Burst: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var grow = map[string]any{"spec": map[string]any{"resources": map[string]any{"requests": map[string]any{"storage": "20Gi"}}}}

func TestPatchCarriesTheResourceVersion(t *testing.T) {
	f := &patchAPI{}
	c := patchClient(t, f)
	out := write.Writer{}.Patch(context.Background(), c, cluster.PVCs, "n", "d", "42", grow)
	if out.Result != write.Stored {
		t.Fatalf("outcome %+v", out)
	}
	b, _ := json.Marshal(f.bodies[0])
	if want := `{"metadata":{"resourceVersion":"42"},"spec":{"resources":{"requests":{"storage":"20Gi"}}}}`; string(b) != want {
		t.Errorf("body %s\nwant %s", b, want)
	}
	if _, ok := grow["metadata"]; ok {
		t.Error("Patch changed the caller's patch")
	}
}

func TestPatchConflictIsChangedAndNotRetried(t *testing.T) {
	f := &patchAPI{script: []string{"409"}}
	out := write.Writer{Wait: (&waits{}).wait}.Patch(context.Background(), patchClient(t, f), cluster.PVCs, "n", "d", "42", grow)
	if out.Result != write.Changed || len(f.bodies) != 1 {
		t.Errorf("outcome %+v after %d patches, want Changed after 1", out, len(f.bodies))
	}
}

// An ambiguous failure is not retried: the patch may have been stored, and a retry would then be
// refused as a conflict, reporting a change by someone else that did not happen.
func TestPatchRetriesOnlyThrottling(t *testing.T) {
	f := &patchAPI{script: []string{"429", "ok"}}
	if out := (write.Writer{Wait: (&waits{}).wait}).Patch(context.Background(), patchClient(t, f), cluster.PVCs, "n", "d", "1", grow); out.Result != write.Stored || len(f.bodies) != 2 {
		t.Errorf("after 429: %+v, %d patches", out, len(f.bodies))
	}
	f = &patchAPI{script: []string{"503", "ok"}}
	if out := (write.Writer{Wait: (&waits{}).wait}).Patch(context.Background(), patchClient(t, f), cluster.PVCs, "n", "d", "1", grow); out.Result != write.Failed || len(f.bodies) != 1 {
		t.Errorf("after 503: %+v, %d patches", out, len(f.bodies))
	}
}

func TestPatchDryRunsAndMissingVersion(t *testing.T) {
	f := &patchAPI{}
	c := patchClient(t, f)
	ctx := context.Background()
	if out := (write.Writer{Strategy: write.Client}).Patch(ctx, c, cluster.PVCs, "n", "d", "1", grow); out.Result != write.WouldStore || len(f.bodies) != 0 {
		t.Errorf("client: %+v, %d sent", out, len(f.bodies))
	}
	if out := (write.Writer{Strategy: write.Server}).Patch(ctx, c, cluster.PVCs, "n", "d", "1", grow); out.Result != write.WouldStore || len(f.bodies) != 1 || f.dryRun[0] != "All" {
		t.Errorf("server: %+v, sent %d with dryRun %v", out, len(f.bodies), f.dryRun)
	}
	if out := (write.Writer{}).Patch(ctx, c, cluster.PVCs, "n", "d", "", grow); out.Result != write.Failed || len(f.bodies) != 1 {
		t.Errorf("without a resourceVersion: %+v", out)
	}
}
