package manifest_test

import (
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/manifest"
)

// FuzzDecode: any input either decodes into named Machines or is refused with an error naming the
// file; it never panics.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(m1))
	f.Add([]byte(m1 + "---\n" + m1))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems:\n- " + `{"apiVersion":"vitistack.io/v1alpha1","kind":"Machine","metadata":{"name":"x"}}`))
	f.Add([]byte("{\"apiVersion\":\"vitistack.io/v1alpha1\",\"kind\":\"Machine\"}"))
	f.Add([]byte("- [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ms, err := manifest.Decode("fuzz.yaml", data)
		if err != nil {
			return
		}
		for _, m := range ms {
			if m.Machine == nil || m.Machine.Name == "" || m.Origin == "" {
				t.Fatalf("decoded a Machine without a name or origin: %+v", m)
			}
		}
	})
}
