package diff

import (
	"sigs.k8s.io/yaml"
)

// Object diffs one object: the live object projected onto the fields desired sets (so server-managed
// fields and defaults do not show), against desired; secret-like values are masked on both sides.
// live nil means the object does not exist: every line is an addition. label names both sides,
// as live/LABEL and desired/LABEL (Pair.Label).
func Object(label string, desired, live map[string]any) (Unified, error) {
	want, err := yaml.Marshal(Mask(desired))
	if err != nil {
		return Unified{}, err
	}
	var have []byte
	if live != nil {
		projected, _ := Project(desired, live).(map[string]any)
		if have, err = yaml.Marshal(Mask(projected)); err != nil {
			return Unified{}, err
		}
	}
	return Lines("live/"+label, "desired/"+label, string(have), string(want)), nil
}
