package bench

import (
	"bytes"
	"cmp"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startupPairs is how many A/B pairs each start-up ratio is the median of.
const startupPairs = 25

// startupKubeconfig is a kubeconfig as a user has one: a cluster, a user with a token, a context.
// Nothing here contacts the server: --help, __complete of the commands and `kubectl version
// --client` read no cluster.
const startupKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: supervisor
  cluster:
    server: https://127.0.0.1:6443
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: not-a-real-token
contexts:
- name: supervisor
  context:
    cluster: supervisor
    user: admin
    namespace: default
current-context: supervisor
`

// BenchmarkStartup measures start-up the way a user meets it: `kubectl-vitimachine --help` and
// `__complete ""` (what every <TAB> runs), each paired with `kubectl version --client` and run
// alternately A/B then B/A, with HOME and KUBECONFIG set to a user's kubeconfig; it reports the
// median of the per-pair ratios, the package initialisation of --help summed from
// GODEBUG=inittrace=1 (bytes and allocations are deterministic, the clock is not), the release
// binary's size, and prints the ten packages that contribute most to the binary.
func BenchmarkStartup(b *testing.B) {
	if shared == nil || shared.kubectl == "" {
		b.Skip("plugin or kubectl not built")
	}
	home := filepath.Join(shared.dir, "home")
	kubeconfig := filepath.Join(home, ".kube", "config")
	if err := os.MkdirAll(filepath.Dir(kubeconfig), 0o700); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(kubeconfig, []byte(startupKubeconfig), 0o600); err != nil {
		b.Fatal(err)
	}
	env := []string{"HOME=" + home, "KUBECONFIG=" + kubeconfig, "PATH=" + os.Getenv("PATH")}
	run := func(name string, args ...string) time.Duration {
		start := time.Now()
		cmd := exec.Command(name, args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return time.Since(start)
	}
	kubectl := func() time.Duration { return run(shared.kubectl, "version", "--client") }
	help := func() time.Duration { return run(shared.plugin, "--help") }
	complete := func() time.Duration { return run(shared.plugin, "__complete", "") }
	var helpMs, completeMs, kubectlMs, helpRatio, completeRatio []float64
	for b.Loop() {
		for i := range startupPairs {
			for _, p := range []struct {
				plugin func() time.Duration
				ms     *[]float64
				ratio  *[]float64
			}{{help, &helpMs, &helpRatio}, {complete, &completeMs, &completeRatio}} {
				var a, k time.Duration
				if i%2 == 0 {
					a, k = p.plugin(), kubectl()
				} else {
					k, a = kubectl(), p.plugin()
				}
				*p.ms = append(*p.ms, ms(a))
				kubectlMs = append(kubectlMs, ms(k))
				*p.ratio = append(*p.ratio, float64(a)/float64(k))
			}
		}
	}
	b.ReportMetric(median(helpMs), "help-ms")
	b.ReportMetric(median(completeMs), "complete-ms")
	b.ReportMetric(median(kubectlMs), "kubectl-ms")
	b.ReportMetric(median(helpRatio), "help-ratio")
	b.ReportMetric(median(completeRatio), "complete-ratio")
	b.ReportMetric(float64(len(helpRatio)), "pairs")

	initMs, initBytes, initAllocs := initTrace(b, env)
	b.ReportMetric(initMs, "init-ms")
	b.ReportMetric(initBytes, "init-bytes")
	b.ReportMetric(initAllocs, "init-allocs")

	fi, err := os.Stat(shared.plugin)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fi.Size())/(1<<20), "binary-MiB")
	for _, p := range largestPackages(b, 10) {
		// One line per package on standard output, for hack/benchreport.
		fmt.Printf("startup-package %s %d\n", p.name, p.size)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	return s[len(s)/2]
}

// initLine is one line of GODEBUG=inittrace=1: "init pkg @0.5 ms, 0.29 ms clock, 67272 bytes, 405 allocs".
var initLine = regexp.MustCompile(`^init \S+ @[\d.]+ ms, ([\d.]+) ms clock, (\d+) bytes, (\d+) allocs`)

// initTrace runs --help with GODEBUG=inittrace=1 several times and sums each run's package
// initialisation: the median clock, and the bytes and allocations (the same every run).
func initTrace(b *testing.B, env []string) (clockMs, bytesTotal, allocs float64) {
	var clocks []float64
	for range 11 {
		cmd := exec.Command(shared.plugin, "--help")
		cmd.Env = append(slices.Clone(env), "GODEBUG=inittrace=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			b.Fatalf("--help with inittrace: %v\n%s", err, stderr.Bytes())
		}
		var c, by, al float64
		for _, l := range strings.Split(stderr.String(), "\n") {
			m := initLine.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			x, _ := strconv.ParseFloat(m[1], 64)
			y, _ := strconv.ParseFloat(m[2], 64)
			z, _ := strconv.ParseFloat(m[3], 64)
			c, by, al = c+x, by+y, al+z
		}
		if by == 0 {
			b.Fatalf("GODEBUG=inittrace=1 printed no init line:\n%s", stderr.Bytes())
		}
		clocks = append(clocks, c)
		bytesTotal, allocs = by, al
	}
	return median(clocks), bytesTotal, allocs
}

// pkgSize is a package's contribution to the binary: the sizes of its symbols.
type pkgSize struct {
	name string
	size int64
}

// largestPackages builds the plugin with its symbol table (the release build strips it, which
// changes no code or data size) and sums its symbols' sizes by package, leaving out zeroed data
// (sections that take no room in the file). ELF only: elsewhere it lists nothing.
func largestPackages(b *testing.B, n int) []pkgSize {
	bin := filepath.Join(shared.dir, "kubectl-vitimachine.syms")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/kubectl-vitimachine")
	build.Dir = filepath.Join("..", "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		b.Logf("no package sizes: %v", err)
		return nil
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		b.Fatalf("symbols of %s: %v", bin, err)
	}
	sizes := map[string]int64{}
	for _, sym := range syms {
		if sym.Size == 0 || int(sym.Section) >= len(f.Sections) || f.Sections[sym.Section].Type == elf.SHT_NOBITS {
			continue
		}
		sizes[symbolPackage(sym.Name)] += int64(sym.Size)
	}
	var list []pkgSize
	for name, size := range sizes {
		list = append(list, pkgSize{name, size})
	}
	slices.SortFunc(list, func(a, b pkgSize) int { return cmp.Or(cmp.Compare(b.size, a.size), strings.Compare(a.name, b.name)) })
	return list[:min(n, len(list))]
}

// symbolPackage is the package of a Go symbol: "k8s.io/api/core/v1.(*Pod).Marshal" gives
// "k8s.io/api/core/v1". The linker's own data (type descriptors "type:…", strings and function
// tables "go:…") is grouped by its prefix, "type:*" and "go:*".
func symbolPackage(sym string) string {
	if prefix, _, ok := strings.Cut(sym, ":"); ok && !strings.ContainsAny(prefix, "/.") {
		return prefix + ":*"
	}
	head, _, _ := strings.Cut(sym, "[") // a generic instance's type arguments name other packages
	slash := strings.LastIndex(head, "/")
	if dot := strings.Index(head[slash+1:], "."); dot >= 0 {
		return head[:slash+1+dot]
	}
	return head
}
