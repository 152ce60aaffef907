package printer_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
)

func TestListThroughJSONPath(t *testing.T) {
	objs := []map[string]any{
		{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "team"}},
		{"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "metadata": map[string]any{"name": "vm-web", "namespace": "team"}},
	}
	for tmpl, want := range map[string]string{
		"jsonpath={.items[*].metadata.name}":                            "team vm-web",
		"jsonpath=.items[1].kind":                                       "VirtualMachine",
		"jsonpath=items[0].apiVersion":                                  "v1",
		`jsonpath={range .items[*]}{.kind}/{.metadata.name}{"\n"}{end}`: "Namespace/team\nVirtualMachine/vm-web\n",
		"jsonpath={.items[0].metadata.missing}":                         "",
	} {
		var out bytes.Buffer
		if err := printer.List(&out, tmpl, objs, nil); err != nil || out.String() != want {
			t.Errorf("%s: %q, %v; want %q", tmpl, out.String(), err, want)
		}
	}
	if err := printer.ParseJSONPath("jsonpath={.items[}"); err == nil || !strings.Contains(err.Error(), `jsonpath template "{.items[}"`) {
		t.Errorf("bad template: %v", err)
	}
}
