package printer

import (
	"fmt"
	"io"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/status"
)

// StatusColumns choose the columns of status's table.
type StatusColumns struct {
	// AllNamespaces puts NAMESPACE first (-A).
	AllNamespaces bool
	// Wide adds NODE, PHASE (the Machine's own status.phase) and DRIFT after AGE, as kubectl's
	// -o wide appends its columns.
	Wide bool
	// Now is the time AGE is measured from.
	Now func() time.Time
}

// Tone is how a cell is coloured on a terminal.
type Tone int

// Tones.
const (
	Plain Tone = iota
	// Good: running.
	Good
	// Busy: on its way somewhere (provisioning, starting, migrating, …), or drifted.
	Busy
	// Bad: a failure, or a cluster that could not be read.
	Bad
)

// Cell is one table cell: its text and its tone.
type Cell struct {
	Text string
	Tone Tone
}

// StatusTable is the model of status's table: what each cell says, without colour codes.
type StatusTable struct {
	Header []string
	Rows   [][]Cell
}

// Placeholders, as kubectl prints them.
const (
	none    = "<none>"
	unknown = "<unknown>"
)

// NewStatusTable builds the table of rows.
func NewStatusTable(rows []status.Row, c StatusColumns) StatusTable {
	t := StatusTable{Header: []string{"MACHINE", "CLUSTER", "VM", "STATUS", "READY", "DISKS", "IP", "AGE"}}
	if c.AllNamespaces {
		t.Header = append([]string{"NAMESPACE"}, t.Header...)
	}
	if c.Wide {
		t.Header = append(t.Header, "NODE", "PHASE", "DRIFT", "MIGRATION")
	}
	for _, r := range rows {
		t.Rows = append(t.Rows, StatusCells(r, c))
	}
	return t
}

// StatusCells are the cells of one row.
func StatusCells(r status.Row, c StatusColumns) []Cell {
	vm, ready, disks, ip, node, drift, migration := none, "False", fmt.Sprintf("%d/%d", bound(r), len(r.PVCs)), or(r.IP(), none), none, "-", none
	if r.VM != nil {
		vm = r.VM.Name
		if r.VM.Ready {
			ready = "True"
		}
	}
	if r.VMI != nil {
		node = or(r.VMI.Node, none)
		migration = or(r.VMI.Migration, none)
	}
	switch r.Drift {
	case status.DriftNo:
		drift = "no"
	case status.DriftYes:
		drift = "yes"
	case status.DriftUnknown:
		drift = unknown
	case status.DriftNotChecked, status.DriftNone:
	}
	if r.Error != "" {
		vm, ready, disks, ip, node, drift, migration = unknown, unknown, unknown, unknown, unknown, unknown, unknown
	}
	st := or(r.Status(), none)
	cells := []Cell{{Text: r.Machine}, {Text: or(r.Cluster, none)}, {Text: vm}, {Text: st, Tone: statusTone(r)},
		{Text: ready}, {Text: disks}, {Text: ip}, {Text: age(r.Created, c.Now)}}
	if c.AllNamespaces {
		cells = append([]Cell{{Text: r.Namespace}}, cells...)
	}
	if c.Wide {
		tone := Plain
		if r.Drift == status.DriftYes {
			tone = Busy
		}
		cells = append(cells, Cell{Text: node}, Cell{Text: or(r.Phase, none)}, Cell{Text: drift, Tone: tone}, Cell{Text: migration})
	}
	return cells
}

func bound(r status.Row) int {
	b, _ := r.Disks()
	return b
}

func or(s, placeholder string) string {
	if s == "" {
		return placeholder
	}
	return s
}

func age(t time.Time, now func() time.Time) string {
	if t.IsZero() || now == nil {
		return unknown
	}
	return duration.HumanDuration(now().Sub(t))
}

// VM printable statuses by tone; any other status is Busy (on its way), except Stopped and
// NotProvisioned, which are plain. Bad are the statuses --wait stops on, and two more.
var (
	goodStatuses  = map[string]bool{pipeline.Running: true}
	badStatuses   = setOf(append([]string{"ErrorDataVolumeNotFound", "Unknown"}, pipeline.TerminalStatuses...))
	plainStatuses = map[string]bool{"Stopped": true, status.NotProvisioned: true, "": true}
)

func setOf(values []string) map[string]bool {
	out := make(map[string]bool, len(values))
	for _, v := range values {
		out[v] = true
	}
	return out
}

func statusTone(r status.Row) Tone {
	s := r.Status()
	switch {
	case r.Error != "" || badStatuses[s]:
		return Bad
	case goodStatuses[s]:
		return Good
	case plainStatuses[s]:
		return Plain
	}
	return Busy
}

