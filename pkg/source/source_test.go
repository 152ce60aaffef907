package source_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
	"github.com/vitistack/kubectl-vitimachine/pkg/source"
)

const doc = "apiVersion: vitistack.io/v1alpha1\nkind: Machine\nmetadata:\n  name: web\n  namespace: team\n  labels:\n    tier: front\nspec:\n  provider: kubevirt\n"

func TestByName(t *testing.T) {
	sup := clustertest.New(cluster.SupervisorID, doc)
	in, err := source.Load(context.Background(), sup.Client, source.Request{Names: []string{"web"}, Namespace: "team"})
	if err != nil || len(in) != 1 || in[0].Machine.Name != "web" || in[0].FromFile {
		t.Fatalf("%+v %v", in, err)
	}
	_, err = source.Load(context.Background(), sup.Client, source.Request{Names: []string{"gone"}, Namespace: "team"})
	if err == nil || err.Error() != `machine "gone" not found on the supervisor in namespace "team"` {
		t.Errorf("%v", err)
	}
}

func TestFromFiles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(file, []byte(strings.Replace(doc, "  namespace: team\n", "", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := source.Load(context.Background(), nil, source.Request{Files: []string{file}, Namespace: "ctx-ns"})
	if err != nil || len(in) != 1 || in[0].Machine.Namespace != "ctx-ns" || !in[0].FromFile || in[0].Origin != file+" document 1" {
		t.Fatalf("%+v %v", in, err)
	}
	if meta := in[0].Object["metadata"].(map[string]any); meta["namespace"] != "ctx-ns" {
		t.Errorf("object namespace %v", meta["namespace"])
	}
	in, err = source.Load(context.Background(), nil, source.Request{Files: []string{"-"}, Stdin: strings.NewReader(doc), Namespace: "other", ExplicitNamespace: true})
	if err == nil || !strings.Contains(err.Error(), `the namespace of Machine "web" is "team", not "other" (pass --namespace=team or remove -n)`) {
		t.Errorf("%+v %v", in, err)
	}
}

func TestList(t *testing.T) {
	sup := clustertest.New(cluster.SupervisorID, doc, strings.Replace(doc, "name: web", "name: db", 1))
	ms, err := source.List(context.Background(), sup.Client, "", "tier=front")
	if err != nil || len(ms) != 2 || ms[0].Spec.Provider != "kubevirt" || ms[0].Labels["tier"] != "front" {
		t.Fatalf("%+v %v", ms, err)
	}
	sup.Fail("list", "machines", "", context.DeadlineExceeded)
	if _, err := source.List(context.Background(), sup.Client, "", ""); err == nil || !strings.HasPrefix(err.Error(), "list machines on the supervisor: ") {
		t.Errorf("%v", err)
	}
}
