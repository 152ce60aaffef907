package source_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
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

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestMachinesGivenTwice: the same Machine twice (in one file, in two files, by name) is read once
// with a note; two different Machines under one name are refused with both origins (bug 7).
func TestMachinesGivenTwice(t *testing.T) {
	other := strings.Replace(doc, "provider: kubevirt", "provider: kubevirt\n  machineClass: small", 1)
	dir := writeFiles(t, map[string]string{"a.yaml": doc + "---\n" + doc, "b.yaml": doc, "c.yaml": other})
	var notes []string
	note := func(s string) { notes = append(notes, s) }
	a, b, c := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml"), filepath.Join(dir, "c.yaml")

	in, err := source.Load(context.Background(), nil, source.Request{Files: []string{a, b}, Note: note})
	if err != nil || len(in) != 1 || in[0].Origin != a+" document 1" {
		t.Fatalf("%+v %v", in, err)
	}
	want := []string{
		`machine "team/web" is given twice (` + a + ` document 1 and ` + a + ` document 2), identically; using it once`,
		`machine "team/web" is given twice (` + a + ` document 1 and ` + b + ` document 1), identically; using it once`,
	}
	if strings.Join(notes, "\n") != strings.Join(want, "\n") {
		t.Errorf("notes:\n%s", strings.Join(notes, "\n"))
	}
	_, err = source.Load(context.Background(), nil, source.Request{Files: []string{b, c}})
	if err == nil || err.Error() != `machine "team/web" is given twice, differently: `+b+` document 1 and `+c+` document 1 (keep one)` {
		t.Errorf("differing duplicates: %v", err)
	}

	sup := clustertest.New(cluster.SupervisorID, doc)
	notes = nil
	in, err = source.Load(context.Background(), sup.Client, source.Request{Names: []string{"web", "web"}, Namespace: "team", Note: note})
	if err != nil || len(in) != 1 || len(notes) != 1 || !strings.Contains(notes[0], "(by name on the supervisor and by name on the supervisor)") {
		t.Errorf("named twice: %+v %v %v", in, err, notes)
	}
}

func TestSelectorAndAllNamespaces(t *testing.T) {
	back := strings.Replace(strings.Replace(doc, "name: web", "name: db", 1), "tier: front", "tier: back", 1)
	elsewhere := strings.Replace(doc, "namespace: team", "namespace: other", 1)
	sup := clustertest.New(cluster.SupervisorID, doc, back, elsewhere)
	names := func(in []plan.Input) string {
		var out []string
		for _, i := range in {
			out = append(out, i.Machine.Namespace+"/"+i.Machine.Name)
		}
		return strings.Join(out, ",")
	}
	ctx := context.Background()
	in, err := source.Load(ctx, sup.Client, source.Request{Selector: "tier=front", Namespace: "team"})
	if err != nil || names(in) != "team/web" || in[0].Machine.Spec.Provider != "kubevirt" {
		t.Errorf("-l in the namespace: %s %v", names(in), err)
	}
	in, err = source.Load(ctx, sup.Client, source.Request{Selector: "tier=front", AllNamespaces: true, Namespace: "team"})
	if err != nil || names(in) != "other/web,team/web" {
		t.Errorf("-l -A: %s %v", names(in), err)
	}
	in, err = source.Load(ctx, sup.Client, source.Request{AllNamespaces: true})
	if err != nil || len(in) != 3 {
		t.Errorf("-A: %s %v", names(in), err)
	}
	dir := writeFiles(t, map[string]string{"m.yaml": doc + "---\n" + back})
	in, err = source.Load(ctx, nil, source.Request{Files: []string{dir}, Selector: "tier!=front"})
	if err != nil || names(in) != "team/db" {
		t.Errorf("-f -l: %s %v", names(in), err)
	}
	if _, err := source.Load(ctx, nil, source.Request{Files: []string{dir}, Selector: "a=b,,c"}); err == nil || !strings.HasPrefix(err.Error(), `-l "a=b,,c": `) {
		t.Errorf("bad selector: %v", err)
	}
}
