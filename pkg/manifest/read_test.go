package manifest_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/manifest"
)

func write(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func named(name string) string { return strings.Replace(m1, "name: a", "name: "+name, 1) }

func TestFoldersSkipFilesWithoutMachinesAndSubfoldersWithNotes(t *testing.T) {
	dir := write(t, map[string]string{
		"a.yaml":             named("a"),
		"kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- a.yaml\n",
		"classes.yaml":       "apiVersion: vitistack.io/v1alpha1\nkind: MachineClass\nmetadata:\n  name: x\n---\napiVersion: vitistack.io/v1alpha1\nkind: MachineClass\nmetadata:\n  name: y\n",
		"values.yaml":        "replicas: 3\n",
		"sub/b.yaml":         named("b"),
		"sub/deeper/c.json":  `{"apiVersion":"vitistack.io/v1alpha1","kind":"Machine","metadata":{"name":"c"}}`,
	})
	var notes []string
	r := manifest.Reader{Note: func(s string) { notes = append(notes, s) }}
	ms, err := r.Read(context.Background(), []string{dir})
	if err != nil || len(ms) != 1 || ms[0].Machine.Name != "a" {
		t.Fatalf("%v %v", ms, err)
	}
	want := []string{
		"skipped folder " + filepath.Join(dir, "sub") + " (use -R to read subfolders)",
		"skipped " + filepath.Join(dir, "classes.yaml") + ": it holds no Machine (MachineClass)",
		"skipped " + filepath.Join(dir, "kustomization.yaml") + ": it holds no Machine (Kustomization)",
		"skipped " + filepath.Join(dir, "values.yaml") + ": it holds no Machine (no kind)",
	}
	if strings.Join(notes, "\n") != strings.Join(want, "\n") {
		t.Errorf("notes:\n%s\nwant:\n%s", strings.Join(notes, "\n"), strings.Join(want, "\n"))
	}

	notes = nil
	r.Recursive = true
	ms, err = r.Read(context.Background(), []string{dir})
	var got []string
	for _, m := range ms {
		got = append(got, m.Machine.Name)
	}
	if err != nil || strings.Join(got, ",") != "a,b,c" {
		t.Errorf("-R: %v %v", got, err)
	}
}

func TestFoldersStillRefuseBrokenMachines(t *testing.T) {
	for name, text := range map[string]string{
		"unknown field":     m1 + "  bogus: 1\n",
		"wrong apiVersion":  strings.Replace(m1, "vitistack.io/v1alpha1", "vitistack.io/v1", 1),
		"not YAML":          "kind: Machine\n  : [\n",
		"Machine and other": m1 + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := write(t, map[string]string{"m.yaml": text, "ok.yaml": named("ok")})
			if _, err := (manifest.Reader{}).Read(context.Background(), []string{dir}); err == nil || !strings.Contains(err.Error(), "m.yaml") {
				t.Errorf("error %v, want one naming m.yaml", err)
			}
		})
	}
	dir := write(t, map[string]string{"k.yaml": "apiVersion: v1\nkind: ConfigMap\n"})
	if _, err := (manifest.Reader{}).Read(context.Background(), []string{dir}); err == nil || err.Error() != "folder "+dir+" holds no Machines" {
		t.Errorf("folder without Machines: %v", err)
	}
	if _, err := (manifest.Reader{}).Read(context.Background(), []string{filepath.Join(dir, "k.yaml")}); err == nil || !strings.Contains(err.Error(), "is not a Machine") {
		t.Errorf("a file named by the user must hold Machines: %v", err)
	}
}

// TestReadingStopsWhenCancelled: standard input that never ends, and a FIFO in a folder that no one
// opens, used to need SIGKILL.
func TestReadingStopsWhenCancelled(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	stdin := &blocked{Reader: pr, reading: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go func() {
		_, err := manifest.Reader{Stdin: stdin}.Read(ctx, []string{"-"})
		errs <- err
	}()
	<-stdin.reading // the read is under way, and blocks: nothing is ever written
	cancel()
	err := <-errs
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "read <stdin>: interrupted") {
		t.Errorf("stdin: %v", err)
	}

	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "b.yaml"), 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	// The read blocks in open(2) until a writer comes; cancelling ends it.
	ctx, cancel = context.WithCancel(context.Background())
	errs = make(chan error, 1)
	go func() {
		_, err := manifest.Reader{}.Read(ctx, []string{dir})
		errs <- err
	}()
	cancel()
	err = <-errs
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "b.yaml: interrupted") {
		t.Errorf("FIFO: %v", err)
	}
}

// blocked is a reader that says when the first read starts.
type blocked struct {
	io.Reader
	once    sync.Once
	reading chan struct{}
}

func (b *blocked) Read(p []byte) (int, error) {
	b.once.Do(func() { close(b.reading) })
	return b.Reader.Read(p)
}
