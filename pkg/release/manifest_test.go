package release

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

var (
	shaPattern = regexp.MustCompile(`^[a-f0-9]{64}$`)
	// semverTag is krew's version rule: semantic version with a leading v.
	semverTag = regexp.MustCompile(`^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)
)

// checkManifest checks what krew (validation.ValidatePlugin plus validate-krew-manifest's platform
// rules) and krew-index review require of a manifest for tag, and what this project promises in it.
func checkManifest(t *testing.T, p plugin, tag string) {
	t.Helper()
	if p.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || p.Kind != "Plugin" {
		t.Errorf("apiVersion/kind = %s/%s", p.APIVersion, p.Kind)
	}
	if p.Metadata.Name != "vitimachine" {
		t.Errorf("metadata.name = %q, want vitimachine (the manifest file name)", p.Metadata.Name)
	}
	s := p.Spec
	if s.Version != tag || !semverTag.MatchString(s.Version) {
		t.Errorf("spec.version = %q, want %q (semver with a leading v)", s.Version, tag)
	}
	if s.Homepage != "https://github.com/vitistack/kubectl-vitimachine" {
		t.Errorf("spec.homepage = %q", s.Homepage)
	}
	if n := len(s.ShortDescription); n == 0 || n > 50 || strings.ContainsAny(s.ShortDescription, "\r\n") {
		t.Errorf("spec.shortDescription %q: want one line of 1..50 characters (krew search cuts at 50), got %d", s.ShortDescription, n)
	}
	if strings.TrimSpace(s.Description) == "" {
		t.Error("spec.description is empty")
	}
	for _, want := range []string{"RBAC", "supervisor", "remote", "kubectl vitimachine completion kubectl-shim --install-dir ~/.krew/bin"} {
		if !strings.Contains(s.Caveats, want) {
			t.Errorf("spec.caveats does not mention %q:\n%s", want, s.Caveats)
		}
	}
	seen := map[string]bool{}
	for i, pl := range s.Platforms {
		osArch := pl.osArch()
		if len(pl.Selector.MatchLabels) != 2 || seen[osArch] {
			t.Errorf("platforms[%d]: selector %v: want exactly os and arch, each pair once", i, pl.Selector.MatchLabels)
		}
		seen[osArch] = true
		goos, arch, _ := strings.Cut(osArch, "/")
		if want := fmt.Sprintf(releaseURL, tag, goos, arch); pl.URI != want {
			t.Errorf("platforms[%d] (%s): uri = %q, want %q", i, osArch, pl.URI, want)
		}
		if !shaPattern.MatchString(pl.Sha256) {
			t.Errorf("platforms[%d] (%s): sha256 %q does not match %s", i, osArch, pl.Sha256, shaPattern)
		}
		wantBin := "kubectl-vitimachine"
		if goos == "windows" {
			wantBin += ".exe"
		}
		if pl.Bin != wantBin {
			t.Errorf("platforms[%d] (%s): bin = %q, want %q", i, osArch, pl.Bin, wantBin)
		}
		if pl.Files != nil {
			t.Errorf("platforms[%d] (%s): files set; krew's default (everything, LICENSE included) is wanted", i, osArch)
		}
	}
	for _, want := range releasePlatforms {
		if !seen[want] {
			t.Errorf("no platform for %s", want)
		}
	}
	if len(s.Platforms) != len(releasePlatforms) {
		t.Errorf("%d platforms, want %d", len(s.Platforms), len(releasePlatforms))
	}
}

func TestPluginManifestIsValid(t *testing.T) {
	p := decodePlugin(t, readRepoFile(t, "plugins/vitimachine.yaml"))
	checkManifest(t, p, p.Spec.Version)
	shas := map[string]string{}
	for _, pl := range p.Spec.Platforms {
		if other, dup := shas[pl.Sha256]; dup {
			t.Errorf("%s and %s have the same sha256: each platform has its own archive", other, pl.osArch())
		}
		shas[pl.Sha256] = pl.osArch()
	}
}

// TestTemplateAgreesWithManifest renders .krew.yaml like krew-release-bot and checks it yields
// plugins/vitimachine.yaml, up to the version, the URIs and the sha256 values.
func TestTemplateAgreesWithManifest(t *testing.T) {
	manifest := decodePlugin(t, readRepoFile(t, "plugins/vitimachine.yaml"))
	fixedSha := sha256Hex(readRepoFile(t, "LICENSE")) // stands in for the downloaded asset

	for _, tag := range []string{manifest.Spec.Version, "v9.8.7", "v1.0.0-rc.1"} {
		t.Run(tag, func(t *testing.T) {
			var urls []string
			rendered := decodePlugin(t, renderTemplate(t, tag, func(url string) string {
				urls = append(urls, url)
				return fixedSha
			}))
			checkManifest(t, rendered, tag)
			if len(urls) != len(releasePlatforms) {
				t.Errorf("addURIAndSha called %d times, want once per platform (%d)", len(urls), len(releasePlatforms))
			}
			for _, pl := range rendered.Spec.Platforms {
				if pl.Sha256 != fixedSha {
					t.Errorf("%s: sha256 = %q, want the one addURIAndSha returned", pl.osArch(), pl.Sha256)
				}
			}
			if !reflect.DeepEqual(withoutRelease(rendered), withoutRelease(manifest)) {
				t.Errorf(".krew.yaml rendered for %s differs from plugins/vitimachine.yaml beyond version/uri/sha256:\nrendered: %+v\nmanifest: %+v",
					tag, withoutRelease(rendered), withoutRelease(manifest))
			}
		})
	}
}

// withoutRelease clears what differs between releases: version, uri and sha256.
func withoutRelease(p plugin) plugin {
	p.Spec.Version = ""
	p.Spec.Platforms = append([]platform(nil), p.Spec.Platforms...)
	for i := range p.Spec.Platforms {
		p.Spec.Platforms[i].URI = ""
		p.Spec.Platforms[i].Sha256 = ""
	}
	return p
}

// TestManifestShaIsQuoted guards the YAML detail that strict decoding alone would hide for most
// values: an unquoted sha256 made only of digits is read as a number by YAML.
func TestManifestShaIsQuoted(t *testing.T) {
	lines := regexp.MustCompile(`(?m)^\s*sha256:.*$`).FindAllString(string(readRepoFile(t, "plugins/vitimachine.yaml")), -1)
	if len(lines) != len(releasePlatforms) {
		t.Fatalf("%d sha256 lines, want %d", len(lines), len(releasePlatforms))
	}
	quoted := regexp.MustCompile(`^\s*sha256: "[a-f0-9]{64}"$`)
	for _, l := range lines {
		if !quoted.MatchString(l) {
			t.Errorf("sha256 line %q: want the value in double quotes", l)
		}
	}
}
