package access

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// rbacObjects decodes a manifest into its roles (by "Kind/namespace/name") and bindings.
type rbacObjects struct {
	rules    map[string][]rbacv1.PolicyRule
	bindings []rbacv1.RoleBinding // ClusterRoleBindings have an empty namespace
}

func decode(t *testing.T, manifest string) rbacObjects {
	t.Helper()
	out := rbacObjects{rules: map[string][]rbacv1.PolicyRule{}}
	yr := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(manifest)))
	for {
		doc, err := yr.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		var head struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			t.Fatalf("%v\n%s", err, doc)
		}
		switch head.Kind {
		case "ClusterRole", "Role":
			var r rbacv1.Role
			if err := yaml.UnmarshalStrict(doc, &r); err != nil {
				t.Fatalf("%v\n%s", err, doc)
			}
			out.rules[head.Kind+"/"+r.Namespace+"/"+r.Name] = r.Rules
		case "ClusterRoleBinding", "RoleBinding":
			var b rbacv1.RoleBinding
			if err := yaml.UnmarshalStrict(doc, &b); err != nil {
				t.Fatalf("%v\n%s", err, doc)
			}
			out.bindings = append(out.bindings, b)
		default:
			t.Fatalf("unexpected kind %q\n%s", head.Kind, doc)
		}
	}
}

// grants reports whether the manifest lets group do verb on the rule's resource in namespace ("":
// cluster-wide), as RBAC would decide it.
func (o rbacObjects) grants(group string, r Rule, verb, namespace string) bool {
	for _, b := range o.bindings {
		if !slices.ContainsFunc(b.Subjects, func(s rbacv1.Subject) bool { return s.Kind == "Group" && s.Name == group }) {
			continue
		}
		if b.Namespace != "" && b.Namespace != namespace {
			continue
		}
		key := b.RoleRef.Kind + "/"
		if b.RoleRef.Kind == "Role" {
			key += b.Namespace
		}
		for _, pr := range o.rules[key+"/"+b.RoleRef.Name] {
			if slices.Contains(pr.APIGroups, r.Group()) && slices.Contains(pr.Resources, r.Name()) && slices.Contains(pr.Verbs, verb) {
				return true
			}
		}
	}
	return false
}

func TestTheManifestsGrantEveryRuleWhereItIsAsked(t *testing.T) {
	o := ExampleOptions()
	for _, role := range []cluster.Role{cluster.Supervisor, cluster.Remote} {
		objs := decode(t, Manifest(role, o))
		for _, r := range Rules() {
			if r.Role != role {
				continue
			}
			for _, v := range r.Verbs {
				ns := ""
				switch r.Scope {
				case MachineNamespaces:
					ns = "team-a"
				case SecretNamespace:
					ns = o.SecretNamespace
				case ClusterWide:
				}
				if !objs.grants(o.Group, r, v, ns) {
					t.Errorf("%s: %s %s in %q is not granted", role, v, qualified(r), ns)
				}
			}
		}
		if objs.grants("someone-else", Rule{Resource: cluster.Machines}, "get", "") {
			t.Error("another group is granted something")
		}
	}
	// The kubeconfig Secrets are granted in their namespace only, by the Role: the cluster-wide
	// ClusterRole does not hold the Secret-namespace rule.
	objs := decode(t, Manifest(cluster.Supervisor, o))
	for _, pr := range objs.rules["ClusterRole//vitimachine-supervisor"] {
		if slices.Contains(pr.Resources, "secrets") {
			t.Errorf("the cluster-wide ClusterRole grants Secrets: %+v", pr)
		}
	}
}

func TestTheReadHalf(t *testing.T) {
	o := ManifestOptions{Prefix: "reader", Group: "readers", SecretNamespace: "vitistack", Verbs: []string{"get", "list", "watch"}}
	for _, role := range []cluster.Role{cluster.Supervisor, cluster.Remote} {
		objs := decode(t, Manifest(role, o))
		for name, rules := range objs.rules {
			if !strings.HasPrefix(name, "ClusterRole//reader-") && !strings.HasPrefix(name, "Role/vitistack/reader-") {
				t.Errorf("object %s", name)
			}
			for _, pr := range rules {
				for _, v := range pr.Verbs {
					if !slices.Contains(o.Verbs, v) {
						t.Errorf("%s grants %s", name, v)
					}
				}
			}
		}
		if !objs.grants("readers", Rule{Resource: cluster.KubevirtConfigs}, "list", "") && role == cluster.Supervisor {
			t.Error("the read half misses kubevirtconfigs list")
		}
	}
	// A role left without rules is left out with its binding.
	sup := Manifest(cluster.Supervisor, ManifestOptions{Prefix: "x", Group: "g", SecretNamespace: "s", Verbs: []string{"update"}})
	if strings.Contains(sup, "kind: Role\n") || strings.Contains(sup, "name: x-supervisor\n") || !strings.Contains(sup, "name: x-supervisor-machines\n") {
		t.Errorf("update only:\n%s", sup)
	}
}

// TestTheExamplesAndDocsAreGenerated fails when examples/rbac-*.yaml or the RBAC table of
// docs/security.md drift from the table: run `make rbac`.
func TestTheExamplesAndDocsAreGenerated(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, role := range []cluster.Role{cluster.Supervisor, cluster.Remote} {
		b, err := os.ReadFile(filepath.Join(root, ExampleFile(role)))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != Manifest(role, ExampleOptions()) {
			t.Errorf("%s differs from the table in pkg/access: run make rbac", ExampleFile(role))
		}
	}
	b, err := os.ReadFile(filepath.Join(root, DocsFile))
	if err != nil {
		t.Fatal(err)
	}
	spliced, err := SpliceMarkdown(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if spliced != string(b) {
		t.Errorf("the RBAC table of %s differs from the table in pkg/access: run make rbac", DocsFile)
	}
	if _, err := SpliceMarkdown("no markers"); err == nil {
		t.Error("a page without the markers was accepted")
	}
}

func TestScopeNames(t *testing.T) {
	for s, want := range map[Scope]string{ClusterWide: "cluster-wide", MachineNamespaces: "Machines' namespaces", SecretNamespace: "KubevirtConfig Secret namespace"} {
		if s.String() != want {
			t.Errorf("%d: %q", s, s.String())
		}
	}
}
