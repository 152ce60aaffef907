package release

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestManifestChecksumsMatchTheTaggedTree: the manifest in plugins/ names a release. When its tag
// exists, `make dist` of the tagged tree (stamped with the tag, its commit and its commit time, as a
// release is built) must give exactly the archives whose sha256 the manifest holds; otherwise the
// custom index would install nothing. Before the first tag there are no archives to download, and
// docs/install.md must say plainly that the custom index works from the first tagged release.
func TestManifestChecksumsMatchTheTaggedTree(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin")
	}
	manifest := decodePlugin(t, readRepoFile(t, "plugins/vitimachine.yaml"))
	tag := manifest.Spec.Version
	root := repoRoot(t)
	commit, err := exec.Command("git", "-C", root, "rev-parse", "-q", "--verify", "refs/tags/"+tag+"^{commit}").Output()
	if err != nil {
		install := string(readRepoFile(t, "docs/install.md"))
		for _, want := range []string{"works from the first tagged release", "`" + tag + "`"} {
			if !strings.Contains(install, want) {
				t.Errorf("the manifest names %s, which is not tagged yet, and docs/install.md does not say %q", tag, want)
			}
		}
		return
	}
	sha := strings.TrimSpace(string(commit))
	epoch, err := exec.Command("git", "-C", root, "log", "-1", "--format=%ct", sha).Output()
	if err != nil {
		t.Fatal(err)
	}
	tree := t.TempDir()
	exportTree(t, root, sha, tree)
	dist := t.TempDir()
	cmd := exec.Command(filepath.Join(tree, "hack", "dist.sh"))
	cmd.Env = append(os.Environ(), "VERSION="+tag, "COMMIT="+sha, "SOURCE_DATE_EPOCH="+strings.TrimSpace(string(epoch)),
		"PLATFORMS="+strings.Join(releasePlatforms, " "), "DIST="+dist)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hack/dist.sh of %s: %v\n%s", tag, err, out)
	}
	for _, pl := range manifest.Spec.Platforms {
		goos, arch, _ := strings.Cut(pl.osArch(), "/")
		archive := filepath.Join(dist, "kubectl-vitimachine_"+tag+"_"+goos+"_"+arch+".tar.gz")
		if got := sha256File(t, archive); got != pl.Sha256 {
			t.Errorf("%s: the manifest says sha256 %s, make dist of %s gives %s (regenerate it: make dist VERSION=%s && make krew-manifest, from the tag)",
				pl.osArch(), pl.Sha256, tag, got, tag)
		}
	}
}

// exportTree writes the files of a commit into dir (git archive), without touching the repository.
func exportTree(t *testing.T, root, commit, dir string) {
	t.Helper()
	out, err := exec.Command("git", "-C", root, "archive", "--format=tar", commit).Output()
	if err != nil {
		t.Fatalf("git archive %s: %v", commit, err)
	}
	tr := tar.NewReader(bytes.NewReader(out))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, filepath.FromSlash(h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(path, 0o755)
		case tar.TypeReg:
			var body []byte
			if body, err = io.ReadAll(tr); err == nil {
				err = os.WriteFile(path, body, os.FileMode(h.Mode)&0o777)
			}
		case tar.TypeSymlink:
			err = os.Symlink(h.Linkname, path)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
