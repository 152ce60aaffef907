package printer

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/vitistack/kubectl-vitimachine/pkg/doctor"
)

// Doctor prints the checks as a table, CHECK · CLUSTER · RESULT · DETAIL, the result coloured
// (green ok, yellow warn, red fail), and a summary line.
func Doctor(w io.Writer, r *doctor.Report, p Palette) error {
	// The table is laid out in plain text first and the results coloured afterwards, in place, so
	// that colour codes do not count as width.
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tCLUSTER\tRESULT\tDETAIL")
	for _, c := range r.Checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Check, c.Cluster, c.Result, c.Detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	lines := strings.SplitAfter(b.String(), "\n")
	at := strings.Index(lines[0], "RESULT")
	for i, c := range r.Checks {
		l := lines[i+1]
		n := len(c.Result)
		lines[i+1] = l[:at] + colorResult(p, c.Result) + l[at+n:]
	}
	if _, err := io.WriteString(w, strings.Join(lines, "")); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d ok, %d warn, %d fail\n", r.Count(doctor.OK), r.Count(doctor.Warn), r.Count(doctor.Fail))
	return err
}

func colorResult(p Palette, res doctor.Result) string {
	switch res {
	case doctor.OK:
		return p.Green.Sprint(res)
	case doctor.Warn:
		return p.Yellow.Sprint(res)
	case doctor.Fail:
	}
	return p.Red.Sprint(res)
}

// DoctorStructured prints the report as json or yaml: {"checks": [{"check", "cluster", "result", "detail"}]}.
func DoctorStructured(w io.Writer, format string, r *doctor.Report) error {
	return structured(w, format, r)
}
