package printer_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/nssync"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
)

func TestReportPlainAndColoured(t *testing.T) {
	rows := []printer.Row{
		{Machine: "a/web", Cluster: "kv-1", Object: "namespace/a", Action: pipeline.Created},
		{Machine: "a/web", Cluster: "kv-1", Object: "virtualmachine.kubevirt.io/vm-web", Action: pipeline.Failed, Message: "boom"},
	}
	var plain bytes.Buffer
	if err := printer.Report(&plain, rows, printer.NewPalette(false)); err != nil {
		t.Fatal(err)
	}
	want := "MACHINE  CLUSTER  OBJECT                             ACTION\n" +
		"a/web    kv-1     namespace/a                        created\n" +
		"a/web    kv-1     virtualmachine.kubevirt.io/vm-web  error: boom\n"
	if plain.String() != want {
		t.Errorf("plain:\n%q\nwant\n%q", plain.String(), want)
	}
	var col bytes.Buffer
	if err := printer.Report(&col, rows, printer.NewPalette(true)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(col.String(), "\x1b[32mcreated\x1b[0m") || !strings.Contains(col.String(), "\x1b[31merror: boom\x1b[0m") {
		t.Errorf("coloured:\n%q", col.String())
	}
}

func TestSummary(t *testing.T) {
	var b bytes.Buffer
	_ = printer.Summary(&b, pipeline.Summary{Created: 3, Unchanged: 1})
	_ = printer.Summary(&b, pipeline.Summary{Created: 2, Differs: 1, Skipped: 2, Failed: 1, DryRun: "server"})
	want := "3 created, 1 unchanged, 0 failed\n2 to create, 0 unchanged, 1 differ, 2 skipped, 1 failed (dry run: server)\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}

func TestListName(t *testing.T) {
	var b bytes.Buffer
	_ = printer.List(&b, "name", nil, []string{"namespace/a", "virtualmachine.kubevirt.io/vm-a"})
	if b.String() != "namespace/a\nvirtualmachine.kubevirt.io/vm-a\n" {
		t.Errorf("%q", b.String())
	}
	b.Reset()
	_ = printer.List(&b, "yaml", nil, nil)
	if b.String() != "apiVersion: v1\nitems: []\nkind: List\nmetadata: {}\n" {
		t.Errorf("%q", b.String())
	}
}

func TestNSSyncTable(t *testing.T) {
	r := &nssync.Report{OrphansChecked: true,
		Namespaces: []nssync.NamespaceResult{
			{Cluster: "kv-1", Namespace: "a", Machines: []string{"m1", "m2", "m3", "m4", "m5"}, Action: pipeline.Created},
			{Cluster: "kv-2", Namespace: "b", Machines: []string{"x"}, Action: pipeline.Failed, Message: "list namespaces: forbidden"},
		},
		Orphans: []nssync.Orphan{{Cluster: "kv-1", Namespace: "old"}},
		Summary: nssync.Summary{Created: 1, Failed: 1, Orphans: 1},
	}
	var b bytes.Buffer
	if err := printer.NSSync(&b, r, printer.NewPalette(false)); err != nil {
		t.Fatal(err)
	}
	want := "CLUSTER  NAMESPACE  MACHINES      ACTION\n" +
		"kv-1     a          m1,m2,m3(+2)  created\n" +
		"kv-2     b          x             error: list namespaces: forbidden\n" +
		"\nOrphaned namespaces: managed by the plugin, but no Machine needs them any more (never deleted):\n" +
		"CLUSTER  NAMESPACE\nkv-1     old\n" +
		"1 created, 0 exist, 1 failed, 1 orphaned\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
