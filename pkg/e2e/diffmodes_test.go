package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

func TestExternalDiffProgram(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "ext", annotation(remoteA), "  cloudInit:\n    userData: \"#cloud-config\\npassword: ext-secret\\n\"\n"))
	// The "diff program" lists the two folders it was given, and prints the desired VM file.
	prog := filepath.Join(t.TempDir(), "mydiff")
	script := "#!/bin/sh\necho \"LIVE=$(basename \"$1\") MERGED=$(basename \"$2\")\"\nls \"$2\"\ncat \"$2\"/*_vitistack.io.v1alpha1.Machine.*\nexit 1\n"
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	r := mustExit(t, s.pluginWith(t, "", []string{"KUBECTL_EXTERNAL_DIFF=" + prog}, "diff", "-f", file), 1)
	mustContain(t, "external diff", r.stdout, "LIVE=LIVE MERGED=MERGED", "kv-a_kubevirt.io.v1.VirtualMachine."+ns+".vm-ext\n",
		"supervisor_vitistack.io.v1alpha1.Machine."+ns+".ext\n", "kv-a_v1.Namespace.."+ns+"\n", "userData: '***'")
	if strings.Contains(r.stdout, "ext-secret") {
		t.Error("user data reached the external diff's files")
	}
}

func TestNSSyncDiffServerDryRunAndRecording(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	// No annotation: ns-sync resolves through --kubevirt-config and records the choice, except in dry-run.
	s.create(t, s.env.Supervisor, machineYAML(ns, "rec", "", ""))
	b := s.env.Remote(remoteB)

	r := mustSucceed(t, s.plugin(t, "ns-sync", "-n", ns, "--kubevirt-config", remoteB, "--dry-run=server", "--diff"))
	mustContain(t, "diff", r.stdout, "+++ desired/kv-b/v1.Namespace.."+ns+"\n", "+kind: Namespace", "+    managed-by: vitistack-kubevirt-operator",
		"would record on machine "+ns+"/rec")
	if got := nsRow(r.stdout, remoteB, ns); got != "rec would create" {
		t.Errorf("row %q", got)
	}
	if s.get(t, b, cluster.Namespaces, "", ns) != nil || recorded(t, s, ns, "rec") != "" {
		t.Fatal("server dry-run wrote")
	}

	r = mustSucceed(t, s.plugin(t, "ns-sync", "-n", ns, "--kubevirt-config", remoteB))
	mustContain(t, "report", r.stdout, "recorded on machine "+ns+"/rec: vitistack.io/kubevirt-config=kv-b (chosen by --kubevirt-config)")
	if recorded(t, s, ns, "rec") != remoteB || s.get(t, b, cluster.Namespaces, "", ns) == nil {
		t.Error("annotation or namespace missing after ns-sync")
	}
}

func TestDiffShowsTheAnnotationCreateWouldRecord(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "note", "", "  cloudInit:\n    userData: \"#cloud-config\\npassword: applied-secret\\n\"\n"))
	// kubectl apply leaves a last-applied-configuration annotation that carries the user data.
	mustSucceed(t, s.kubectl(t, call{args: []string{"apply", "-f", file}}))
	r := mustExit(t, s.plugin(t, "diff", "-n", ns, "note", "--kubevirt-config", remoteB), 1)
	mustContain(t, "diff", r.stdout, "+++ desired/supervisor/vitistack.io.v1alpha1.Machine."+ns+".note\n", "+    vitistack.io/kubevirt-config: kv-b")
	if strings.Contains(r.stdout, "applied-secret") {
		t.Errorf("user data leaked through an annotation:\n%s", r.stdout)
	}
}

// TestExternalDiffFilesOfOneNameInTwoNamespaces: two Machines with one name in two namespaces (as
// the repository's own examples have) used to overwrite each other's files.
func TestExternalDiffFilesOfOneNameInTwoNamespaces(t *testing.T) {
	s := needEnv(t)
	ns1, ns2 := s.namespace(t), s.namespace(t)
	file := writeFile(t, "twins.yaml", machineYAML(ns1, "twin", annotation(remoteA), "")+"---\n"+machineYAML(ns2, "twin", annotation(remoteA), ""))
	prog := filepath.Join(t.TempDir(), "mydiff")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\nls \"$2\"\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := mustExit(t, s.pluginWith(t, "", []string{"KUBECTL_EXTERNAL_DIFF=" + prog}, "diff", "-f", file), 1)
	for _, ns := range []string{ns1, ns2} {
		mustContain(t, "files", r.stdout, "kv-a_kubevirt.io.v1.VirtualMachine."+ns+".vm-twin\n", "kv-a_v1.PersistentVolumeClaim."+ns+".vm-twin-root-pvc\n",
			"supervisor_vitistack.io.v1alpha1.Machine."+ns+".twin\n")
	}
	r = mustExit(t, s.plugin(t, "diff", "-f", file), 1)
	mustContain(t, "built-in diff", r.stdout, "+++ desired/kv-a/kubevirt.io.v1.VirtualMachine."+ns1+".vm-twin\n", "+++ desired/kv-a/kubevirt.io.v1.VirtualMachine."+ns2+".vm-twin\n")
}
