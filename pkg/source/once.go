package source

import (
	"fmt"
	"reflect"

	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
)

// once keeps one input per Machine (namespace/name): a Machine given again exactly as before
// (twice in one file, in two files, or named twice) is dropped with a note; a Machine given again
// differently is refused, naming both origins, since either one would silently lose.
func once(inputs []plan.Input, note func(string)) ([]plan.Input, error) {
	first := map[string]int{}
	out := inputs[:0:0]
	for _, in := range inputs {
		key := in.Machine.Namespace + "/" + in.Machine.Name
		i, seen := first[key]
		if !seen {
			first[key] = len(out)
			out = append(out, in)
			continue
		}
		prev := out[i]
		if !same(prev, in) {
			return nil, fmt.Errorf("machine %q is given twice, differently: %s and %s (keep one)", key, origin(prev), origin(in))
		}
		note(fmt.Sprintf("machine %q is given twice (%s and %s), identically; using it once", key, origin(prev), origin(in)))
	}
	return out, nil
}

func same(a, b plan.Input) bool {
	if a.FromFile != b.FromFile {
		return false
	}
	if a.FromFile {
		return reflect.DeepEqual(a.Object, b.Object)
	}
	return reflect.DeepEqual(a.Machine, b.Machine)
}

func origin(in plan.Input) string {
	if in.Origin != "" {
		return in.Origin
	}
	return "by name on the supervisor"
}
