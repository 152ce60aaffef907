package printer_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
	"github.com/vitistack/kubectl-vitimachine/pkg/status"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func statusRows() []status.Row {
	return []status.Row{
		{Namespace: "team", Machine: "web", Cluster: "kv-a", Phase: "Running", Drift: status.DriftNo, Created: now.Add(-90 * time.Minute),
			VM: &status.VM{Name: "vm-web", Status: "Running", Ready: true}, VMI: &status.VMI{Phase: "Running", Node: "node-1", IPs: []string{"fe80::1", "10.0.0.5"}, Migration: "Succeeded"},
			PVCs: []status.PVC{{Name: "vm-web-data-pvc", Phase: "Pending"}, {Name: "vm-web-root-pvc", Phase: "Bound"}}},
		{Namespace: "team", Machine: "db", Cluster: "kv-a", Drift: status.DriftYes, Created: now.Add(-3 * 24 * time.Hour),
			VM: &status.VM{Name: "vm-db", Status: "ErrorUnschedulable"}},
		{Namespace: "team", Machine: "new", Cluster: "kv-a", Drift: status.DriftNone, Created: now.Add(-20 * time.Second)},
		{Namespace: "ops", Machine: "far", Cluster: "kv-b", Error: "cluster kv-b did not answer within --cluster-timeout=30s", Created: now.Add(-time.Hour)},
		{Namespace: "ops", Machine: "lost"},
	}
}

