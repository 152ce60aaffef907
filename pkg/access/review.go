package access

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/vitistack/kubectl-vitimachine/pkg/batch"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// Asker asks the authorizer of one cluster a question; *cluster.Client is one.
type Asker interface {
	AccessReview(ctx context.Context, a cluster.Access) (bool, string, error)
}

// Scopes name the namespaces that matter on one cluster.
type Scopes struct {
	// MachineNamespaces hold the Machines whose requests go to the cluster.
	MachineNamespaces []string
	// SecretNamespaces hold the KubevirtConfigs' Secrets (on the supervisor).
	SecretNamespaces []string
}

func (s Scopes) of(sc Scope) []string {
	switch sc {
	case MachineNamespaces:
		return s.MachineNamespaces
	case SecretNamespace:
		return s.SecretNamespaces
	case ClusterWide:
	}
	return nil
}

// Gap is one verb the caller lacks, with the rule that needs it.
type Gap struct {
	Rule Rule
	Verb string
	// Namespaces are where the verb is denied; empty for a cluster-wide rule.
	Namespaces []string
}

// Verdict is what the caller may do of one command's rules on one cluster.
type Verdict struct {
	Command Command
	// Verbs counts the command's distinct verbs on the cluster, per resource.
	Verbs int
	// Missing are the verbs denied.
	Missing []Gap
	// Err is set when a question could not be asked; Missing may then be incomplete.
	Err error
}

// fail keeps the first error.
func (v *Verdict) fail(err error) {
	if v.Err == nil {
		v.Err = err
	}
}

// Optional reports whether every missing verb belongs to an optional rule.
func (v Verdict) Optional() bool {
	for _, g := range v.Missing {
		if !g.Rule.Optional {
			return false
		}
	}
	return true
}

// Review asks a cluster of the given role which rules of the table the caller lacks, and returns one
// verdict per command, in Commands() order. Every verb is asked cluster-wide first (RBAC that allows
// it there allows it in every namespace); only a verb denied cluster-wide is asked again in each
// namespace of its rule's scope. Each distinct question is asked once, with one
// SelfSubjectAccessReview, at most concurrency at a time.
func Review(ctx context.Context, c Asker, role cluster.Role, s Scopes, concurrency int) []Verdict {
	q := &questions{asker: c, concurrency: concurrency}
	var rules []Rule
	for _, r := range Rules() {
		if r.Role == role {
			rules = append(rules, r)
		}
	}
	var wide []cluster.Access
	for _, r := range rules {
		for _, v := range r.Verbs {
			wide = append(wide, access(r, v, ""))
		}
	}
	q.askAll(ctx, wide)
	var narrow []cluster.Access
	for _, r := range rules {
		for _, v := range r.Verbs {
			if q.denied(access(r, v, "")) {
				for _, ns := range s.of(r.Scope) {
					narrow = append(narrow, access(r, v, ns))
				}
			}
		}
	}
	q.askAll(ctx, narrow)
	var out []Verdict
	for _, cmd := range Commands() {
		out = append(out, q.verdict(rules, cmd, s))
	}
	return out
}

func access(r Rule, verb, namespace string) cluster.Access {
	return cluster.Access{Group: r.Group(), Resource: r.Name(), Verb: verb, Namespace: namespace}
}

type answer struct {
	allowed bool
	err     error
}

// questions asks each distinct question once and keeps the answers.
type questions struct {
	asker       Asker
	concurrency int
	// answers never fail: an error asking is part of the answer.
	answers batch.Memo[cluster.Access, answer]
}

// askAll asks the questions not asked yet, at most concurrency at a time.
func (q *questions) askAll(ctx context.Context, all []cluster.Access) {
	batch.Each(len(all), q.concurrency, func(i int) {
		_, _ = q.answers.Get(all[i], func() (answer, error) {
			ok, _, err := q.asker.AccessReview(ctx, all[i])
			return answer{allowed: ok, err: err}, nil
		})
	})
}

// answer is the answer to a question asked; the zero answer to one never asked.
func (q *questions) answer(a cluster.Access) answer {
	ans, _ := q.answers.Peek(a)
	return ans
}

