package release

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"sigs.k8s.io/krew/pkg/index"
	"sigs.k8s.io/yaml"
)

const (
	// releaseURL is the download URL of one release archive: tag, os, arch.
	releaseURL = "https://github.com/vitistack/kubectl-vitimachine/releases/download/%[1]s/kubectl-vitimachine_%[1]s_%[2]s_%[3]s.tar.gz"

	// The stamp of the archive the tests build: fixed, so that two builds can be compared and the
	// installed binary can be recognised by what `version --client` prints.
	testVersion = "v0.1.0"
	testCommit  = "0123456789abcdef0123456789abcdef01234567"
	testEpoch   = 1767225600 // 2026-01-01T00:00:00Z
)

// releasePlatforms are the os/arch pairs every manifest must offer.
var releasePlatforms = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"}

// hostPlatform is the only platform the tests build, to stay fast.
var hostPlatform = runtime.GOOS + "/" + runtime.GOARCH

// scratch is a folder shared by the tests of this package, removed by TestMain.
var scratch string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "release-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	scratch = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// plugin mirrors the fields of krew's index.Plugin (sigs.k8s.io/krew/pkg/index, v1alpha2) that a
// manifest may set; decoding is strict, so an unknown or misspelt field fails.
type plugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string     `json:"version"`
		Homepage         string     `json:"homepage"`
		ShortDescription string     `json:"shortDescription"`
		Description      string     `json:"description"`
		Caveats          string     `json:"caveats"`
		Platforms        []platform `json:"platforms"`
	} `json:"spec"`
}

type platform struct {
	Selector struct {
		MatchLabels map[string]string `json:"matchLabels"`
	} `json:"selector"`
	URI    string `json:"uri"`
	Sha256 string `json:"sha256"`
	Bin    string `json:"bin"`
	Files  []struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"files,omitempty"`
}

func (p platform) osArch() string {
	return p.Selector.MatchLabels["os"] + "/" + p.Selector.MatchLabels["arch"]
}

func decodePlugin(t *testing.T, b []byte) plugin {
	t.Helper()
	var p plugin
	if err := yaml.UnmarshalStrict(b, &p); err != nil {
		t.Fatalf("decode manifest: %v\n%s", err, b)
	}
	// The manifest must also decode, strictly, into krew's own type.
	var k index.Plugin
	if err := yaml.UnmarshalStrict(b, &k); err != nil {
		t.Fatalf("decode manifest into krew's index.Plugin: %v\n%s", err, b)
	}
	if k.Name != p.Metadata.Name || k.Spec.Version != p.Spec.Version || len(k.Spec.Platforms) != len(p.Spec.Platforms) || k.Spec.ShortDescription != p.Spec.ShortDescription {
		t.Fatalf("krew's index.Plugin reads the manifest differently: %+v", k)
	}
	return p
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found from %s: %v", root, err)
	}
	return root
}

func readRepoFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256Hex(b)
}

// renderTemplate renders .krew.yaml for tag the way krew-release-bot does (pkg/source/template.go):
// text/template over {TagName}, and addURIAndSha expands the URL template, then emits "uri:" and an
// unquoted "sha256:" line indented by 4 spaces. shaFor stands in for downloading the asset.
func renderTemplate(t *testing.T, tag string, shaFor func(url string) string) []byte {
	t.Helper()
	addURIAndSha := func(urlTemplate, tag string) (string, error) {
		u, err := template.New("url").Option("missingkey=error").Parse(urlTemplate)
		if err != nil {
			return "", err
		}
		var url strings.Builder
		if err := u.Execute(&url, struct{ TagName, Version string }{tag, strings.TrimPrefix(tag, "v")}); err != nil {
			return "", err
		}
		return fmt.Sprintf("uri: %s\n    sha256: %s", url.String(), shaFor(url.String())), nil
	}
	tmpl, err := template.New(".krew.yaml").Option("missingkey=error").
		Funcs(template.FuncMap{"addURIAndSha": addURIAndSha}).
		Parse(string(readRepoFile(t, ".krew.yaml")))
	if err != nil {
		t.Fatalf("parse .krew.yaml: %v", err)
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, struct{ TagName string }{tag}); err != nil {
		t.Fatalf("render .krew.yaml for %s: %v", tag, err)
	}
	return out.Bytes()
}

// needTool fails under CI=true and skips elsewhere, saying how to get what is missing.
func needTool(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: the release tests must run)", msg)
	}
	t.Skipf("%s; to run this test: export KUBEBUILDER_ASSETS=$(hack/envtest-assets.sh) (kubectl) and make sure hack/krew-tools.sh works (krew, validate-krew-manifest)", msg)
}

// krewTools builds (once, cached) and returns the folder holding krew and validate-krew-manifest.
func krewTools(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(repoRoot(t), "hack", "krew-tools.sh"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		needTool(t, "hack/krew-tools.sh failed: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// kubectlBinary returns $KUBEBUILDER_ASSETS/kubectl.
func kubectlBinary(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		needTool(t, "KUBEBUILDER_ASSETS is not set")
	}
	path := filepath.Join(dir, "kubectl")
	if fi, err := os.Stat(path); err != nil || fi.Mode()&0o111 == 0 {
		needTool(t, "no executable kubectl in KUBEBUILDER_ASSETS=%s", dir)
	}
	return path
}

// needGNUTar skips (or fails under CI) when hack/dist.sh cannot run here.
func needGNUTar(t *testing.T) {
	t.Helper()
	for _, tar := range []string{"tar", "gtar"} {
		if out, err := exec.Command(tar, "--version").Output(); err == nil && bytes.Contains(out, []byte("GNU tar")) {
			return
		}
	}
	needTool(t, "hack/dist.sh needs GNU tar (tar or gtar)")
}

// runDist runs hack/dist.sh for the host platform into dir with the given extra environment, and
// returns the archive path it prints. VERSION, COMMIT and SOURCE_DATE_EPOCH from the caller's
// environment are dropped, so that unset means the script's defaults.
func runDist(t *testing.T, dir string, env ...string) (archive string, took time.Duration) {
	t.Helper()
	needGNUTar(t)
	cmd := exec.Command(filepath.Join(repoRoot(t), "hack", "dist.sh"))
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "VERSION", "COMMIT", "SOURCE_DATE_EPOCH", "PLATFORMS", "DIST":
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, append([]string{"PLATFORMS=" + hostPlatform, "DIST=" + dir}, env...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("hack/dist.sh: %v\n%s", err, stderr.String())
	}
	took = time.Since(start)
	lines := strings.Fields(stdout.String())
	if len(lines) != 1 {
		t.Fatalf("hack/dist.sh printed %q, want one archive path", stdout.String())
	}
	return lines[0], took
}

var hostDist struct {
	sync.Mutex
	archive string
}

// hostArchive builds, once per test binary, the host archive stamped with testVersion,
// testCommit and testEpoch.
func hostArchive(t *testing.T) string {
	t.Helper()
	hostDist.Lock()
	defer hostDist.Unlock()
	if hostDist.archive == "" {
		var took time.Duration
		hostDist.archive, took = runDist(t, filepath.Join(scratch, "dist"),
			"VERSION="+testVersion, "COMMIT="+testCommit, fmt.Sprintf("SOURCE_DATE_EPOCH=%d", testEpoch))
		t.Logf("hack/dist.sh for %s took %s", hostPlatform, took.Round(time.Millisecond))
	}
	return hostDist.archive
}
