package manifest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/manifest"
)

const m1 = "apiVersion: vitistack.io/v1alpha1\nkind: Machine\nmetadata:\n  name: a\nspec:\n  provider: kubevirt\n"

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string // names, or
		wantErr  string
	}{
		{name: "several documents and comments", in: "# hello\n---\n" + m1 + "---\n" + strings.Replace(m1, "name: a", "name: b", 1) + "---\n", want: []string{"a", "b"}},
		{name: "json", in: `{"apiVersion":"vitistack.io/v1alpha1","kind":"Machine","metadata":{"name":"j"},"spec":{"provider":"kubevirt"}}`, want: []string{"j"}},
		{name: "v1 List", in: "apiVersion: v1\nkind: List\nitems:\n- apiVersion: vitistack.io/v1alpha1\n  kind: Machine\n  metadata:\n    name: l\n", want: []string{"l"}},
		{name: "other kind", in: m1 + "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n", wantErr: "f.yaml document 2: v1 Secret is not a Machine"},
		{name: "other kind in a List", in: "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n", wantErr: "f.yaml document 1 items[0]: v1 Pod is not a Machine"},
		{name: "unknown field", in: m1 + "  bogus: 1\n", wantErr: `f.yaml document 1: unknown field "spec.bogus"`},
		{name: "duplicate field", in: m1 + "  provider: proxmox\n", wantErr: "f.yaml document 1: spec.provider: given twice (lines 6 and 7); keep one"},
		{name: "duplicate nested field", in: m1 + "  disks:\n  - name: a\n    sizeGB: 1\n    sizeGB: 2\n", wantErr: "f.yaml document 1: spec.disks[0].sizeGB: given twice (lines 9 and 10)"},
		{name: "duplicate field in JSON", in: `{"apiVersion":"vitistack.io/v1alpha1","kind":"Machine","metadata":{"name":"j","name":"k"}}`, wantErr: "f.yaml document 1: metadata.name: given twice (lines 1 and 1)"},
		{name: "duplicate field in a List item", in: "apiVersion: v1\nkind: List\nitems:\n- apiVersion: vitistack.io/v1alpha1\n  kind: Machine\n  metadata:\n    name: l\n    name: m\n", wantErr: "f.yaml document 1: items[0].metadata.name: given twice (lines 7 and 8)"},
		{name: "wrong type", in: strings.Replace(m1, "provider: kubevirt", "memory: lots", 1), wantErr: "f.yaml document 1"},
		{name: "no kind", in: "metadata:\n  name: x\n", wantErr: "apiVersion and kind are required"},
		{name: "no name", in: strings.Replace(m1, "  name: a\n", "  labels: {}\n", 1), wantErr: "metadata.name is required"},
		{name: "empty", in: "# nothing\n", wantErr: "f.yaml: no Machines in it"},
		{name: "malformed", in: m1 + "  disks: [\n", wantErr: "f.yaml document 1"},
		{name: "a bare string", in: m1 + "---\nhello\n", wantErr: "f.yaml document 2: not a Kubernetes object: a string, where an object with apiVersion and kind"},
		{name: "a list", in: "- a\n- b\n", wantErr: "f.yaml document 1: not a Kubernetes object: a list, where an object with apiVersion and kind"},
		{name: "a number", in: "42\n", wantErr: "f.yaml document 1: not a Kubernetes object: a number"},
		{name: "a string in a List", in: "apiVersion: v1\nkind: List\nitems:\n- hello\n", wantErr: "f.yaml document 1 items[0]: not a Kubernetes object: a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := manifest.Decode("f.yaml", []byte(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, m := range ms {
				names = append(names, m.Machine.Name)
			}
			if strings.Join(names, ",") != strings.Join(tc.want, ",") {
				t.Errorf("names %v, want %v", names, tc.want)
			}
		})
	}
}

func TestReadFoldersStdinAndSizeCap(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{"b.yaml": strings.Replace(m1, "name: a", "name: b", 1), "a.yml": m1, "notes.txt": "ignored"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := manifest.Reader{Stdin: strings.NewReader(strings.Replace(m1, "name: a", "name: s", 1))}.Read(context.Background(), []string{dir, "-"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.Machine.Name+"@"+filepath.Base(m.Origin))
	}
	if strings.Join(got, " ") != "a@a.yml document 1 b@b.yaml document 1 s@<stdin> document 1" {
		t.Errorf("got %v", got)
	}
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, make([]byte, manifest.MaxFileBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (manifest.Reader{}).Read(context.Background(), []string{big}); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("size cap: %v", err)
	}
	if _, err := (manifest.Reader{}).Read(context.Background(), []string{filepath.Join(dir, "missing.yaml")}); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}
