package render_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// goldenOptions is testdata/<case>/options.yaml; unset fields take the plugin's defaults.
type goldenOptions struct {
	Naming         render.Naming                     `json:"naming"`
	StorageClass   string                            `json:"storageClass"`
	AccessMode     corev1.PersistentVolumeAccessMode `json:"accessMode"`
	VolumeMode     corev1.PersistentVolumeMode       `json:"volumeMode"`
	ManagedByKey   string                            `json:"managedByKey"`
	ManagedByValue string                            `json:"managedByValue"`
}

func (g goldenOptions) options() render.Options {
	o := render.Options{Naming: render.NamingSeed, StorageClass: "standard", AccessMode: corev1.ReadWriteOnce,
		VolumeMode: corev1.PersistentVolumeBlock, ManagedByKey: vitistack.DefaultManagedByKey, ManagedByValue: vitistack.DefaultManagedByValue}
	if g.Naming != "" {
		o.Naming = g.Naming
	}
	if g.StorageClass != "" {
		o.StorageClass = g.StorageClass
	}
	if g.AccessMode != "" {
		o.AccessMode = g.AccessMode
	}
	if g.VolumeMode != "" {
		o.VolumeMode = g.VolumeMode
	}
	if g.ManagedByKey != "" {
		o.ManagedByKey, o.ManagedByValue = g.ManagedByKey, g.ManagedByValue
	}
	return o
}

// TestGolden renders every testdata/<case>/machine.yaml (with class.yaml and options.yaml when
// present) and compares with objects.golden.yaml. Run with -update to rewrite the goldens, then
// review the diff.
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/machine.yaml")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, m := range dirs {
		dir := filepath.Dir(m)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			in := render.Input{Machine: &vitistackv1alpha1.Machine{}}
			readYAML(t, m, in.Machine)
			if _, err := os.Stat(filepath.Join(dir, "class.yaml")); err == nil {
				in.Class = &vitistackv1alpha1.MachineClass{}
				readYAML(t, filepath.Join(dir, "class.yaml"), in.Class)
			}
			var g goldenOptions
			if _, err := os.Stat(filepath.Join(dir, "options.yaml")); err == nil {
				readYAML(t, filepath.Join(dir, "options.yaml"), &g)
			}
			objs, err := render.Render(in, g.options())
			if err != nil {
				t.Fatal(err)
			}
			got := marshalObjects(t, objs)
			golden := filepath.Join(dir, "objects.golden.yaml")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./pkg/render -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("render differs from %s (run with -update and review):\n%s", golden, got)
			}
		})
	}
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func marshalObjects(t *testing.T, objs render.Objects) []byte {
	t.Helper()
	var docs []string
	add := func(o any) {
		b, err := yaml.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(b))
	}
	add(objs.Namespace)
	for _, p := range objs.PVCs {
		add(p)
	}
	add(objs.VM)
	return []byte(strings.Join(docs, "---\n"))
}
