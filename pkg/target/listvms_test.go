package target_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
)

// The VM search lists through Options.ListVMs when it is set (status shares its lists that way), in
// both search modes, and a search that finds nothing says which clusters it could not search.
func TestVMSearchListsThroughTheHook(t *testing.T) {
	for _, index := range []bool{false, true} {
		w := clustertest.NewWorld([]string{"kv-a", "kv-b"})
		if err := w.Remotes["kv-b"].Fake.Tracker().Add(clustertest.Object(vmYAML("team", "vm-x", ""))); err != nil {
			t.Fatal(err)
		}
		var asked []string
		list := func(ctx context.Context, c *cluster.Client, ns string, each func(*unstructured.Unstructured) error) error {
			asked = append(asked, c.ID.Name+":"+ns)
			return c.List(ctx, cluster.VirtualMachines, ns, "", each)
		}
		r := w.Resolver(target.Options{VMNames: vmNames, IndexVMs: index, ListVMs: list})
		got, err := r.Resolve(context.Background(), machine("team", "x", nil))
		if err != nil || got.Config != "kv-b" {
			t.Fatalf("index %v: %+v %v", index, got, err)
		}
		want := "[kv-a:team kv-b:team]"
		if index {
			want = "[kv-a: kv-b:]"
		}
		if s := fmt.Sprint(asked); s != want {
			t.Errorf("index %v: the search listed %s, want %s", index, s, want)
		}
	}

	w := clustertest.NewWorld([]string{"kv-a", "kv-b"})
	w.Remotes["kv-a"].Fail("list", "virtualmachines", "", errors.New("connection refused"))
	_, err := w.Resolver(target.Options{VMNames: vmNames}).Resolve(context.Background(), machine("team", "nowhere", nil))
	var se *target.SearchError
	if !errors.As(err, &se) || se.Machine != "team/nowhere" || fmt.Sprint(se.Configs) != "[kv-a kv-b]" || fmt.Sprint(se.Skipped) != "[kv-a]" {
		t.Errorf("%#v", err)
	}
}
