package release

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// maxBinaryBytes is the size budget of the release binary (docs/performance.md): 32 MiB.
const maxBinaryBytes = 32 << 20

// deniedModules must never be linked into the plugin: they would double its size and tie it to
// Kubernetes and KubeVirt internals (see docs/development.md).
var deniedModules = []string{"k8s.io/kubernetes", "kubevirt.io/client-go", "sigs.k8s.io/controller-runtime/pkg/client"}

func TestReleaseBinarySizeAndDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the release binary")
	}
	bin := filepath.Join(t.TempDir(), "kubectl-vitimachine")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./cmd/kubectl-vitimachine")
	build.Dir = repoRoot(t)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	fi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("release binary: %d bytes (%.1f MiB)", fi.Size(), float64(fi.Size())/(1<<20))
	if fi.Size() > maxBinaryBytes {
		t.Errorf("release binary is %d bytes, over the %d-byte budget", fi.Size(), maxBinaryBytes)
	}

	deps := exec.Command("go", "list", "-deps", "./cmd/kubectl-vitimachine")
	deps.Dir = repoRoot(t)
	out, err := deps.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, denied := range deniedModules {
			if pkg == denied || strings.HasPrefix(pkg, denied+"/") {
				t.Errorf("the plugin imports %s (from the denied %s)", pkg, denied)
			}
		}
	}
	// A static binary: with cgo on, cli-runtime's path to the plugin package makes it dynamic and
	// ~35 MB larger.
	file := exec.Command("go", "version", "-m", bin)
	info, err := file.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(info), "CGO_ENABLED=0") {
		t.Errorf("release binary was not built with CGO_ENABLED=0:\n%s", info)
	}
}
