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

// goldenInputs is testdata/<case>/inputs.yaml: what the pipeline would have read for the Machine.
type goldenInputs struct {
	NetworkNamespaces    []vitistackv1alpha1.NetworkNamespace    `json:"networkNamespaces"`
	NetworkConfiguration *vitistackv1alpha1.NetworkConfiguration `json:"networkConfiguration"`
	LiveMAC              string                                  `json:"liveMAC"`
	NewMAC               string                                  `json:"newMAC"`
	// Sources are the Secret and ConfigMap keys of the cloud-init, as "Kind/name/key": value.
	Sources map[string]string `json:"sources"`
	// ISOBytes is the size the ISO's URL answers with; ISOAccessMode the Filesystem access mode.
	ISOBytes      int64                             `json:"isoBytes"`
	ISOAccessMode corev1.PersistentVolumeAccessMode `json:"isoAccessMode"`
}

// goldenInput reads a case's inputs as the pipeline would, through the package's own helpers.
func goldenInput(t *testing.T, dir string, in *render.Input, o render.Options) {
	t.Helper()
	g := goldenInputs{NewMAC: testMAC}
	if _, err := os.Stat(filepath.Join(dir, "inputs.yaml")); err == nil {
		readYAML(t, filepath.Join(dir, "inputs.yaml"), &g)
	}
	nn, err := render.FindNetworkNamespace(in.Machine, g.NetworkNamespaces)
	if err != nil {
		t.Fatal(err)
	}
	in.Network = render.Network{Namespace: nn, Config: g.NetworkConfiguration, LiveMAC: g.LiveMAC, NewMAC: g.NewMAC}
	values := map[render.CloudInitRef][]byte{}
	for _, ref := range render.CloudInitRefs(in.Machine) {
		if v, ok := g.Sources[ref.Kind+"/"+ref.Name+"/"+ref.Key]; ok {
			values[ref] = []byte(v)
		}
	}
	if in.CloudInit, err = render.ResolveCloudInit(in.Machine, values); err != nil {
		t.Fatal(err)
	}
	iso, source, err := render.WantsISO(in.Machine)
	if err != nil {
		t.Fatal(err)
	}
	if iso {
		in.ISO = &render.ISO{Source: source, Size: render.ISOSizeFor(g.ISOBytes), AccessMode: g.ISOAccessMode}
	}
}

// TestGolden renders every testdata/<case>/machine.yaml (with class.yaml, options.yaml and
// inputs.yaml when present) and compares with objects.golden.yaml. Run with -update to rewrite the
// goldens, then review the diff.
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
			goldenInput(t, dir, &in, g.options())
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
	if objs.NAD != nil {
		add(objs.NAD.Object)
	}
	for _, p := range objs.PVCs {
		add(p)
	}
	if objs.CloudInitSecret != nil {
		add(objs.CloudInitSecret)
	}
	add(objs.VM)
	if objs.NetworkConfiguration != nil {
		add(objs.NetworkConfiguration)
	}
	return []byte(strings.Join(docs, "---\n"))
}
