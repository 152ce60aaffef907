package release

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

type archiveEntry struct {
	hdr  *tar.Header
	body []byte
}

// readArchive reads a .tar.gz and checks the gzip header carries no name and no time (gzip -n).
func readArchive(t *testing.T, path string) []archiveEntry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if zr.Name != "" || !zr.ModTime.IsZero() {
		t.Errorf("gzip header has name %q, mtime %v: want neither (gzip -n)", zr.Name, zr.ModTime)
	}
	var entries []archiveEntry
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return entries
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, archiveEntry{hdr, body})
	}
}

// clientVersion runs an extracted binary's `version --client -o json`.
func clientVersion(t *testing.T, bin string) map[string]string {
	t.Helper()
	out, err := exec.Command(bin, "version", "--client", "-o", "json").Output()
	if err != nil {
		t.Fatalf("%s version --client -o json: %v", bin, err)
	}
	var v struct {
		ClientVersion map[string]string `json:"clientVersion"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	return v.ClientVersion
}

func TestDistArchiveLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin")
	}
	archive := hostArchive(t)
	goos, arch, _ := strings.Cut(hostPlatform, "/")
	if want := fmt.Sprintf("kubectl-vitimachine_%s_%s_%s.tar.gz", testVersion, goos, arch); filepath.Base(archive) != want {
		t.Fatalf("archive %s, want %s", filepath.Base(archive), want)
	}
	bin := "kubectl-vitimachine"
	if goos == "windows" {
		bin += ".exe"
	}
	entries := readArchive(t, archive)
	var names []string
	for _, e := range entries {
		names = append(names, e.hdr.Name)
		h := e.hdr
		if h.Typeflag != tar.TypeReg {
			t.Errorf("%s: type %q, want a regular file (krew refuses links)", h.Name, h.Typeflag)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner %d(%q)/%d(%q), want 0/0 without names", h.Name, h.Uid, h.Uname, h.Gid, h.Gname)
		}
		if !h.ModTime.Equal(time.Unix(testEpoch, 0)) {
			t.Errorf("%s: mtime %v, want SOURCE_DATE_EPOCH %v", h.Name, h.ModTime.UTC(), time.Unix(testEpoch, 0).UTC())
		}
		wantMode := int64(0o755)
		if h.Name == "LICENSE" {
			wantMode = 0o644
		}
		if h.Mode != wantMode {
			t.Errorf("%s: mode %o, want %o", h.Name, h.Mode, wantMode)
		}
	}
	if want := []string{"LICENSE", bin, "kubectl_complete-vitimachine"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("archive entries %q, want exactly %q in this order", names, want)
	}
	if !bytes.Equal(entries[0].body, readRepoFile(t, "LICENSE")) {
		t.Error("LICENSE in the archive differs from the repository's")
	}

	// The archive's own binary carries the stamp and prints the shim the archive holds.
	dir := t.TempDir()
	for _, e := range entries {
		if err := os.WriteFile(filepath.Join(dir, e.hdr.Name), e.body, os.FileMode(e.hdr.Mode)); err != nil {
			t.Fatal(err)
		}
	}
	got := clientVersion(t, filepath.Join(dir, bin))
	want := map[string]string{"gitVersion": testVersion, "gitCommit": testCommit, "buildDate": "2026-01-01T00:00:00Z", "platform": hostPlatform}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("version --client: %s = %q, want %q", k, got[k], v)
		}
	}
	shim, err := exec.Command(filepath.Join(dir, bin), "completion", "kubectl-shim").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(entries[2].body, shim) || !bytes.HasPrefix(shim, []byte("#!")) {
		t.Errorf("kubectl_complete-vitimachine in the archive:\n%s\nwant the output of completion kubectl-shim:\n%s", entries[2].body, shim)
	}

	sums, err := os.ReadFile(filepath.Join(filepath.Dir(archive), "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want := sha256File(t, archive) + "  " + filepath.Base(archive) + "\n"; string(sums) != want {
		t.Errorf("checksums.txt = %q, want %q (sha256sum format)", sums, want)
	}
}

func TestDistIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin")
	}
	first := hostArchive(t)
	second, took := runDist(t, t.TempDir(),
		"VERSION="+testVersion, "COMMIT="+testCommit, fmt.Sprintf("SOURCE_DATE_EPOCH=%d", testEpoch))
	t.Logf("second hack/dist.sh run took %s", took.Round(time.Millisecond))
	a, b := sha256File(t, first), sha256File(t, second)
	if a != b {
		t.Fatalf("two builds of the same sources and stamp differ (unless the sources changed between them): %s %s vs %s %s", a, first, b, second)
	}
	fi, err := os.Stat(first)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d bytes, sha256 %s", filepath.Base(first), fi.Size(), a)
}

// TestDistDefaults runs hack/dist.sh with no VERSION, COMMIT or SOURCE_DATE_EPOCH: it must derive
// them, also in a repository without tags.
func TestDistDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin")
	}
	archive, _ := runDist(t, t.TempDir())
	goos, arch, _ := strings.Cut(hostPlatform, "/")
	m := regexp.MustCompile(`^kubectl-vitimachine_(v[^_]+)_` + goos + `_` + arch + `\.tar\.gz$`).FindStringSubmatch(filepath.Base(archive))
	if m == nil {
		t.Fatalf("archive name %s: want kubectl-vitimachine_v<version>_%s_%s.tar.gz", filepath.Base(archive), goos, arch)
	}
	version := m[1]
	if !semverTag.MatchString(version) {
		t.Errorf("default version %q is not a krew version (semver with a leading v)", version)
	}
	tags, err := exec.Command("git", "-C", repoRoot(t), "tag", "--list").Output()
	if err == nil && len(bytes.TrimSpace(tags)) == 0 && version != "v0.0.0-dev" {
		t.Errorf("repository without tags: default version %q, want v0.0.0-dev", version)
	}

	dir := t.TempDir()
	bin := "kubectl-vitimachine"
	if goos == "windows" {
		bin += ".exe"
	}
	for _, e := range readArchive(t, archive) {
		if e.hdr.Name == bin {
			if err := os.WriteFile(filepath.Join(dir, bin), e.body, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	got := clientVersion(t, filepath.Join(dir, bin))
	if got["gitVersion"] != version {
		t.Errorf("gitVersion %q, want %q as in the archive name", got["gitVersion"], version)
	}
	if _, err := time.Parse(time.RFC3339, got["buildDate"]); err != nil {
		t.Errorf("buildDate %q: %v", got["buildDate"], err)
	}
	if got["gitCommit"] == "" {
		t.Error("gitCommit is empty")
	}
}

// TestDistWindowsArchiveShipsABatchShim: kubectl on Windows cannot run a sh script, so the Windows
// archives carry kubectl_complete-vitimachine.cmd, a batch file kubectl finds through PATHEXT.
func TestDistWindowsArchiveShipsABatchShim(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin")
	}
	archive, _ := runDist(t, t.TempDir(), "PLATFORMS=windows/amd64",
		"VERSION="+testVersion, "COMMIT="+testCommit, fmt.Sprintf("SOURCE_DATE_EPOCH=%d", testEpoch))
	entries := readArchive(t, archive)
	var names []string
	for _, e := range entries {
		names = append(names, e.hdr.Name)
	}
	if want := []string{"LICENSE", "kubectl-vitimachine.exe", "kubectl_complete-vitimachine.cmd"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("windows archive entries %q, want %q", names, want)
	}
	// The host binary of the same build prints the shim the archive must hold.
	dir := t.TempDir()
	for _, e := range readArchive(t, hostArchive(t)) {
		if strings.HasPrefix(e.hdr.Name, "kubectl-vitimachine") {
			if err := os.WriteFile(filepath.Join(dir, "plugin"), e.body, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	want, err := exec.Command(filepath.Join(dir, "plugin"), "completion", "kubectl-shim", "--format", "cmd").Output()
	if err != nil {
		t.Fatal(err)
	}
	shim := entries[2].body
	if !bytes.Equal(shim, want) || !bytes.HasPrefix(shim, []byte("@echo off\r\n")) || !bytes.Contains(shim, []byte("\r\nkubectl-vitimachine __complete %*\r\n")) {
		t.Errorf("kubectl_complete-vitimachine.cmd:\n%q\nwant %q", shim, want)
	}
}
