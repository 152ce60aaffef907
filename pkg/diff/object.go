package diff

import (
	"sigs.k8s.io/yaml"
)

// Object diffs one object: the live object projected onto the fields desired sets (so server-managed
// fields and defaults do not show), against desired; secret-like values are masked on both sides.
// live nil means the object does not exist: every line is an addition. desired nil means the object
// goes away: every line of the live object (as Gone shows it) is a removal. label names both sides,
// as live/LABEL and desired/LABEL (Pair.Label).
func Object(label string, desired, live map[string]any) (Unified, error) {
	want, have, err := sides(desired, live)
	if err != nil {
		return Unified{}, err
	}
	return Lines("live/"+label, "desired/"+label, string(have), string(want)), nil
}

// sides are the two texts of a diff, as YAML: desired and live (projected, or whole when it goes
// away), both masked. An absent side is empty.
func sides(desired, live map[string]any) (want, have []byte, err error) {
	if desired != nil {
		if want, err = yaml.Marshal(Mask(desired)); err != nil {
			return nil, nil, err
		}
	}
	switch {
	case live == nil:
	case desired == nil:
		have, err = yaml.Marshal(Gone(live))
	default:
		projected, _ := Project(desired, live).(map[string]any)
		have, err = yaml.Marshal(Mask(projected))
	}
	return want, have, err
}

// Gone is a live object as a diff of its deletion shows it: whole, status included, without
// metadata.managedFields (the server's bookkeeping, as kubectl hides it), masked.
func Gone(live map[string]any) map[string]any {
	out := Mask(live)
	if meta, ok := out["metadata"].(map[string]any); ok {
		delete(meta, "managedFields")
	}
	return out
}
