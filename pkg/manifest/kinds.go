package manifest

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// holdsMachine reports whether any document of a file is a Machine (kind Machine, whatever its
// apiVersion, or a v1 List with such an item), and otherwise names the kinds it holds, for the note
// of a skipped file. A document that is not YAML at all is an error: it might be a broken Machine.
func holdsMachine(data []byte) (bool, string, error) {
	var kinds []string
	err := eachDocument(data, func(doc int, raw []byte) error {
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Items      []struct {
				Kind string `json:"kind"`
			} `json:"items"`
		}
		var v any
		if err := yaml.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("document %d: cannot tell whether it is a Machine: %w", doc, err)
		}
		if _, ok := v.(map[string]any); !ok {
			kinds = appendNew(kinds, valueKind(v)+" (not an object)")
			return nil
		}
		if err := yaml.Unmarshal(raw, &head); err != nil {
			return fmt.Errorf("document %d: cannot tell whether it is a Machine: %w", doc, err)
		}
		if head.Kind == "Machine" {
			return errIsMachine
		}
		for _, it := range head.Items {
			if it.Kind == "Machine" {
				return errIsMachine
			}
		}
		kind := head.Kind
		switch {
		case kind == "":
			kind = "no kind"
		case kind == "List" && len(head.Items) > 0:
			kind = "a List of " + head.Items[0].Kind
		}
		kinds = appendNew(kinds, kind)
		return nil
	})
	if err == errIsMachine {
		return true, "", nil
	}
	if err != nil {
		return false, "", err
	}
	if len(kinds) == 0 {
		return false, "empty", nil
	}
	return false, strings.Join(kinds, ", "), nil
}

// appendNew appends s unless kinds has it already.
func appendNew(kinds []string, s string) []string {
	if slices.Contains(kinds, s) {
		return kinds
	}
	return append(kinds, s)
}

// errIsMachine ends holdsMachine's walk at the first Machine.
var errIsMachine = errors.New("a Machine")
