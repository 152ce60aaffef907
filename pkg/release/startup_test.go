package release

import (
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// heavyPackage is a package that must not be linked into the plugin, with why: Go runs the
// package initialisation of everything linked before main, so whatever is linked runs on every
// --help and every <TAB> (__complete), whichever command is asked for.
type heavyPackage struct {
	path   string // import path; with a trailing "/", every package under it
	reason string
}

// matches tells whether pkg is h's package, or under it.
func (h heavyPackage) matches(pkg string) bool {
	return pkg == h.path || (strings.HasSuffix(h.path, "/") && strings.HasPrefix(pkg, h.path))
}

// heavyPackages are what kept package initialisation at ~28 ms and the binary at 30 MiB before
// #26. The plugin reaches every API through the dynamic client and unstructured objects, the
// Machine types of vitistack/common and KubeVirt's API types; it needs none of these.
func heavyPackages() []heavyPackage {
	return []heavyPackage{
		{"k8s.io/client-go/kubernetes/scheme", "registers every built-in API group at init (~670 KB, ~5,600 allocations); use the dynamic client or a local scheme built on first use"},
		{"k8s.io/client-go/kubernetes", "the typed clientset links every built-in API group and its scheme; use the dynamic client or rest"},
		{"k8s.io/client-go/kubernetes/typed/", "typed clients pull in client-go's kubernetes/scheme; use the dynamic client"},
		{"k8s.io/client-go/applyconfigurations/", "generated apply configurations of every built-in type; the plugin writes with unstructured objects"},
		{"k8s.io/cli-runtime/pkg/genericclioptions", "links cli-runtime's resource builder, kustomize, discovery and kubernetes/scheme; pkg/cmd.ConfigFlags has the same flags"},
		{"k8s.io/cli-runtime/pkg/resource", "kubectl's resource builder: kustomize, OpenAPI and kubernetes/scheme"},
		{"k8s.io/cli-runtime/pkg/printers", "kubectl's printers pull in kubernetes/scheme; pkg/printer prints"},
		{"sigs.k8s.io/kustomize/", "kustomize and its embedded OpenAPI schema (megabytes of binary)"},
		{"k8s.io/client-go/discovery", "discovery links gnostic's OpenAPI models and protobuf descriptors; the plugin knows its resources"},
		{"k8s.io/client-go/restmapper", "needs discovery; the plugin knows its resources"},
		{"k8s.io/client-go/openapi", "OpenAPI documents and their models"},
		{"github.com/google/gnostic-models/", "OpenAPI v2/v3 protobuf models, their descriptors registered at init"},
		{"google.golang.org/protobuf/types/descriptorpb", "protobuf's descriptor of descriptors, built at init (the single largest init clock before #26)"},
		{"k8s.io/kube-openapi/pkg/validation/", "OpenAPI schemas and validation (kustomize's, cli-runtime's)"},
		{"k8s.io/kube-openapi/pkg/util/proto", "OpenAPI models over gnostic"},
		{"k8s.io/kube-openapi/pkg/spec3", "OpenAPI v3 types"},
		{"sigs.k8s.io/structured-merge-diff/v6/typed", "server-side-apply type schemas built at init (~1,800 allocations); only its value package is needed"},
		{"sigs.k8s.io/structured-merge-diff/v6/merge", "server-side-apply merging, over its typed package"},
		{"k8s.io/apimachinery/pkg/util/managedfields", "managed-fields tracking, over structured-merge-diff's typed package"},
	}
}

// TestNoHeavyPackagesOnTheStartupPath fails when a package of heavyPackages is linked into the
// plugin, naming who imports it. `go list -deps` of the main package is exactly what is linked,
// hence what initialises on every start; the figures (init bytes, allocations, clock) are
// reported by `make bench` (BenchmarkStartup), not asserted here.
func TestNoHeavyPackagesOnTheStartupPath(t *testing.T) {
	list := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./cmd/kubectl-vitimachine")
	list.Dir = repoRoot(t)
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	importers := map[string][]string{} // package -> the linked packages that import it
	linked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		linked++
		if _, ok := importers[fields[0]]; !ok {
			importers[fields[0]] = nil
		}
		for _, imp := range fields[1:] {
			importers[imp] = append(importers[imp], fields[0])
		}
	}
	if linked < 50 {
		t.Fatalf("go list -deps listed %d packages: not the plugin's dependencies?\n%s", linked, out)
	}
	pkgs := slices.Sorted(maps.Keys(importers))
	for _, h := range heavyPackages() {
		for _, pkg := range pkgs {
			if h.matches(pkg) {
				t.Errorf("%s is linked into the plugin (imported by %s): %s", pkg, strings.Join(importers[pkg], ", "), h.reason)
			}
		}
	}
}

// TestHeavyPackageGuardSeesItsPackages makes sure the guard can fail: a program that imports a
// listed package has it in its `go list -deps`.
func TestHeavyPackageGuardSeesItsPackages(t *testing.T) {
	list := exec.Command("go", "list", "-deps", "k8s.io/cli-runtime/pkg/genericclioptions")
	list.Dir = repoRoot(t)
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	found := 0
	for _, h := range heavyPackages() {
		for _, pkg := range deps {
			if h.matches(pkg) {
				found++
				break
			}
		}
	}
	if found < 10 {
		t.Errorf("only %d of the %d heavy packages found among genericclioptions' dependencies: the guard's paths are stale", found, len(heavyPackages()))
	}
}
