// Command coverreport reads a Go coverage profile and prints statement coverage per package. It
// exits 1 when a package, other than the ones named as exempt, is below the minimum percentage.
//
//	go run ./hack/coverreport PROFILE MIN [EXEMPT-PACKAGE...]
package main

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
)

type block struct{ statements, hit int }

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: coverreport PROFILE MIN [EXEMPT...]")
		os.Exit(2)
	}
	minimum, err := strconv.ParseFloat(os.Args[2], 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "coverreport: MIN:", err)
		os.Exit(2)
	}
	exempt := os.Args[3:]
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "coverreport:", err)
		os.Exit(2)
	}
	defer f.Close()
	// With -coverpkg, each test binary reports every block; a block counts as covered when any
	// binary ran it.
	blocks := map[string]*block{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "mode:") {
			continue
		}
		// file.go:1.2,3.4 statements count
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		n, _ := strconv.Atoi(f[1])
		c, _ := strconv.Atoi(f[2])
		b := blocks[f[0]]
		if b == nil {
			b = &block{statements: n}
			blocks[f[0]] = b
		}
		if c > 0 {
			b.hit = 1
		}
	}
	type total struct{ statements, covered int }
	pkgs := map[string]*total{}
	for pos, b := range blocks {
		file, _, _ := strings.Cut(pos, ":")
		p := path.Dir(file)
		t := pkgs[p]
		if t == nil {
			t = &total{}
			pkgs[p] = t
		}
		t.statements += b.statements
		if b.hit > 0 {
			t.covered += b.statements
		}
	}
	names := make([]string, 0, len(pkgs))
	for p := range pkgs {
		names = append(names, p)
	}
	sort.Strings(names)
	failed := false
	fmt.Printf("%-62s %9s %7s\n", "PACKAGE", "STATEMENTS", "COVER")
	for _, p := range names {
		t := pkgs[p]
		pct := 100.0
		if t.statements > 0 {
			pct = 100 * float64(t.covered) / float64(t.statements)
		}
		mark := ""
		switch {
		case slices.Contains(exempt, p):
			mark = "  (exempt)"
		case pct < minimum:
			mark = fmt.Sprintf("  < %.0f%%", minimum)
			failed = true
		}
		fmt.Printf("%-62s %9d %6.1f%%%s\n", p, t.statements, pct, mark)
	}
	if failed {
		fmt.Fprintf(os.Stderr, "coverreport: packages under %.0f%% statement coverage from unit tests\n", minimum)
		os.Exit(1)
	}
}
