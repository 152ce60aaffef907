package printer_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/vitistack/kubectl-vitimachine/pkg/doctor"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
)

func doctorReport() *doctor.Report {
	return &doctor.Report{Checks: []doctor.Check{
		{Check: "server", Cluster: "supervisor", Result: doctor.OK, Detail: "v1.37.2 (client 1.37)"},
		{Check: "machines", Cluster: "supervisor", Result: doctor.Warn, Detail: "1 of 2 Machines carry the finalizer"},
		{Check: "crd virtualmachines.kubevirt.io", Cluster: "kv-1", Result: doctor.Fail, Detail: "install KubeVirt"},
	}}
}

func TestDoctorTable(t *testing.T) {
	var plain bytes.Buffer
	if err := printer.Doctor(&plain, doctorReport(), printer.NewPalette(false)); err != nil {
		t.Fatal(err)
	}
	want := "CHECK                            CLUSTER     RESULT  DETAIL\n" +
		"server                           supervisor  ok      v1.37.2 (client 1.37)\n" +
		"machines                         supervisor  warn    1 of 2 Machines carry the finalizer\n" +
		"crd virtualmachines.kubevirt.io  kv-1        fail    install KubeVirt\n" +
		"1 ok, 1 warn, 1 fail\n"
	if plain.String() != want {
		t.Errorf("plain:\n%s\nwant\n%s", plain.String(), want)
	}
	var col bytes.Buffer
	if err := printer.Doctor(&col, doctorReport(), printer.NewPalette(true)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"\x1b[32mok\x1b[0m", "\x1b[33mwarn\x1b[0m", "\x1b[31mfail\x1b[0m"} {
		if !strings.Contains(col.String(), c) {
			t.Errorf("coloured table lacks %q:\n%q", c, col.String())
		}
	}
	// Colour codes do not shift the DETAIL column.
	lines := strings.Split(col.String(), "\n")
	at := strings.Index(lines[0], "DETAIL")
	for _, l := range lines[1:4] {
		plainLine := strings.NewReplacer("\x1b[32m", "", "\x1b[33m", "", "\x1b[31m", "", "\x1b[0m", "").Replace(l)
		if len(plainLine) < at || plainLine[at-1] != ' ' || plainLine[at] == ' ' {
			t.Errorf("DETAIL not at column %d: %q", at, plainLine)
		}
	}
}

func TestDoctorStructured(t *testing.T) {
	var js bytes.Buffer
	if err := printer.DoctorStructured(&js, "json", doctorReport()); err != nil {
		t.Fatal(err)
	}
	var got map[string][]map[string]string
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got["checks"]) != 3 || strings.Contains(js.String(), "\x1b") {
		t.Fatalf("json: %s", js.String())
	}
	for _, c := range got["checks"] {
		if len(c) != 4 || c["check"] == "" || c["cluster"] == "" || c["result"] == "" || c["detail"] == "" {
			t.Errorf("a check is not exactly {check, cluster, result, detail}: %v", c)
		}
	}
	var y bytes.Buffer
	if err := printer.DoctorStructured(&y, "yaml", doctorReport()); err != nil {
		t.Fatal(err)
	}
	var fromYAML map[string][]map[string]string
	if err := yaml.Unmarshal(y.Bytes(), &fromYAML); err != nil || fromYAML["checks"][2]["result"] != "fail" {
		t.Errorf("yaml: %v\n%s", err, y.String())
	}
}
