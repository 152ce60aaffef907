package diff_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/diff"
)

func TestEqualIgnoresWhatTheServerAdds(t *testing.T) {
	desired := map[string]any{"metadata": map[string]any{"name": "a", "labels": map[string]any{"x": "1"}},
		"spec": map[string]any{"size": int64(3), "list": []any{map[string]any{"n": "a"}}}}
	for _, tc := range []struct {
		name string
		live map[string]any
		want bool
	}{
		{"same plus server fields", map[string]any{"metadata": map[string]any{"name": "a", "uid": "u", "resourceVersion": "7", "labels": map[string]any{"x": "1", "y": "2"}},
			"spec": map[string]any{"size": float64(3), "default": true, "list": []any{map[string]any{"n": "a", "extra": 1}}}, "status": map[string]any{"phase": "Bound"}}, true},
		{"changed value", map[string]any{"metadata": map[string]any{"name": "a", "labels": map[string]any{"x": "2"}},
			"spec": map[string]any{"size": int64(3), "list": []any{map[string]any{"n": "a"}}}}, false},
		{"missing field", map[string]any{"metadata": map[string]any{"name": "a"}, "spec": map[string]any{"size": int64(3), "list": []any{map[string]any{"n": "a"}}}}, false},
		{"list of another length", map[string]any{"metadata": map[string]any{"name": "a", "labels": map[string]any{"x": "1"}},
			"spec": map[string]any{"size": int64(3), "list": []any{map[string]any{"n": "a"}, map[string]any{"n": "b"}}}}, false},
	} {
		if got := diff.Equal(desired, tc.live); got != tc.want {
			t.Errorf("%s: Equal = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMask(t *testing.T) {
	m := map[string]any{"kind": "Machine", "spec": map[string]any{"userData": "pw", "cloudInit": map[string]any{"userData": "pw", "networkDataBase64": "cHc=", "type": "noCloud"}}}
	out := diff.Mask(m)
	spec := out["spec"].(map[string]any)
	ci := spec["cloudInit"].(map[string]any)
	if spec["userData"] != diff.Masked || ci["userData"] != diff.Masked || ci["networkDataBase64"] != diff.Masked || ci["type"] != "noCloud" {
		t.Errorf("masked: %v", out)
	}
	if m["spec"].(map[string]any)["userData"] != "pw" {
		t.Error("Mask changed its input")
	}
	sec := diff.Mask(map[string]any{"kind": "Secret", "data": map[string]any{"kubeconfig": "Zm9v"}, "stringData": map[string]any{"token": "t"}})
	if sec["data"].(map[string]any)["kubeconfig"] != diff.Masked || sec["stringData"].(map[string]any)["token"] != diff.Masked {
		t.Errorf("secret not masked: %v", sec)
	}
	la := diff.Mask(map[string]any{"kind": "Machine", "metadata": map[string]any{"annotations": map[string]any{
		"kubectl.kubernetes.io/last-applied-configuration": `{"spec":{"userData":"pw"}}`, "team": "a"}}})
	ann := la["metadata"].(map[string]any)["annotations"].(map[string]any)
	if ann["kubectl.kubernetes.io/last-applied-configuration"] != diff.Masked || ann["team"] != "a" {
		t.Errorf("last-applied not masked: %v", ann)
	}
	cm := diff.Mask(map[string]any{"kind": "ConfigMap", "data": map[string]any{"k": "v"}})
	if cm["data"].(map[string]any)["k"] != "v" {
		t.Error("ConfigMap data masked")
	}
}

func TestLinesMatchesDiffU(t *testing.T) {
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n"
	b := "1\n2\nX\n4\n5\n6\n7\n8\n9\n10\n11\nY\n12\n"
	// The expected text is what GNU diff -u prints for these inputs.
	want := `--- a
+++ b
@@ -1,6 +1,6 @@
 1
 2
-3
+X
 4
 5
 6
@@ -9,4 +9,5 @@
 9
 10
 11
+Y
 12
`
	if got := diff.Lines("a", "b", a, b).String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if u := diff.Lines("a", "b", a, a); !u.Empty() || u.String() != "" {
		t.Errorf("equal texts gave a diff: %q", u.String())
	}
	if got := diff.Lines("a", "b", "", "x\n").String(); !strings.Contains(got, "@@ -0,0 +1,1 @@\n+x\n") {
		t.Errorf("new file: %q", got)
	}
}

func TestObjectProjectsAndMasks(t *testing.T) {
	desired := map[string]any{"kind": "Machine", "spec": map[string]any{"userData": "secret-pw", "machineClass": "small"}}
	live := map[string]any{"kind": "Machine", "metadata": map[string]any{"uid": "x"}, "spec": map[string]any{"userData": "old-pw", "machineClass": "large"}}
	u, err := diff.Object("m", desired, live)
	if err != nil {
		t.Fatal(err)
	}
	s := u.String()
	if strings.Contains(s, "pw") || strings.Contains(s, "uid") {
		t.Errorf("diff leaks secret or server fields:\n%s", s)
	}
	if !strings.Contains(s, "-  machineClass: large\n+  machineClass: small") {
		t.Errorf("diff:\n%s", s)
	}
}

func TestExternalWritesMaskedFilesInLiveAndMerged(t *testing.T) {
	desired := map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "s"}, "data": map[string]any{"userdata": "c2VjcmV0"}}
	live := map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "s", "uid": "u"}, "data": map[string]any{"userdata": "b2xk"}}
	var files map[string]string
	var out bytes.Buffer
	e := diff.External{Command: "mydiff -u", Out: &out, Err: &out, Run: func(cmd *exec.Cmd) error {
		files = map[string]string{}
		if len(cmd.Args) != 4 || cmd.Args[0] != "mydiff" || cmd.Args[1] != "-u" || filepath.Base(cmd.Args[2]) != "LIVE" || filepath.Base(cmd.Args[3]) != "MERGED" {
			t.Errorf("args %v", cmd.Args)
		}
		for _, dir := range cmd.Args[2:] {
			entries, _ := os.ReadDir(dir)
			for _, en := range entries {
				b, _ := os.ReadFile(filepath.Join(dir, en.Name()))
				files[filepath.Base(dir)+"/"+en.Name()] = string(b)
			}
		}
		return nil
	}}
	if err := e.Diff([]diff.Pair{{Cluster: "kv-a", Name: diff.KubectlName("v1", "Secret", "ns", "s"), Desired: desired, Live: live},
		{Cluster: "kv-a", Name: diff.KubectlName("v1", "Namespace", "", "n"), Desired: map[string]any{"kind": "Namespace"}}}); err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 || files["LIVE/kv-a_v1.Secret.ns.s"] == "" || files["MERGED/kv-a_v1.Namespace..n"] == "" {
		t.Fatalf("files %v", files)
	}
	for name, text := range files {
		if strings.Contains(text, "c2VjcmV0") || strings.Contains(text, "b2xk") || strings.Contains(text, "uid") {
			t.Errorf("%s leaks a value or a server field:\n%s", name, text)
		}
	}
	if err := (diff.External{Command: "  "}).Diff(nil); err == nil {
		t.Error("an empty command ran")
	}
	failing := diff.External{Command: "false", Run: func(*exec.Cmd) error { return errors.New("exec: not found") }}
	if err := failing.Diff(nil); err == nil || !strings.Contains(err.Error(), `KUBECTL_EXTERNAL_DIFF "false"`) {
		t.Errorf("%v", err)
	}
}

