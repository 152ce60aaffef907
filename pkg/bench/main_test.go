package bench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// env is shared by the benchmarks: a supervisor and three remotes, started once.
type env struct {
	planes  *testenv.Env
	dir     string
	plugin  string // the plugin binary
	peakrss string // hack/peakrss, which measures the plugin's own peak memory
	kubectl string
	// powerSup is a supervisor whose remotes are registered through stand-in virt-apis, started by
	// the first power benchmark (the others keep talking to the remotes directly).
	powerSup *testenv.Plane
}

var shared *env

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	flag.Parse()
	pattern := flag.Lookup("test.bench").Value.String()
	if pattern == "" {
		// `go test ./...` (make test) runs no benchmark: start nothing.
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "vitimachine-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	e := &env{dir: dir, plugin: filepath.Join(dir, "kubectl-vitimachine"), peakrss: filepath.Join(dir, "peakrss")}
	for bin, pkg := range map[string]string{e.plugin: "./cmd/kubectl-vitimachine", e.peakrss: "./hack/peakrss"} {
		build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, pkg)
		build.Dir = filepath.Join("..", "..")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "bench: build %s: %v\n%s", pkg, err, out)
			return 1
		}
	}
	assets, err := testenv.Assets()
	if strings.Contains(pattern, "Startup") && !strings.Contains(pattern, "|") {
		// Start-up needs no control plane, only a kubectl to compare with: the test servers'
		// kubectl, else the one on PATH.
		if err == nil {
			e.kubectl = filepath.Join(assets, "kubectl")
		} else if e.kubectl, err = exec.LookPath("kubectl"); err != nil {
			fmt.Fprintf(os.Stderr, "bench: no kubectl to compare start-up with: %v\n  %s\n", err, testenv.AssetsHint)
			return 1
		}
		shared = e
		return m.Run()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n  %s\n", err, testenv.AssetsHint)
		return 1
	}
	e.kubectl = filepath.Join(assets, "kubectl")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	e.planes, err = testenv.Start(ctx, testenv.Options{Remotes: []string{"kv-1", "kv-2", "kv-3"}, Dir: dir, Audit: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer func() { _ = e.planes.Stop() }()
	defer func() {
		if e.powerSup != nil {
			_ = e.powerSup.Stop()
		}
	}()
	shared = e
	return m.Run()
}

func need(b *testing.B) *env {
	b.Helper()
	if shared == nil {
		b.Skip("no control plane: " + testenv.AssetsHint)
	}
	return shared
}
