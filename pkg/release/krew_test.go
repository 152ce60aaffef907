package release

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// renderForArchive renders .krew.yaml for testVersion into dir/vitimachine.yaml (krew wants the file
// named after the plugin), with the real sha256 of archive for the host platform. The other
// platforms, never installed here, get the sha256 of LICENSE.
func renderForArchive(t *testing.T, dir, archive string) string {
	t.Helper()
	archiveSha, fixedSha := sha256File(t, archive), sha256Hex(readRepoFile(t, "LICENSE"))
	hosted := false
	b := renderTemplate(t, testVersion, func(url string) string {
		if filepath.Base(url) == filepath.Base(archive) {
			hosted = true
			return archiveSha
		}
		return fixedSha
	})
	if !hosted {
		t.Fatalf(".krew.yaml has no URL ending in %s", filepath.Base(archive))
	}
	path := filepath.Join(dir, "vitimachine.yaml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// validateManifest runs krew's validate-krew-manifest -skip-install (krew-index CI's static pass).
func validateManifest(t *testing.T, tools, manifest string) (string, error) {
	t.Helper()
	cmd := exec.Command(filepath.Join(tools, "validate-krew-manifest"), "-manifest", manifest, "-skip-install")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestValidateKrewManifest(t *testing.T) {
	tools := krewTools(t)
	if out, err := validateManifest(t, tools, filepath.Join(repoRoot(t), "plugins", "vitimachine.yaml")); err != nil {
		t.Errorf("plugins/vitimachine.yaml: %v\n%s", err, out)
	}

	dir := t.TempDir()
	fixedSha := sha256Hex(readRepoFile(t, "LICENSE"))
	rendered := renderTemplate(t, "v0.2.0", func(string) string { return fixedSha })
	if err := os.WriteFile(filepath.Join(dir, "vitimachine.yaml"), rendered, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := validateManifest(t, tools, filepath.Join(dir, "vitimachine.yaml")); err != nil {
		t.Errorf(".krew.yaml rendered for v0.2.0: %v\n%s", err, out)
	}

	// The validator must be able to say no: a manifest with an upper-case sha256 is refused.
	bad := bytes.Replace(rendered, []byte(fixedSha), []byte(strings.ToUpper(fixedSha)), 1)
	if err := os.WriteFile(filepath.Join(dir, "vitimachine.yaml"), bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := validateManifest(t, tools, filepath.Join(dir, "vitimachine.yaml")); err == nil || !strings.Contains(out, "sha256") {
		t.Errorf("validate-krew-manifest accepted an upper-case sha256 (err %v):\n%s", err, out)
	}
}

// sandbox runs commands with only its own environment: a temporary KREW_ROOT, HOME and KUBECONFIG,
// and PATH = $KREW_ROOT/bin, the kubectl folder and the folder of sh (for the completion shim).
type sandbox struct {
	t   *testing.T
	env []string
}

func (s sandbox) run(name string, args ...string) (string, error) {
	s.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = s.env
	cmd.Stdin = nil
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (s sandbox) must(name string, args ...string) string {
	s.t.Helper()
	out, err := s.run(name, args...)
	if err != nil {
		s.t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return out
}

// stdout runs a command and returns its standard output only.
func (s sandbox) stdout(name string, args ...string) string {
	s.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = s.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		s.t.Fatalf("%s %s: %v\n%s%s", filepath.Base(name), strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// completions returns the candidates of a `kubectl __complete` answer, without descriptions and
// without the final :<directive> line.
func completions(out string) []string {
	var c []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line != "" && !strings.HasPrefix(line, ":") {
			c = append(c, strings.SplitN(line, "\t", 2)[0])
		}
	}
	return c
}

func contains(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, l := range list {
			found = found || l == w
		}
		if !found {
			return false
		}
	}
	return true
}

// TestKrewInstallThroughKubectl installs the host archive with the real krew from a manifest
// rendered from .krew.yaml, uses the plugin and its completion shim through the real kubectl, then
// uninstalls it.
func TestKrewInstallThroughKubectl(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin")
	}
	kubectl := kubectlBinary(t)
	krew := filepath.Join(krewTools(t), "krew")
	archive := hostArchive(t)

	dir := t.TempDir()
	manifest := renderForArchive(t, dir, archive)
	root := filepath.Join(dir, "krew")
	bin := filepath.Join(root, "bin")
	path := []string{bin, filepath.Dir(kubectl)}
	if sh, err := exec.LookPath("sh"); err == nil {
		path = append(path, filepath.Dir(sh))
	}
	s := sandbox{t: t, env: []string{
		"PATH=" + strings.Join(path, string(os.PathListSeparator)),
		"HOME=" + filepath.Join(dir, "home"),
		"KUBECONFIG=" + filepath.Join(dir, "no-kubeconfig"),
		"KREW_ROOT=" + root,
		"KREW_NO_UPGRADE_CHECK=1",
		"TMPDIR=" + dir,
	}}

	out := s.must(krew, "install", "--manifest="+manifest, "--archive="+archive)
	for _, want := range []string{"Installed plugin: vitimachine", "kubectl vitimachine completion kubectl-shim --install-dir ~/.krew/bin"} {
		if !strings.Contains(out, want) {
			t.Errorf("krew install output lacks %q (the caveats are shown after install):\n%s", want, out)
		}
	}
	store := filepath.Join(root, "store", "vitimachine", testVersion)
	link := filepath.Join(bin, "kubectl-vitimachine")
	if target, err := filepath.EvalSymlinks(link); err != nil || target != filepath.Join(store, "kubectl-vitimachine") {
		t.Errorf("%s -> %q (%v), want the binary in %s", link, target, err, store)
	}
	for _, f := range []string{filepath.Join(store, "LICENSE"), filepath.Join(store, "kubectl_complete-vitimachine"), filepath.Join(root, "receipts", "vitimachine.yaml")} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("after install: %v", err)
		}
	}

	// The plugin runs through kubectl, and it is the binary from the archive.
	var v struct {
		ClientVersion map[string]string `json:"clientVersion"`
	}
	if err := json.Unmarshal([]byte(s.stdout(kubectl, "vitimachine", "version", "--client", "-o", "json")), &v); err != nil {
		t.Fatal(err)
	}
	if v.ClientVersion["gitVersion"] != testVersion || v.ClientVersion["gitCommit"] != testCommit {
		t.Errorf("kubectl vitimachine version --client: %v, want %s at %s", v.ClientVersion, testVersion, testCommit)
	}
	if out := s.must(kubectl, "vitimachine", "version", "--client"); !strings.Contains(out, "Client Version: "+testVersion) {
		t.Errorf("kubectl vitimachine version --client:\n%s", out)
	}
	if out := s.must(kubectl, "plugin", "list"); !strings.Contains(out, link) {
		t.Errorf("kubectl plugin list does not show %s:\n%s", link, out)
	}

	// Completion through kubectl: nothing without the shim; subcommands once the caveats' command
	// (run through kubectl, into the krew bin folder) has installed it.
	if c := completions(s.stdout(kubectl, "__complete", "vitimachine", "")); contains(c, "version") {
		t.Errorf("kubectl completes %q before the shim is installed: the check below would prove nothing", c)
	}
	s.must(kubectl, "vitimachine", "completion", "kubectl-shim", "--install-dir", bin)
	shim := filepath.Join(bin, "kubectl_complete-vitimachine")
	installed, err := os.ReadFile(shim)
	if err != nil {
		t.Fatal(err)
	}
	if archived, err := os.ReadFile(filepath.Join(store, "kubectl_complete-vitimachine")); err != nil || !bytes.Equal(installed, archived) {
		t.Errorf("the installed shim differs from the one in the archive (%v)", err)
	}
	if c := completions(s.stdout(kubectl, "__complete", "vitimachine", "")); !contains(c, "version", "completion") {
		t.Errorf("kubectl __complete vitimachine \"\" = %q, want version and completion among them", c)
	}
	if c := completions(s.stdout(kubectl, "__complete", "vitimachine", "completion", "")); !contains(c, "bash", "zsh", "kubectl-shim") {
		t.Errorf("kubectl __complete vitimachine completion \"\" = %q, want the shells and kubectl-shim", c)
	}

	// krew list and uninstall refuse to run before the default index is cloned; offline, an
	// empty .git folder stands in for it.
	if err := os.MkdirAll(filepath.Join(root, "index", "default", ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out := s.stdout(krew, "list"); !strings.Contains(out, "vitimachine") {
		t.Errorf("krew list:\n%s", out)
	}
	if out := s.must(krew, "uninstall", "vitimachine"); !strings.Contains(out, "Uninstalled plugin: vitimachine") {
		t.Errorf("krew uninstall:\n%s", out)
	}
	for _, gone := range []string{link, filepath.Join(root, "store", "vitimachine"), filepath.Join(root, "receipts", "vitimachine.yaml")} {
		if _, err := os.Lstat(gone); !os.IsNotExist(err) {
			t.Errorf("after uninstall %s still exists (%v)", gone, err)
		}
	}
	if out, err := s.run(kubectl, "vitimachine", "version", "--client"); err == nil {
		t.Errorf("kubectl vitimachine still runs after uninstall:\n%s", out)
	}
	if out, _ := s.run(kubectl, "plugin", "list"); strings.Contains(out, "kubectl-vitimachine") {
		t.Errorf("kubectl plugin list still shows the plugin:\n%s", out)
	}
}
