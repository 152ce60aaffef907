package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// Remote cluster names; each is also a KubevirtConfig on the supervisor.
const (
	remoteA = "kv-a"
	remoteB = "kv-b"
)

// suite is the state shared by every test of the package: the planes are started once.
type suite struct {
	env *testenv.Env
	// nsSup is a second supervisor, with the same remotes, where only the ns-sync tests put
	// Machines: an unfiltered ns-sync there sees only them.
	nsSup  *testenv.Plane
	dir    string // temporary HOME, kubeconfigs, the plugin binary
	bin    string // folder with kubectl-vitimachine
	assets string // folder with kubectl, kube-apiserver, etcd
}

var (
	shared     *suite
	skipReason string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	assets, err := testenv.Assets()
	if err != nil {
		msg := fmt.Sprintf("e2e: %v\n  get them with: %s", err, testenv.AssetsHint)
		if os.Getenv("CI") == "true" {
			fmt.Fprintln(os.Stderr, "FAIL: "+msg)
			return 1
		}
		skipReason = msg
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "vitimachine-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bin")
	if err := buildPlugin(bin); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	env, err := testenv.Start(ctx, testenv.Options{Remotes: []string{remoteA, remoteB}, Dir: dir, Audit: true, KubeVirtAPI: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: start control planes:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "e2e: supervisor and %d remote control planes up in %s\n", len(env.Remotes), time.Since(start).Round(100*time.Millisecond))
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: stop control planes:", err)
		}
	}()
	nsSup, err := env.AddSupervisor(ctx, "supervisor-ns", testenv.Options{Dir: dir, Audit: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: second supervisor:", err)
		return 1
	}
	defer func() { _ = nsSup.Stop() }()
	shared = &suite{env: env, nsSup: nsSup, dir: dir, bin: bin, assets: assets}
	if err := shared.applyFile(ctx, shared.env.Supervisor, filepath.Join(repoRoot(), "examples", "machineclasses.yaml")); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: machine classes:", err)
		return 1
	}
	return m.Run()
}

// buildPlugin builds the plugin binary into dir as kubectl-vitimachine.
func buildPlugin(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "kubectl-vitimachine"), "./cmd/kubectl-vitimachine")
	cmd.Dir = repoRoot()
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("build the plugin: %v\n%s", err, out)
	}
	return nil
}

func repoRoot() string {
	wd, _ := os.Getwd()
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}

// needEnv skips (locally) or fails (in CI) a test when the control planes are not there.
func needEnv(t *testing.T) *suite {
	t.Helper()
	if shared == nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(skipReason)
		}
		t.Skip(skipReason)
	}
	return shared
}
