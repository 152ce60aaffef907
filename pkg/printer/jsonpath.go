package printer

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"k8s.io/client-go/util/jsonpath"
)

// JSONPathPrefix starts an -o value that is a JSONPath template, as in kubectl: jsonpath=TEMPLATE.
const JSONPathPrefix = "jsonpath="

// ParseJSONPath checks the template of an -o jsonpath=TEMPLATE value. As in kubectl, the braces
// and the leading dot may be left out: "jsonpath=.items[*].metadata.name".
func ParseJSONPath(format string) error {
	tmpl, ok := strings.CutPrefix(format, JSONPathPrefix)
	if !ok {
		return fmt.Errorf("%q is not jsonpath=TEMPLATE", format)
	}
	_, err := newJSONPath(tmpl)
	return err
}

func newJSONPath(tmpl string) (*jsonpath.JSONPath, error) {
	j := jsonpath.New("output").AllowMissingKeys(true)
	if err := j.Parse(relaxed(tmpl)); err != nil {
		return nil, fmt.Errorf("jsonpath template %q: %w", tmpl, err)
	}
	return j, nil
}

// relaxed turns kubectl's relaxed forms into a template: ".a.b" and "a.b" become "{.a.b}".
func relaxed(tmpl string) string {
	if strings.Contains(tmpl, "{") || tmpl == "" {
		return tmpl
	}
	if !strings.HasPrefix(tmpl, ".") {
		tmpl = "." + tmpl
	}
	return "{" + tmpl + "}"
}

// printJSONPath prints v, as its JSON form, through a JSONPath template.
func printJSONPath(w io.Writer, tmpl string, v any) error {
	j, err := newJSONPath(tmpl)
	if err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var data any
	if err := json.Unmarshal(b, &data); err != nil {
		return err
	}
	return j.Execute(w, data)
}
