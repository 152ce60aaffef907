package e2e

import (
	"os"
	"strings"
	"testing"
)

// TestEnumFlagsCompleteThroughKubectl: every flag with a fixed set of values completes to them
// through kubectl's plugin completion, never to file names.
func TestEnumFlagsCompleteThroughKubectl(t *testing.T) {
	s := needEnv(t)
	shimDir := t.TempDir()
	mustSucceed(t, s.plugin(t, "completion", "kubectl-shim", "--install-dir", shimDir))
	env := []string{"PATH=" + shimDir + string(os.PathListSeparator) + s.bin + string(os.PathListSeparator) + s.assets + string(os.PathListSeparator) + os.Getenv("PATH")}
	for _, tc := range []struct {
		words     []string
		want      []string
		directive string
	}{
		{[]string{"create", "--naming", ""}, []string{"seed", "operator"}, ":4"},
		{[]string{"create", "--dry-run="}, []string{"none", "client", "server"}, ":4"},
		{[]string{"ns-sync", "--dry-run=s"}, []string{"server"}, ":4"},
		{[]string{"diff", "--volume-mode", ""}, []string{"Block", "Filesystem"}, ":4"},
		{[]string{"create", "--access-mode", "ReadWrite"}, []string{"ReadWriteOnce", "ReadWriteMany", "ReadWriteOncePod"}, ":4"},
		{[]string{"create", "-o", ""}, []string{"yaml", "json", "name", "jsonpath="}, ":6"},
		{[]string{"create", "-o", "y"}, []string{"yaml"}, ":4"},
		{[]string{"ns-sync", "-o", ""}, []string{"yaml", "json", "jsonpath="}, ":6"},
		{[]string{"version", "-o", ""}, []string{"json", "yaml"}, ":4"},
		{[]string{"create", "--report", ""}, []string{"table", "json", "yaml"}, ":4"},
		{[]string{"diff", "--color", ""}, []string{"auto", "always", "never"}, ":4"},
	} {
		r := mustSucceed(t, s.kubectl(t, call{args: append([]string{"__complete", "vitimachine"}, tc.words...), env: env}))
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		got := lines[:len(lines)-1]
		if strings.Join(got, ",") != strings.Join(tc.want, ",") || lines[len(lines)-1] != tc.directive {
			t.Errorf("%v: completions %v, directive %s; want %v, %s", tc.words, got, lines[len(lines)-1], tc.want, tc.directive)
		}
	}
}

// TestHelpTexts: diff's --force says what it does for diff; version's help says what it reads.
func TestHelpTexts(t *testing.T) {
	s := needEnv(t)
	r := mustSucceed(t, s.plugin(t, "diff", "--help"))
	mustContain(t, "diff --help", r.stdout, "--force", "Diff Machines that carry the kubevirt-operator's finalizer")
	if strings.Contains(r.stdout, "Provision Machines that carry") {
		t.Errorf("diff --help describes create's --force:\n%s", r.stdout)
	}
	r = mustSucceed(t, s.plugin(t, "version", "--help"))
	mustContain(t, "version --help", r.stdout, "lists KubevirtConfigs and\nreads their Secrets", "2 when the supervisor or any remote could not")
}
