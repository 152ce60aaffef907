package printer

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"
)

// List prints objects as one v1 List in yaml or json, which `kubectl apply -f -` accepts, through a
// JSONPath template with jsonpath=TEMPLATE, or with "name" one kind.group/name per line.
func List(w io.Writer, format string, objects []map[string]any, refs []string) error {
	if format == "name" {
		for _, r := range refs {
			if _, err := fmt.Fprintln(w, r); err != nil {
				return err
			}
		}
		return nil
	}
	items := objects
	if items == nil {
		items = []map[string]any{}
	}
	list := map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]any{}, "items": items}
	return structured(w, format, list)
}

// structured prints v as json (indented, as kubectl does), yaml, or through a JSONPath template
// (jsonpath=TEMPLATE).
func structured(w io.Writer, format string, v any) error {
	if tmpl, ok := strings.CutPrefix(format, JSONPathPrefix); ok {
		return printJSONPath(w, tmpl, v)
	}
	var b []byte
	var err error
	if format == "json" {
		b, err = json.MarshalIndent(v, "", "    ")
		b = append(b, '\n')
	} else {
		b, err = yaml.Marshal(v)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
