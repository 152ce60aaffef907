package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// auditEvent is the part of an audit.k8s.io/v1 Event the tests look at.
type auditEvent struct {
	Stage          string `json:"stage"`
	Verb           string `json:"verb"`
	RequestURI     string `json:"requestURI"`
	UserAgent      string `json:"userAgent"`
	ResponseStatus *struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
	ObjectRef *struct {
		Resource  string `json:"resource"`
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	} `json:"objectRef"`
}

func (e auditEvent) String() string {
	return e.Verb + " " + e.RequestURI
}

// auditMark is a position in every plane's audit log.
type auditMark map[string]int64

// mark remembers where every audit log ends now.
func (s *suite) mark(t *testing.T) auditMark {
	t.Helper()
	m := auditMark{}
	for _, p := range s.planes() {
		fi, err := os.Stat(p.AuditLog)
		if err != nil {
			t.Fatal(err)
		}
		m[p.Name] = fi.Size()
	}
	return m
}

func (s *suite) planes() []*testenv.Plane {
	return append([]*testenv.Plane{s.env.Supervisor, s.nsSup}, s.env.Remotes...)
}

// requests returns the plugin's requests to a plane since the mark (completed requests only).
func (s *suite) requests(t *testing.T, m auditMark, p *testenv.Plane) []auditEvent {
	t.Helper()
	return s.events(t, m, p, "ResponseComplete")
}

// events are the plugin's audit events of one stage on p since m.
func (s *suite) events(t *testing.T, m auditMark, p *testenv.Plane, stage string) []auditEvent {
	t.Helper()
	f, err := os.Open(p.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(m[p.Name], 0); err != nil {
		t.Fatal(err)
	}
	var out []auditEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e auditEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("audit log %s: %v", p.AuditLog, err)
		}
		if e.Stage == stage && strings.HasPrefix(e.UserAgent, "kubectl-vitimachine/") {
			out = append(out, e)
		}
	}
	return out
}

// watching reports whether the plugin has had a watch of resource in namespace answered by p since
// m (the watch's ResponseStarted event): it is now following the objects.
func (s *suite) watching(t *testing.T, m auditMark, p *testenv.Plane, resource, namespace string) bool {
	t.Helper()
	for _, e := range s.events(t, m, p, "ResponseStarted") {
		if e.Verb == "watch" && e.ObjectRef != nil && e.ObjectRef.Resource == resource && e.ObjectRef.Namespace == namespace {
			return true
		}
	}
	return false
}

// budget summarises requests as "verb resource" counts, e.g. "list machines": 1.
func budget(events []auditEvent) map[string]int {
	out := map[string]int{}
	for _, e := range events {
		res := "<non-resource " + e.RequestURI + ">"
		if e.ObjectRef != nil {
			res = e.ObjectRef.Resource
		}
		out[e.Verb+" "+res]++
	}
	return out
}

func show(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%d ", k, m[k])
	}
	return b.String()
}

func writes(events []auditEvent) int {
	n := 0
	for _, e := range events {
		switch e.Verb {
		case "create", "update", "patch", "delete", "deletecollection":
			n++
		}
	}
	return n
}