// statusGap separates columns, as in kubectl's tables.
const statusGap = "   "

// StatusPrinter prints status's table and, after it, -w's lines in the table's columns.
type StatusPrinter struct {
	w       io.Writer
	columns StatusColumns
	palette Palette
	widths  []int
}

// NewStatusPrinter prints to w with columns c, coloured with p.
func NewStatusPrinter(w io.Writer, c StatusColumns, p Palette) *StatusPrinter {
	return &StatusPrinter{w: w, columns: c, palette: p}
}

// Table prints the header and one line per row, aligned; the widths are kept for Line.
func (sp *StatusPrinter) Table(rows []status.Row) error {
	t := NewStatusTable(rows, sp.columns)
	sp.widths = make([]int, len(t.Header))
	for i, h := range t.Header {
		sp.widths[i] = len(h)
	}
	for _, r := range t.Rows {
		for i, c := range r {
			sp.widths[i] = max(sp.widths[i], len([]rune(c.Text)))
		}
	}
	header := make([]Cell, len(t.Header))
	for i, h := range t.Header {
		header[i] = Cell{Text: h}
	}
	if err := sp.print(header); err != nil {
		return err
	}
	for _, r := range t.Rows {
		if err := sp.print(r); err != nil {
			return err
		}
	}
	return nil
}

// Line prints one row in the columns of the table printed before (a longer cell pushes the rest
// of its line, as kubectl get -w does).
func (sp *StatusPrinter) Line(r status.Row) error {
	return sp.print(StatusCells(r, sp.columns))
}

func (sp *StatusPrinter) print(cells []Cell) error {
	var b strings.Builder
	for i, c := range cells {
		b.WriteString(sp.tone(c))
		if i == len(cells)-1 {
			break
		}
		if i < len(sp.widths) {
			b.WriteString(strings.Repeat(" ", max(sp.widths[i]-len([]rune(c.Text)), 0)))
		}
		b.WriteString(statusGap)
	}
	b.WriteString("\n")
	_, err := io.WriteString(sp.w, b.String())
	return err
}

func (sp *StatusPrinter) tone(c Cell) string {
	switch c.Tone {
	case Good:
		return sp.palette.Green.Sprint(c.Text)
	case Busy:
		return sp.palette.Yellow.Sprint(c.Text)
	case Bad:
		return sp.palette.Red.Sprint(c.Text)
	case Plain:
	}
	return c.Text
}

// statusDocument is -o json|yaml: {"items": [...]}, every key always present.
type statusDocument struct {
	Items []statusItem `json:"items"`
}

type statusItem struct {
	Machine statusMachine `json:"machine"`
	Cluster string        `json:"cluster"`
	VM      *statusVM     `json:"vm"`
	VMI     *statusVMI    `json:"vmi"`
	PVCs    []statusPVC   `json:"pvcs"`
	Error   string        `json:"error"`
}

type statusMachine struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

type statusVM struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Ready  bool   `json:"ready"`
}

type statusVMI struct {
	Phase string   `json:"phase"`
	Node  string   `json:"node"`
	IPs   []string `json:"ips"`
}

type statusPVC struct {
	Name  string `json:"name"`
	Phase string `json:"phase"`
}

func newStatusItem(r status.Row) statusItem {
	it := statusItem{Machine: statusMachine{Namespace: r.Namespace, Name: r.Machine}, Cluster: r.Cluster, PVCs: []statusPVC{}, Error: r.Error}
	if r.VM != nil {
		it.VM = &statusVM{Name: r.VM.Name, Status: r.VM.Status, Ready: r.VM.Ready}
	}
	if r.VMI != nil {
		it.VMI = &statusVMI{Phase: r.VMI.Phase, Node: r.VMI.Node, IPs: append([]string{}, r.VMI.IPs...)}
	}
	for _, p := range r.PVCs {
		it.PVCs = append(it.PVCs, statusPVC(p))
	}
	return it
}

// StatusStructured prints the rows as {"items": [...]} in json or yaml: per item the Machine
// (namespace, name), the cluster (as Row.Cluster), the vm (null without one), the vmi (null without
// one), the pvcs and the error ("" when the cluster was read).
func StatusStructured(w io.Writer, format string, rows []status.Row) error {
	doc := statusDocument{Items: []statusItem{}}
	for _, r := range rows {
		doc.Items = append(doc.Items, newStatusItem(r))
	}
	return structured(w, format, doc)
}

// StatusItem prints one row as an item of StatusStructured, for -w: in yaml as its own document
// (after "---").
func StatusItem(w io.Writer, format string, r status.Row) error {
	if format == "yaml" {
		if _, err := io.WriteString(w, "---\n"); err != nil {
			return err
		}
	}
	return structured(w, format, newStatusItem(r))
}
