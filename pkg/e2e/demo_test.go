package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestDemoRuns runs `make demo`'s program as the quick start does (its own control planes, the
// examples, the plugin through kubectl), so the README's first command cannot rot unnoticed.
func TestDemoRuns(t *testing.T) {
	s := needEnv(t)
	if testing.Short() {
		t.Skip("starts its own control planes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "./hack/demo")
	cmd.Dir = repoRoot()
	cmd.Env = append(os.Environ(), "PATH="+s.bin+string(os.PathListSeparator)+s.assets+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	text := string(out)
	mustContain(t, "demo", text, "8 created, 1 unchanged, 0 failed", "0 created, 9 unchanged, 0 failed",
		"old-project", "ok, 0 warn, 0 fail", "==> Done", "==> Tearing down the control planes",
		"secret/vm-web-ci-cloudinit                created", `"secretRef":{"name":"vm-web-ci-cloudinit"}`,
		"3 to delete, 0 not found, 1 kept, 0 failed (dry run: server)", "3 deleted, 0 not found, 1 kept, 0 failed",
		"0 deleted, 1 not found, 1 kept, 2 terminating, 0 failed",
		"1 stopped, 0 unchanged, 0 failed", "0 stopped, 1 unchanged, 0 failed", "1 started, 0 unchanged, 0 failed")
	if !hasRow(text, "kubevirt-1 team-a web-1,web-2 created") {
		t.Errorf("no ns-sync row creating team-a:\n%s", text)
	}
	if strings.Contains(text, "ssh-ed25519") {
		t.Error("the demo shows the cloud-init data")
	}
	if strings.Contains(text, "error:") {
		t.Errorf("the demo printed an error:\n%s", text)
	}
}

// hasRow reports whether a table row has exactly these fields, however the columns are padded.
func hasRow(text, fields string) bool {
	for _, line := range strings.Split(text, "\n") {
		if strings.Join(strings.Fields(line), " ") == fields {
			return true
		}
	}
	return false
}
