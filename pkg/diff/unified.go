package diff

import (
	"fmt"
	"strings"
)

// Line is one line of a unified diff: Op is ' ', '-' or '+'.
type Line struct {
	Op   byte
	Text string
}

// Unified is a diff between two texts with its header names.
type Unified struct {
	From, To string
	Hunks    [][]Line

	ops    []Line
	starts []int
}

// Empty reports whether the texts were equal.
func (u Unified) Empty() bool { return len(u.Hunks) == 0 }

// context is the number of unchanged lines shown around a change, as in diff -u.
const context = 3

// Lines diffs two texts line by line (longest common subsequence) and groups the result into hunks
// with three lines of context, as diff -u does.
func Lines(from, to, a, b string) Unified {
	ops := lcsDiff(splitLines(a), splitLines(b))
	u := Unified{From: from, To: to}
	var changes []int
	for i, op := range ops {
		if op.Op != ' ' {
			changes = append(changes, i)
		}
	}
	for len(changes) > 0 {
		first, last := changes[0], changes[0]
		k := 1
		for ; k < len(changes) && changes[k]-last <= 2*context; k++ {
			last = changes[k]
		}
		changes = changes[k:]
		u.Hunks = append(u.Hunks, ops[max(first-context, 0):min(last+context+1, len(ops))])
		u.starts = append(u.starts, max(first-context, 0))
		u.ops = ops
	}
	return u
}

// header is the "@@ -l,s +l,s @@" line of hunk h.
func (u Unified) header(h int) string {
	aLine, bLine := 1, 1
	for _, op := range u.ops[:u.starts[h]] {
		if op.Op != '+' {
			aLine++
		}
		if op.Op != '-' {
			bLine++
		}
	}
	aLen, bLen := 0, 0
	for _, op := range u.Hunks[h] {
		if op.Op != '+' {
			aLen++
		}
		if op.Op != '-' {
			bLen++
		}
	}
	if aLen == 0 {
		aLine--
	}
	if bLen == 0 {
		bLine--
	}
	return fmt.Sprintf("@@ -%d,%d +%d,%d @@", aLine, aLen, bLine, bLen)
}

// String renders the diff in unified format, without colour.
func (u Unified) String() string {
	if u.Empty() {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "--- %s\n+++ %s\n", u.From, u.To)
	for i, h := range u.Hunks {
		b.WriteString(u.header(i))
		b.WriteByte('\n')
		for _, l := range h {
			b.WriteByte(l.Op)
			b.WriteString(l.Text)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// lcsDiff returns the edit script from a to b. Objects are small (a VM is about a hundred lines), so
// the quadratic table is cheap.
func lcsDiff(a, b []string) []Line {
	n, m := len(a), len(b)
	t := make([][]int, n+1)
	for i := range t {
		t[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	var out []Line
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			out = append(out, Line{' ', a[i]})
			i++
			j++
		case t[i+1][j] >= t[i][j+1]:
			out = append(out, Line{'-', a[i]})
			i++
		default:
			out = append(out, Line{'+', b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, Line{'-', a[i]})
	}
	for ; j < m; j++ {
		out = append(out, Line{'+', b[j]})
	}
	return out
}
