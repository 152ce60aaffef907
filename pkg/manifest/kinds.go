package manifest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// holdsMachine reports whether any document of a file is a Machine (kind Machine, whatever its
// apiVersion, or a v1 List with such an item), and otherwise names the kinds it holds, for the note
// of a skipped file. A document that is not YAML at all is an error: it might be a broken Machine.
func holdsMachine(data []byte) (bool, string, error) {
	yr := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var kinds []string
	for doc := 1; ; doc++ {
		raw, err := yr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return false, "", fmt.Errorf("document %d: %w", doc, err)
		}
		if len(bytes.TrimSpace(stripComments(raw))) == 0 {
			doc--
			continue
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Items      []struct {
				Kind string `json:"kind"`
			} `json:"items"`
		}
		if err := yaml.Unmarshal(raw, &head); err != nil {
			return false, "", fmt.Errorf("document %d: cannot tell whether it is a Machine: %w", doc, err)
		}
		if head.Kind == "Machine" {
			return true, "", nil
		}
		for _, it := range head.Items {
			if it.Kind == "Machine" {
				return true, "", nil
			}
		}
		kind := head.Kind
		switch {
		case kind == "":
			kind = "no kind"
		case kind == "List" && len(head.Items) > 0:
			kind = "a List of " + head.Items[0].Kind
		}
		if !slices.Contains(kinds, kind) {
			kinds = append(kinds, kind)
		}
	}
	if len(kinds) == 0 {
		return false, "empty", nil
	}
	return false, strings.Join(kinds, ", "), nil
}
