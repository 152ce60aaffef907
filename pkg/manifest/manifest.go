// Package manifest reads Machines from files, folders and standard input: YAML or JSON, several
// documents per file, v1 Lists. Decoding is strict: unknown and duplicated fields are errors. Every
// error names the file and the document.
package manifest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// MaxFileBytes caps one input file (or standard input): 1 MiB, well under the API server's request
// limit. Machines are small; a larger input is a mistake, not a manifest, and it is refused after
// reading at most MaxFileBytes+1 bytes.
const MaxFileBytes = 1 << 20

// Machine is one decoded Machine and where it came from.
type Machine struct {
	Machine *vitistackv1alpha1.Machine
	// Object is the Machine exactly as the file has it (status dropped): what gets created on the
	// supervisor and compared with a live Machine, so fields the file leaves out stay out.
	Object map[string]any
	// Origin is "FILE document N" (N counts from 1), for messages.
	Origin string
}

// Decode decodes the documents of one file. name is used in messages.
func Decode(name string, data []byte) ([]Machine, error) {
	name = displayName(name)
	var out []Machine
	var decodeErr error // names the file and the document already
	err := eachDocument(data, func(doc int, raw []byte) error {
		ms, err := decodeDoc(raw, fmt.Sprintf("%s document %d", name, doc))
		if err != nil {
			decodeErr = err
			return err
		}
		out = append(out, ms...)
		return nil
	})
	if decodeErr != nil {
		return nil, decodeErr
	}
	if err != nil {
		return nil, fmt.Errorf("%s %w", name, err) // "document N: ..." from the YAML reader
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no Machines in it", name)
	}
	return out, nil
}

// eachDocument calls fn with each document of data that is not empty (only comments, blank lines and
// "---" count as empty), numbered from 1 without counting the empty ones. It stops at fn's first
// error and returns it as is; a document the YAML reader cannot split off is an error "document N: ...".
func eachDocument(data []byte, fn func(doc int, raw []byte) error) error {
	yr := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for doc := 1; ; doc++ {
		raw, err := yr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("document %d: %w", doc, err)
		}
		if len(bytes.TrimSpace(stripComments(raw))) == 0 {
			doc--
			continue
		}
		if err := fn(doc, raw); err != nil {
			return err
		}
	}
}

func decodeDoc(raw []byte, origin string) ([]Machine, error) {
	if err := isObject(raw); err != nil {
		return nil, fmt.Errorf("%s: %w", origin, err)
	}
	var tm runtime.TypeMeta
	if err := yaml.Unmarshal(raw, &tm); err != nil {
		return nil, fmt.Errorf("%s: %w", origin, err)
	}
	switch {
	case tm.APIVersion == "v1" && tm.Kind == "List":
		if dup := duplicateKey(raw); dup != nil {
			return nil, fmt.Errorf("%s: %w", origin, dup)
		}
		return decodeList(raw, origin)
	case tm.Kind == "Machine" && tm.APIVersion == vitistackv1alpha1.GroupVersion.String():
	case tm.Kind == "" || tm.APIVersion == "":
		return nil, fmt.Errorf("%s: apiVersion and kind are required (want apiVersion: %s, kind: Machine)", origin, vitistackv1alpha1.GroupVersion)
	default:
		return nil, fmt.Errorf("%s: %s %s is not a Machine (only apiVersion: %s, kind: Machine is accepted)", origin, tm.APIVersion, tm.Kind, vitistackv1alpha1.GroupVersion)
	}
	m, obj, err := decodeMachine(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", origin, err)
	}
	if m.Name == "" {
		return nil, fmt.Errorf("%s: metadata.name is required", origin)
	}
	m.Status = vitistackv1alpha1.MachineStatus{}
	delete(obj, "status")
	return []Machine{{Machine: m, Object: obj, Origin: origin}}, nil
}

// isObject checks that a document is a mapping, as every Kubernetes object is; a string, a list or
// a number is refused saying so, instead of with the YAML decoder's Go type names.
func isObject(raw []byte) error {
	var v any
	if err := yaml.Unmarshal(raw, &v); err != nil {
		return err
	}
	if _, ok := v.(map[string]any); ok {
		return nil
	}
	return fmt.Errorf("not a Kubernetes object: %s, where an object with apiVersion and kind (apiVersion: %s, kind: Machine) is expected", valueKind(v), vitistackv1alpha1.GroupVersion)
}

// valueKind names what a decoded YAML value is, for messages.
func valueKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case []any:
		return "a list"
	case bool:
		return "a boolean"
	case float64, int64, int:
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}

// SetNamespace sets the Machine's namespace, in the typed Machine and in the object.
func (m Machine) SetNamespace(ns string) {
	m.Machine.Namespace = ns
	meta, _ := m.Object["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		m.Object["metadata"] = meta
	}
	meta["namespace"] = ns
}

// decodeMachine decodes strictly: duplicated keys and fields the Machine type does not have are
// errors that name the field path (spec.cpuz), not silently dropped.
func decodeMachine(raw []byte) (*vitistackv1alpha1.Machine, map[string]any, error) {
	j, err := yaml.YAMLToJSONStrict(raw)
	if err != nil {
		if dup := duplicateKey(raw); dup != nil {
			return nil, nil, dup
		}
		return nil, nil, err
	}
	var m vitistackv1alpha1.Machine
	strict, err := sigsjson.UnmarshalStrict(j, &m, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err != nil {
		return nil, nil, err
	}
	if len(strict) > 0 {
		msgs := make([]string, len(strict))
		for i, e := range strict {
			msgs[i] = e.Error()
		}
		return nil, nil, errors.New(strings.Join(msgs, "; "))
	}
	// Numbers become int64 where they are whole (memory in bytes does not fit a float's exponent form).
	var obj map[string]any
	if err := utiljson.Unmarshal(j, &obj); err != nil {
		return nil, nil, err
	}
	return &m, obj, nil
}

func decodeList(raw []byte, origin string) ([]Machine, error) {
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := yaml.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("%s: %w", origin, err)
	}
	var out []Machine
	for i, item := range list.Items {
		ms, err := decodeDoc(item, fmt.Sprintf("%s items[%d]", origin, i))
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	return out, nil
}

func stripComments(b []byte) []byte {
	var out bytes.Buffer
	for _, line := range bytes.Split(b, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) == 0 || t[0] == '#' || string(t) == "---" {
			continue
		}
		out.Write(line)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

func displayName(name string) string {
	if name == "-" {
		return "<stdin>"
	}
	return name
}
