// Package diff compares the objects the pipeline would create with what is live on a cluster. It is
// pure: objects come in as JSON-like maps, results go out as values and text.
package diff

import (
	"reflect"
)

// Project returns the part of live that desired speaks about: for every field set in desired, the
// live value at the same path. Fields the server adds (status, uid, resourceVersion, defaults) are
// dropped that way, so what remains compares field for field with desired. Lists of equal length
// are projected element by element; otherwise the live list is kept whole.
func Project(desired, live any) any {
	switch d := desired.(type) {
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return live
		}
		out := make(map[string]any, len(d))
		for k, dv := range d {
			if lv, ok := l[k]; ok {
				out[k] = Project(dv, lv)
			}
		}
		return out
	case []any:
		l, ok := live.([]any)
		if !ok || len(l) != len(d) {
			return live
		}
		out := make([]any, len(d))
		for i := range d {
			out[i] = Project(d[i], l[i])
		}
		return out
	}
	return live
}

// Equal reports whether live already has every field desired sets, with the same value.
func Equal(desired, live map[string]any) bool {
	return reflect.DeepEqual(normalize(desired), normalize(Project(desired, live)))
}

// normalize makes numbers comparable: JSON decoding gives int64 or float64, typed conversion gives
// int64; both become float64.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = normalize(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = normalize(x)
		}
		return out
	case int64:
		return float64(t)
	case int:
		return float64(t)
	case int32:
		return float64(t)
	}
	return v
}
