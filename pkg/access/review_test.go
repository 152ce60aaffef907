package access

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
)

// distinct counts the distinct (group, resource, verb) of a role: the cluster-wide questions.
func distinct(role cluster.Role) int {
	seen := map[cluster.Access]bool{}
	for _, r := range Rules() {
		if r.Role == role {
			for _, v := range r.Verbs {
				seen[access(r, v, "")] = true
			}
		}
	}
	return len(seen)
}

func verdictOf(t *testing.T, vs []Verdict, c Command) Verdict {
	t.Helper()
	for _, v := range vs {
		if v.Command == c {
			return v
		}
	}
	t.Fatalf("no verdict for %s", c)
	return Verdict{}
}

func TestReviewAllowedAsksEachVerbOnceClusterWide(t *testing.T) {
	c := clustertest.New(cluster.SupervisorID)
	vs := Review(context.Background(), c, cluster.Supervisor, Scopes{MachineNamespaces: []string{"a", "b"}, SecretNamespaces: []string{"vitistack"}}, 4)
	if len(vs) != len(Commands()) {
		t.Fatalf("%d verdicts", len(vs))
	}
	for _, v := range vs {
		if len(v.Missing) > 0 || v.Err != nil || v.Verbs == 0 {
			t.Errorf("%s: %+v", v.Command, v)
		}
	}
	reviews := c.Reviews()
	if len(reviews) != distinct(cluster.Supervisor) {
		t.Errorf("%d reviews, want one per distinct verb and resource (%d)", len(reviews), distinct(cluster.Supervisor))
	}
	for _, a := range reviews {
		if a.Namespace != "" {
			t.Errorf("asked in a namespace although allowed cluster-wide: %+v", a)
		}
	}
	if c.Writes() != 0 {
		t.Errorf("%d writes", c.Writes())
	}
}

func TestReviewNamespacedGrantsAndGaps(t *testing.T) {
	c := clustertest.New(cluster.SupervisorID)
	// Only namespaced grants: machines in "a" (all verbs), nothing in "b"; Secrets only in "vitistack".
	c.Authorize(func(a cluster.Access) bool {
		switch {
		case a.Resource == "machines" && a.Namespace == "a":
			return true
		case a.Resource == "secrets" && a.Namespace == "vitistack":
			return true
		case a.Resource == "secrets" || a.Resource == "machines":
			return false
		}
		return true
	})
	vs := Review(context.Background(), c, cluster.Supervisor, Scopes{MachineNamespaces: []string{"a", "b"}, SecretNamespaces: []string{"vitistack"}}, 2)
	create := verdictOf(t, vs, Create)
	got := MissingRules(create.Missing)
	want := `{apiGroups: [vitistack.io], resources: [machines], verbs: [get, list, create, patch]} in namespace b; {apiGroups: [""], resources: [secrets], verbs: [get]} in namespaces a, b`
	if got != want {
		t.Errorf("create missing\n got %s\nwant %s", got, want)
	}
	if v := verdictOf(t, vs, NSSync); MissingRules(v.Missing) != `{apiGroups: [vitistack.io], resources: [machines], verbs: [list]}; {apiGroups: [vitistack.io], resources: [machines], verbs: [patch]} in namespace b` {
		t.Errorf("ns-sync: the cluster-wide list is missing, and patch in b: %s", MissingRules(v.Missing))
	}
	if v := verdictOf(t, vs, Completion); len(v.Missing) != 1 || !v.Optional() {
		t.Errorf("completion: %+v", v)
	}
	if v := verdictOf(t, vs, Doctor); len(v.Missing) != 1 || v.Optional() || v.Missing[0].Verb != "list" {
		t.Errorf("doctor: %+v", v)
	}
	// Machines and Secrets were asked per namespace; nothing else was.
	for _, a := range c.Reviews() {
		if a.Namespace != "" && a.Resource != "machines" && a.Resource != "secrets" {
			t.Errorf("asked %+v in a namespace although allowed cluster-wide", a)
		}
	}
}

func TestReviewErrorsAreReported(t *testing.T) {
	c := clustertest.New(cluster.RemoteID("kv"))
	c.Fail("create", "selfsubjectaccessreviews", "", errors.New("connection refused"))
	vs := Review(context.Background(), c, cluster.Remote, Scopes{MachineNamespaces: []string{"a"}}, 8)
	for _, v := range vs {
		if v.Command == Completion {
			continue
		}
		if v.Err == nil || !strings.Contains(v.Err.Error(), "connection refused") || len(v.Missing) > 0 {
			t.Errorf("%s: %+v", v.Command, v)
		}
	}
	if n := c.Requests()["create selfsubjectaccessreviews"]; n != distinct(cluster.Remote) {
		t.Errorf("%d reviews after failures, want only the cluster-wide ones (%d)", n, distinct(cluster.Remote))
	}
}

func TestMissingRulesCapsNamespaces(t *testing.T) {
	r := Rule{Resource: cluster.PVCs}
	got := MissingRules([]Gap{{Rule: r, Verb: "delete", Namespaces: []string{"a", "b", "c", "d", "e"}}, {Rule: r, Verb: "get", Namespaces: []string{"a", "b", "c", "d", "e"}}})
	if got != `{apiGroups: [""], resources: [persistentvolumeclaims], verbs: [get, delete]} in namespaces a, b, c (+2 more)` {
		t.Error(got)
	}
	wide := Rule{Resource: cluster.NetworkNamespaces}
	if got := MissingRules([]Gap{{Rule: wide, Verb: "list", Namespaces: []string{"a"}}, {Rule: wide, Verb: "list"}}); got != `{apiGroups: [vitistack.io], resources: [networknamespaces], verbs: [list]}` {
		t.Errorf("a verb missing cluster-wide is not repeated per namespace: %s", got)
	}
	if MissingRules(nil) != "" {
		t.Error("no gaps, no rules")
	}
	if !slices.Equal((Scopes{SecretNamespaces: []string{"x"}}).of(SecretNamespace), []string{"x"}) || (Scopes{}).of(ClusterWide) != nil {
		t.Error("scopes")
	}
}