// denied reports whether the authorizer answered no (not whether the question failed).
func (q *questions) denied(a cluster.Access) bool {
	ans := q.answer(a)
	return ans.err == nil && !ans.allowed
}

func (q *questions) verdict(rules []Rule, cmd Command, s Scopes) Verdict {
	v := Verdict{Command: cmd}
	counted := map[cluster.Access]bool{}
	for _, r := range rules {
		if !r.For(cmd) {
			continue
		}
		for _, verb := range r.Verbs {
			if !counted[access(r, verb, "")] {
				counted[access(r, verb, "")] = true
				v.Verbs++
			}
			wide := q.answer(access(r, verb, ""))
			switch {
			case wide.err != nil:
				v.fail(fmt.Errorf("ask %s %s: %w", verb, qualified(r), wide.err))
				continue
			case wide.allowed:
				continue
			case r.Scope == ClusterWide:
				v.Missing = append(v.Missing, Gap{Rule: r, Verb: verb})
				continue
			}
			var denied []string
			for _, ns := range s.of(r.Scope) {
				a := q.answer(access(r, verb, ns))
				if a.err != nil {
					v.fail(fmt.Errorf("ask %s %s in namespace %s: %w", verb, qualified(r), ns, a.err))
				} else if !a.allowed {
					denied = append(denied, ns)
				}
			}
			if len(denied) > 0 {
				v.Missing = append(v.Missing, Gap{Rule: r, Verb: verb, Namespaces: denied})
			}
		}
	}
	return v
}

// qualified is "resource.group", or "resource" for the core group, as kubectl names resources.
func qualified(r Rule) string {
	if r.Group() == "" {
		return r.Name()
	}
	return r.Name() + "." + r.Group()
}

// maxNamespacesShown caps the namespaces named in one missing rule; the rest are counted.
const maxNamespacesShown = 3

// MissingRules renders gaps as the RBAC rules to add, one per resource and place, in the order of
// the table, e.g. `{apiGroups: [vitistack.io], resources: [machines], verbs: [create, patch]}` or
// `{apiGroups: [""], resources: [secrets], verbs: [get]} in namespace vitistack`.
// A verb missing cluster-wide is not repeated for its namespaces: granting it cluster-wide grants it
// there too.
func MissingRules(gaps []Gap) string {
	type key struct{ group, resource, where string }
	wide := map[cluster.Access]bool{}
	for _, g := range gaps {
		if len(g.Namespaces) == 0 {
			wide[access(g.Rule, g.Verb, "")] = true
		}
	}
	var order []key
	verbs := map[key][]string{}
	for _, g := range gaps {
		if len(g.Namespaces) > 0 && wide[access(g.Rule, g.Verb, "")] {
			continue
		}
		k := key{g.Rule.Group(), g.Rule.Name(), where(g.Namespaces)}
		if _, ok := verbs[k]; !ok {
			order = append(order, k)
		}
		if !slices.Contains(verbs[k], g.Verb) {
			verbs[k] = append(verbs[k], g.Verb)
		}
	}
	parts := make([]string, 0, len(order))
	for _, k := range order {
		vs := verbs[k]
		sort.SliceStable(vs, func(i, j int) bool { return verbRank(vs[i]) < verbRank(vs[j]) })
		p := fmt.Sprintf("{apiGroups: [%s], resources: [%s], verbs: [%s]}", groupYAML(k.group), k.resource, strings.Join(vs, ", "))
		if k.where != "" {
			p += " " + k.where
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

func where(namespaces []string) string {
	switch n := len(namespaces); {
	case n == 0:
		return ""
	case n == 1:
		return "in namespace " + namespaces[0]
	case n <= maxNamespacesShown:
		return "in namespaces " + strings.Join(namespaces, ", ")
	default:
		return fmt.Sprintf("in namespaces %s (+%d more)", strings.Join(namespaces[:maxNamespacesShown], ", "), n-maxNamespacesShown)
	}
}

// groupYAML is the API group as it is written in a flow-style RBAC rule: the core group is "".
func groupYAML(g string) string {
	if g == "" {
		return `""`
	}
	return g
}