// TestExternalFileNames: objects with one name in two namespaces, or on two clusters, get files of
// their own (they used to overwrite each other), named as kubectl names them after the cluster.
func TestExternalFileNames(t *testing.T) {
	var names []string
	e := diff.External{Command: "mydiff", Run: func(cmd *exec.Cmd) error {
		entries, _ := os.ReadDir(cmd.Args[2])
		for _, en := range entries {
			names = append(names, en.Name())
		}
		return nil
	}}
	vm := map[string]any{"kind": "VirtualMachine"}
	pairs := []diff.Pair{
		{Cluster: "kv-a", Name: diff.KubectlName("kubevirt.io/v1", "VirtualMachine", "team-a", "vm-web"), Desired: vm},
		{Cluster: "kv-a", Name: diff.KubectlName("kubevirt.io/v1", "VirtualMachine", "team-b", "vm-web"), Desired: vm},
		{Cluster: "kv-b", Name: diff.KubectlName("kubevirt.io/v1", "VirtualMachine", "team-a", "vm-web"), Desired: vm},
		{Cluster: "ctx/with:odd", Name: diff.KubectlName("kubevirt.io/v1", "VirtualMachine", "team-a", "vm-web"), Desired: vm},
		{Cluster: "ctx-with-odd", Name: diff.KubectlName("kubevirt.io/v1", "VirtualMachine", "team-a", "vm-web"), Desired: vm},
	}
	if err := e.Diff(pairs); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"ctx-with-odd_kubevirt.io.v1.VirtualMachine.team-a.vm-web",
		"ctx-with-odd_kubevirt.io.v1.VirtualMachine.team-a.vm-web.2",
		"kv-a_kubevirt.io.v1.VirtualMachine.team-a.vm-web",
		"kv-a_kubevirt.io.v1.VirtualMachine.team-b.vm-web",
		"kv-b_kubevirt.io.v1.VirtualMachine.team-a.vm-web",
	}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Errorf("files:\n%s\nwant:\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
	if got := pairs[0].Label(); got != "kv-a/kubevirt.io.v1.VirtualMachine.team-a.vm-web" {
		t.Errorf("label %q", got)
	}
}