func TestStatusTablePlainWideAndColoured(t *testing.T) {
	clock := func() time.Time { return now }
	var plain bytes.Buffer
	if err := printer.NewStatusPrinter(&plain, printer.StatusColumns{Now: clock}, printer.NewPalette(false)).Table(statusRows()); err != nil {
		t.Fatal(err)
	}
	want := `MACHINE   CLUSTER   VM          STATUS                                                            READY       DISKS       IP          AGE
web       kv-a      vm-web      Running                                                           True        1/2         10.0.0.5    90m
db        kv-a      vm-db       ErrorUnschedulable                                                False       0/0         <none>      3d
new       kv-a      <none>      NotProvisioned                                                    False       0/0         <none>      20s
far       kv-b      <unknown>   error: cluster kv-b did not answer within --cluster-timeout=30s   <unknown>   <unknown>   <unknown>   60m
lost      <none>    <none>      NotProvisioned                                                    False       0/0         <none>      <unknown>
`
	if plain.String() != want {
		t.Errorf("plain:\n%s\nwant\n%s", plain.String(), want)
	}

	var wide bytes.Buffer
	sp := printer.NewStatusPrinter(&wide, printer.StatusColumns{AllNamespaces: true, Wide: true, Now: clock}, printer.NewPalette(false))
	if err := sp.Table(statusRows()[:3]); err != nil {
		t.Fatal(err)
	}
	// A -w line keeps the table's columns.
	if err := sp.Line(statusRows()[2]); err != nil {
		t.Fatal(err)
	}
	want = `NAMESPACE   MACHINE   CLUSTER   VM       STATUS               READY   DISKS   IP         AGE   NODE     PHASE     DRIFT   MIGRATION
team        web       kv-a      vm-web   Running              True    1/2     10.0.0.5   90m   node-1   Running   no      Succeeded
team        db        kv-a      vm-db    ErrorUnschedulable   False   0/0     <none>     3d    <none>   <none>    yes     <none>
team        new       kv-a      <none>   NotProvisioned       False   0/0     <none>     20s   <none>   <none>    -       <none>
team        new       kv-a      <none>   NotProvisioned       False   0/0     <none>     20s   <none>   <none>    -       <none>
`
	if wide.String() != want {
		t.Errorf("wide:\n%s\nwant\n%s", wide.String(), want)
	}

	var col bytes.Buffer
	if err := printer.NewStatusPrinter(&col, printer.StatusColumns{Wide: true, Now: clock}, printer.NewPalette(true)).Table(statusRows()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\x1b[32mRunning\x1b[0m", "\x1b[31mErrorUnschedulable\x1b[0m", "\x1b[31merror: cluster kv-b", "\x1b[33myes\x1b[0m"} {
		if !strings.Contains(col.String(), want) {
			t.Errorf("coloured table lacks %q:\n%q", want, col.String())
		}
	}
	// Colour codes do not shift the columns: without them, the text is the plain table.
	if strip(col.String()) != plainWide(t, clock) {
		t.Errorf("coloured columns differ from plain ones:\n%s", strip(col.String()))
	}
}

func plainWide(t *testing.T, clock func() time.Time) string {
	var b bytes.Buffer
	if err := printer.NewStatusPrinter(&b, printer.StatusColumns{Wide: true, Now: clock}, printer.NewPalette(false)).Table(statusRows()); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// strip removes ANSI colour codes.
func strip(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func TestStatusToneOfEachStatus(t *testing.T) {
	for s, want := range map[string]printer.Tone{"Running": printer.Good, "Stopped": printer.Plain, "Provisioning": printer.Busy,
		"Migrating": printer.Busy, "CrashLoopBackOff": printer.Bad, "DataVolumeError": printer.Bad, "ErrorPvcNotFound": printer.Bad} {
		cells := printer.StatusCells(status.Row{VM: &status.VM{Status: s}}, printer.StatusColumns{})
		if got := cells[3].Tone; got != want {
			t.Errorf("%s: tone %d, want %d", s, got, want)
		}
	}
}

// statusDoc is the documented -o json|yaml shape.
type statusDoc struct {
	Items []struct {
		Machine struct{ Namespace, Name string }
		Cluster string
		VM      *struct {
			Name, Status string
			Ready        bool
		}
		VMI *struct {
			Phase, Node string
			IPs         []string
		}
		PVCs  []struct{ Name, Phase string }
		Error string
	}
}

func TestStatusStructured(t *testing.T) {
	var b bytes.Buffer
	if err := printer.StatusStructured(&b, "json", statusRows()); err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Items []map[string]json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(b.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	// Every key is always there; absent objects are null, lists empty.
	for i, it := range raw.Items {
		for _, k := range []string{"machine", "cluster", "vm", "vmi", "pvcs", "error"} {
			if _, ok := it[k]; !ok {
				t.Errorf("item %d has no %q", i, k)
			}
		}
	}
	if s := string(raw.Items[2]["vm"]) + string(raw.Items[2]["vmi"]) + string(raw.Items[2]["pvcs"]); s != "nullnull[]" {
		t.Errorf("not provisioned: vm, vmi, pvcs = %s", s)
	}
	var doc statusDoc
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	web := doc.Items[0]
	if web.Machine.Namespace != "team" || web.Machine.Name != "web" || web.Cluster != "kv-a" || web.VM.Name != "vm-web" || web.VM.Status != "Running" ||
		!web.VM.Ready || web.VMI.Node != "node-1" || strings.Join(web.VMI.IPs, ",") != "fe80::1,10.0.0.5" || len(web.PVCs) != 2 ||
		web.PVCs[1].Name != "vm-web-root-pvc" || web.PVCs[1].Phase != "Bound" || web.Error != "" {
		t.Errorf("web: %+v", web)
	}
	if far := doc.Items[3]; far.Error != "cluster kv-b did not answer within --cluster-timeout=30s" || far.VM != nil {
		t.Errorf("far: %+v", far)
	}

	b.Reset()
	if err := printer.StatusStructured(&b, "yaml", nil); err != nil || b.String() != "items: []\n" {
		t.Errorf("empty yaml %q %v", b.String(), err)
	}
	b.Reset()
	if err := printer.StatusItem(&b, "yaml", statusRows()[2]); err != nil {
		t.Fatal(err)
	}
	var item map[string]any
	if !strings.HasPrefix(b.String(), "---\n") || yaml.Unmarshal(b.Bytes()[4:], &item) != nil || item["cluster"] != "kv-a" {
		t.Errorf("yaml item:\n%s", b.String())
	}
	b.Reset()
	if err := printer.StatusItem(&b, "json", statusRows()[0]); err != nil || !json.Valid(b.Bytes()) {
		t.Errorf("json item %v:\n%s", err, b.String())
	}
}
