package printer_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/diff"
	"github.com/vitistack/kubectl-vitimachine/pkg/nssync"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
)

func TestReportPlainAndColoured(t *testing.T) {
	rows := []printer.Row{
		{Machine: "a/web", Cluster: "kv-1", Object: "namespace/a", Action: plan.Created},
		{Machine: "a/web", Cluster: "kv-1", Object: "virtualmachine.kubevirt.io/vm-web", Action: plan.Failed, Message: "boom"},
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
	_ = printer.Summary(&b, plan.Summary{Created: 3, Unchanged: 1})
	_ = printer.Summary(&b, plan.Summary{Created: 2, Differs: 1, Skipped: 2, Failed: 1, DryRun: "server"})
	want := "3 created, 1 unchanged, 0 failed\n2 to create, 0 unchanged, 1 differ, 2 skipped, 1 failed (dry run: server)\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}

func TestDeletionSummary(t *testing.T) {
	var b bytes.Buffer
	_ = printer.DeletionSummary(&b, plan.Summary{Deleted: 2, NotFound: 1, Kept: 1})
	_ = printer.DeletionSummary(&b, plan.Summary{Deleted: 3, Kept: 2, Terminating: 1, Skipped: 2, Failed: 1, DryRun: "server"})
	want := "2 deleted, 1 not found, 1 kept, 0 failed\n3 to delete, 0 not found, 2 kept, 1 terminating, 2 skipped, 1 failed (dry run: server)\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}

func TestDeletionActionsColoured(t *testing.T) {
	rows := []printer.Row{
		{Machine: "a/web", Cluster: "kv-1", Object: "virtualmachine.kubevirt.io/vm-web", Action: plan.Deleted},
		{Machine: "a/web", Cluster: "kv-1", Object: "persistentvolumeclaim/vm-web-root-pvc", Action: plan.WouldDelete},
		{Machine: "a/web", Cluster: "kv-1", Object: "namespace/a", Action: plan.Kept, Message: "namespaces are never deleted"},
		{Machine: "a/web", Cluster: "kv-1", Object: "secret/vm-web-cloudinit", Action: plan.NotFound},
	}
	var col bytes.Buffer
	if err := printer.Report(&col, rows, printer.NewPalette(true)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\x1b[32mdeleted\x1b[0m", "\x1b[36mwould delete\x1b[0m", "\x1b[33mkept: namespaces are never deleted\x1b[0m", "  not found\n"} {
		if !strings.Contains(col.String(), want) {
			t.Errorf("no %q in\n%q", want, col.String())
		}
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
			{Cluster: "kv-1", Namespace: "a", Machines: []string{"m1", "m2", "m3", "m4", "m5"}, Action: plan.Created},
			{Cluster: "kv-2", Namespace: "b", Machines: []string{"x"}, Action: plan.Failed, Message: "list namespaces: forbidden"},
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

func TestDiffColours(t *testing.T) {
	u, err := diff.Object("kv-a/namespace/x", map[string]any{"kind": "Namespace", "metadata": map[string]any{"name": "x"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var plain, col bytes.Buffer
	if err := printer.Diff(&plain, u, printer.NewPalette(false)); err != nil {
		t.Fatal(err)
	}
	if plain.String() != u.String() {
		t.Errorf("plain diff differs from the unified text:\n%s", plain.String())
	}
	_ = printer.Diff(&col, u, printer.NewPalette(true))
	for _, want := range []string{"\x1b[1m--- live/kv-a/namespace/x", "\x1b[36m@@", "\x1b[32m+kind: Namespace"} {
		if !strings.Contains(col.String(), want) {
			t.Errorf("coloured diff lacks %q:\n%q", want, col.String())
		}
	}
}

func TestRowsFromPlans(t *testing.T) {
	ns := &plan.Item{Cluster: cluster.RemoteID("kv-a"), Resource: cluster.Namespaces, Name: "team", Action: plan.WouldCreate, Result: plan.Created}
	plans := []*pipeline.Plan{
		{Input: plan.Input{Machine: machine("team", "web")}, Target: target.Target{Cluster: cluster.NewFromDynamic(cluster.RemoteID("kv-a"), nil, "")}, Items: []*plan.Item{ns}},
		{Input: plan.Input{Machine: machine("team", "bad")}, Err: errors.New("boom")},
		{Input: plan.Input{Machine: machine("team", "px")}, SkipReason: "spec.provider is \"proxmox\", not kubevirt"},
	}
	got := printer.Rows(plans)
	machineRef := func(name string) printer.ObjectRef {
		return printer.ObjectRef{APIVersion: "vitistack.io/v1alpha1", Kind: "Machine", Namespace: "team", Name: name}
	}
	want := []printer.Row{
		{Machine: "team/web", Cluster: "kv-a", Object: "namespace/team", Action: plan.Created, Role: "remote", Ref: printer.ObjectRef{APIVersion: "v1", Kind: "Namespace", Name: "team"}},
		{Machine: "team/bad", Cluster: "<none>", Object: "machine.vitistack.io/bad", Action: plan.Failed, Message: "boom", Ref: machineRef("bad")},
		{Machine: "team/px", Cluster: "<none>", Object: "machine.vitistack.io/px", Action: plan.Skipped, Message: "spec.provider is \"proxmox\", not kubevirt", Ref: machineRef("px")},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows\n%v\nwant\n%v", got, want)
	}
	var out bytes.Buffer
	if err := printer.ReportStructured(&out, "json", got, plan.Summary{Created: 1, Failed: 1, Skipped: 1, DryRun: "client"}); err != nil {
		t.Fatal(err)
	}
	wantJSON := `{
    "dryRun": "client",
    "items": [
        {
            "machine": {
                "namespace": "team",
                "name": "web"
            },
            "cluster": "kv-a",
            "clusterRole": "remote",
            "object": {
                "apiVersion": "v1",
                "kind": "Namespace",
                "name": "team"
            },
            "action": "created"
        },
        {
            "machine": {
                "namespace": "team",
                "name": "bad"
            },
            "object": {
                "apiVersion": "vitistack.io/v1alpha1",
                "kind": "Machine",
                "namespace": "team",
                "name": "bad"
            },
            "action": "error",
            "message": "boom"
        },
        {
            "machine": {
                "namespace": "team",
                "name": "px"
            },
            "object": {
                "apiVersion": "vitistack.io/v1alpha1",
                "kind": "Machine",
                "namespace": "team",
                "name": "px"
            },
            "action": "skipped",
            "message": "spec.provider is \"proxmox\", not kubevirt"
        }
    ],
    "summary": {
        "created": 1,
        "annotated": 0,
        "updated": 0,
        "unchanged": 0,
        "differs": 0,
        "skipped": 1,
        "terminating": 0,
        "failed": 1,
        "deleted": 0,
        "notFound": 0,
        "kept": 0
    }
}
`
	if out.String() != wantJSON {
		t.Errorf("json:\n%s", out.String())
	}
}

func machine(ns, name string) *vitistackv1alpha1.Machine {
	return &vitistackv1alpha1.Machine{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
}

func TestNSSyncDryRunAndStructured(t *testing.T) {
	r := &nssync.Report{DryRun: "client",
		Namespaces: []nssync.NamespaceResult{{Cluster: "kv-1", Namespace: "a", Machines: []string{"m1"}, Action: plan.WouldCreate}},
		Unresolved: []nssync.MachineIssue{{Machine: "b/m2", Message: "no KubevirtConfig"}},
		Skipped:    []nssync.MachineIssue{{Machine: "c/m3", Message: "spec.provider is \"proxmox\", not kubevirt"}},
		Annotated:  []nssync.MachineIssue{{Machine: "a/m1", Message: "vitistack.io/kubevirt-config=kv-1 (chosen by only KubevirtConfig)"}},
		Summary:    nssync.Summary{Created: 1, Failed: 1, Skipped: 1},
	}
	var b bytes.Buffer
	if err := printer.NSSync(&b, r, printer.NewPalette(false)); err != nil {
		t.Fatal(err)
	}
	want := "CLUSTER  NAMESPACE  MACHINES  ACTION\n" +
		"kv-1     a          m1        would create\n" +
		"<none>   b          m2        error: no KubevirtConfig\n" +
		"skipped machine c/m3: spec.provider is \"proxmox\", not kubevirt\n" +
		"would record on machine a/m1: vitistack.io/kubevirt-config=kv-1 (chosen by only KubevirtConfig)\n" +
		"1 to create, 0 exist, 1 skipped, 1 failed, orphans not checked (Machines filtered by -n or -l) (dry run: client)\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := printer.NSSyncStructured(&b, "json", r); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || back["dryRun"] != "client" || back["summary"].(map[string]any)["created"] != 1.0 {
		t.Errorf("json %v: %s", err, b.String())
	}
	b.Reset()
	r.DryRun = ""
	_ = printer.NSSyncStructured(&b, "json", r)
	if !strings.HasPrefix(b.String(), "{\n    \"dryRun\": \"none\",\n    \"namespaces\"") {
		t.Errorf("a real run's JSON:\n%s", b.String())
	}
	b.Reset()
	_ = printer.List(&b, "json", []map[string]any{{"kind": "Namespace"}}, nil)
	if !strings.Contains(b.String(), "\"kind\": \"List\"") || !strings.HasSuffix(b.String(), "}\n") {
		t.Errorf("json list %q", b.String())
	}
}

// TestReportDataAlwaysSaysDryRun: every report says dryRun, "none" when writes were stored, as
// ns-sync's does.
func TestReportDataAlwaysSaysDryRun(t *testing.T) {
	var out bytes.Buffer
	if err := printer.ReportStructured(&out, "json", nil, plan.Summary{}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "{\n    \"dryRun\": \"none\",\n") {
		t.Errorf("report without a dry run:\n%s", out.String())
	}
}
