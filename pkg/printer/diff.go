package printer

import (
	"io"
	"strings"

	"github.com/vitistack/kubectl-vitimachine/pkg/diff"
)

// Diff prints a unified diff, colouring removed lines red, added lines green and hunk headers cyan.
func Diff(w io.Writer, u diff.Unified, p Palette) error {
	for _, line := range strings.SplitAfter(u.String(), "\n") {
		if line == "" {
			continue
		}
		var err error
		switch {
		case strings.HasPrefix(line, "---") || strings.HasPrefix(line, "+++"):
			_, err = p.Bold.Fprint(w, line)
		case strings.HasPrefix(line, "@@"):
			_, err = p.Cyan.Fprint(w, line)
		case line[0] == '-':
			_, err = p.Red.Fprint(w, line)
		case line[0] == '+':
			_, err = p.Green.Fprint(w, line)
		default:
			_, err = io.WriteString(w, line)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
