package manifest

import (
	"fmt"
	"strconv"

	yamlv3 "go.yaml.in/yaml/v3"
)

// duplicateKey finds the first key given twice in one mapping of a YAML (or JSON) document and names
// it by its field path, with both lines: "spec.cpu.cores: given twice (lines 7 and 9)". It returns
// nil when there is none, or when the document does not parse (the caller has that error).
func duplicateKey(raw []byte) error {
	var root yamlv3.Node
	if yamlv3.Unmarshal(raw, &root) != nil {
		return nil
	}
	return walkKeys(&root, "")
}

func walkKeys(n *yamlv3.Node, path string) error {
	switch n.Kind {
	case yamlv3.DocumentNode:
		for _, c := range n.Content {
			if err := walkKeys(c, path); err != nil {
				return err
			}
		}
	case yamlv3.MappingNode:
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			field := k.Value
			if path != "" {
				field = path + "." + k.Value
			}
			if line, ok := seen[k.Value]; ok {
				return fmt.Errorf("%s: given twice (lines %d and %d); keep one", field, line, k.Line)
			}
			seen[k.Value] = k.Line
			if err := walkKeys(v, field); err != nil {
				return err
			}
		}
	case yamlv3.SequenceNode:
		for i, c := range n.Content {
			if err := walkKeys(c, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case yamlv3.ScalarNode, yamlv3.AliasNode:
		// Leaves: no keys below.
	}
	return nil
}
