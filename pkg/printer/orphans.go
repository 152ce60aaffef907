package printer

import (
	"io"
	"strings"
	"time"

	"github.com/vitistack/kubectl-vitimachine/pkg/orphans"
)

// OrphansColumns say which columns orphans's table has.
type OrphansColumns struct {
	// Wide adds DETAIL: why each object is an orphan.
	Wide bool
	Now  func() time.Time
}

// Orphans prints orphans's table: KIND, CLUSTER, NAMESPACE, NAME, AGE, (DETAIL,) FIX.
func Orphans(w io.Writer, list []orphans.Orphan, c OrphansColumns, p Palette) error {
	header := []string{"KIND", "CLUSTER", "NAMESPACE", "NAME", "AGE"}
	if c.Wide {
		header = append(header, "DETAIL")
	}
	header = append(header, "FIX")
	rows := [][]string{header}
	for _, o := range list {
		r := []string{o.Kind, o.Cluster, o.Namespace, o.Name, age(o.Created, c.Now)}
		if c.Wide {
			r = append(r, o.Detail)
		}
		rows = append(rows, append(r, o.Fix))
	}
	widths := make([]int, len(header))
	for _, r := range rows {
		for i, cell := range r {
			widths[i] = max(widths[i], len([]rune(cell)))
		}
	}
	var b strings.Builder
	for n, r := range rows {
		for i, cell := range r {
			text := cell
			if n > 0 && i == 0 {
				text = p.Yellow.Sprint(cell)
			}
			b.WriteString(text)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-len([]rune(cell))) + statusGap)
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// orphansDocument is -o json|yaml: {"items": [...], "unreadable": [...]}, both always present.
type orphansDocument struct {
	Items      []orphanItem     `json:"items"`
	Unreadable []unreadableItem `json:"unreadable"`
}

type orphanItem struct {
	Kind      string    `json:"kind"`
	Cluster   string    `json:"cluster"`
	Namespace string    `json:"namespace"`
	Name      string    `json:"name"`
	Age       string    `json:"age"`
	Created   time.Time `json:"created"`
	Detail    string    `json:"detail"`
	Fix       string    `json:"fix"`
}

type unreadableItem struct {
	Cluster string `json:"cluster"`
	Error   string `json:"error"`
}

// OrphansStructured prints the report as JSON or YAML.
func OrphansStructured(w io.Writer, format string, r *orphans.Report, now func() time.Time) error {
	doc := orphansDocument{Items: []orphanItem{}, Unreadable: []unreadableItem{}}
	for _, o := range r.Orphans {
		doc.Items = append(doc.Items, orphanItem{Kind: o.Kind, Cluster: o.Cluster, Namespace: o.Namespace, Name: o.Name,
			Age: age(o.Created, now), Created: o.Created, Detail: o.Detail, Fix: o.Fix})
	}
	for _, u := range r.Unreadable {
		doc.Unreadable = append(doc.Unreadable, unreadableItem{Cluster: u.Cluster, Error: u.Error})
	}
	return structured(w, format, doc)
}