func TestObjectGoingAwayIsAllRemovals(t *testing.T) {
	live := map[string]any{"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine",
		"metadata": map[string]any{"name": "vm-a", "uid": "u-1", "managedFields": []any{map[string]any{"manager": "kubectl-vitimachine"}}},
		"spec": map[string]any{"runStrategy": "Always", "template": map[string]any{"spec": map[string]any{"volumes": []any{
			map[string]any{"name": "cloudinitdisk", "cloudInitNoCloud": map[string]any{"userData": "password: hunter2", "networkDataBase64": "aHVudGVyMg=="}},
			map[string]any{"name": "root", "persistentVolumeClaim": map[string]any{"claimName": "vm-a-root-pvc"}},
		}}}},
		"status": map[string]any{"printableStatus": "Running"}}
	u, err := diff.Object("kv-a/virtualmachine.kubevirt.io/vm-a", nil, live)
	if err != nil {
		t.Fatal(err)
	}
	s := u.String()
	if !strings.HasPrefix(s, "--- live/kv-a/virtualmachine.kubevirt.io/vm-a\n+++ desired/kv-a/virtualmachine.kubevirt.io/vm-a\n@@ -1,") || !strings.Contains(s, " +0,0 @@\n") {
		t.Errorf("header:\n%s", s)
	}
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n")[3:] {
		if !strings.HasPrefix(line, "-") {
			t.Errorf("a line that is not a removal: %q", line)
		}
	}
	for _, want := range []string{"-kind: VirtualMachine", "-  uid: u-1", "-  runStrategy: Always", "claimName: vm-a-root-pvc", "userData: '***'", "networkDataBase64: '***'", "printableStatus: Running"} {
		if !strings.Contains(s, want) {
			t.Errorf("no %q in:\n%s", want, s)
		}
	}
	if strings.Contains(s, "hunter2") || strings.Contains(s, "aHVudGVyMg") || strings.Contains(s, "managedFields") {
		t.Errorf("leaks user data or managedFields:\n%s", s)
	}
	if live["metadata"].(map[string]any)["managedFields"] == nil {
		t.Error("Gone changed its input")
	}
}

func TestExternalWritesOnlyTheLiveFileOfAnObjectGoingAway(t *testing.T) {
	live := map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "vm-a-cloudinit"}, "data": map[string]any{"userdata": "c2VjcmV0"}}
	files := map[string]string{}
	e := diff.External{Command: "mydiff", Run: func(cmd *exec.Cmd) error {
		for _, dir := range cmd.Args[1:] {
			entries, _ := os.ReadDir(dir)
			for _, en := range entries {
				b, _ := os.ReadFile(filepath.Join(dir, en.Name()))
				files[filepath.Base(dir)+"/"+en.Name()] = string(b)
			}
		}
		return nil
	}}
	if err := e.Diff([]diff.Pair{{Cluster: "kv-a", Name: diff.KubectlName("v1", "Secret", "team", "vm-a-cloudinit"), Live: live}}); err != nil {
		t.Fatal(err)
	}
	text, ok := files["LIVE/kv-a_v1.Secret.team.vm-a-cloudinit"]
	if len(files) != 1 || !ok || !strings.Contains(text, "userdata: '***'") || strings.Contains(text, "c2VjcmV0") {
		t.Errorf("files %v", files)
	}
}
