package write_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// TestEveryWriteNamesTheFieldManager: creates, annotations and updates carry the writer's field
// manager (--field-manager), and the plugin's name when it has none.
func TestEveryWriteNamesTheFieldManager(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" fieldManager="+r.URL.Query().Get("fieldManager")+" dryRun="+r.URL.Query().Get("dryRun"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}`))
	}))
	defer srv.Close()
	c, err := cluster.New(cluster.RemoteID("kv"), &rest.Config{Host: srv.URL}, cluster.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ns := map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "a"}}
	for _, w := range []write.Writer{{FieldManager: "ci-bot"}, {Strategy: write.Server}} {
		if out := w.Create(ctx, c, cluster.Namespaces, ns); out.Err != nil {
			t.Fatal(out.Err)
		}
		if out := w.Annotate(ctx, c, cluster.Namespaces, "", "a", "k", "v"); out.Err != nil {
			t.Fatal(out.Err)
		}
		if out := w.Update(ctx, c, cluster.Namespaces, ns); out.Err != nil {
			t.Fatal(out.Err)
		}
	}
	want := []string{
		"POST fieldManager=ci-bot dryRun=", "PATCH fieldManager=ci-bot dryRun=", "PUT fieldManager=ci-bot dryRun=",
		"POST fieldManager=kubectl-vitimachine dryRun=All", "PATCH fieldManager=kubectl-vitimachine dryRun=All", "PUT fieldManager=kubectl-vitimachine dryRun=All",
	}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
}
