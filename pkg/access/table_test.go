package access

import (
	"slices"
	"sort"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

func TestTheTableIsWellFormed(t *testing.T) {
	type key struct {
		role     cluster.Role
		resource string
		verb     string
		scope    Scope
		command  Command
	}
	seen := map[key]bool{}
	for _, r := range Rules() {
		name := r.Role.String() + " " + qualified(r)
		if r.Why == "" || len(r.Commands) == 0 || len(r.Verbs) == 0 {
			t.Errorf("%s: a rule needs verbs, commands and a reason", name)
		}
		if !r.Resource.Namespaced && r.Scope != ClusterWide {
			t.Errorf("%s: a cluster-scoped resource can only be asked cluster-wide, not in the %s", name, r.Scope)
		}
		if r.Scope == SecretNamespace && (r.Role != cluster.Supervisor || r.Resource != cluster.Secrets) {
			t.Errorf("%s: only the supervisor's Secrets live in the KubevirtConfig Secret namespace", name)
		}
		if !sort.SliceIsSorted(r.Verbs, func(i, j int) bool { return verbRank(r.Verbs[i]) < verbRank(r.Verbs[j]) }) {
			t.Errorf("%s: verbs %v are not in the order get, list, watch, create, update, patch, delete", name, r.Verbs)
		}
		for _, v := range r.Verbs {
			if !slices.Contains(knownVerbs(), v) {
				t.Errorf("%s: unknown verb %q", name, v)
			}
			for _, c := range r.Commands {
				if !slices.Contains(Commands(), c) {
					t.Errorf("%s: unknown command %q", name, c)
				}
				k := key{r.Role, qualified(r), v, r.Scope, c}
				if seen[k] {
					t.Errorf("%s: %s for %s twice in the %s", name, v, c, r.Scope)
				}
				seen[k] = true
			}
		}
		if r.Optional != (len(r.Commands) == 1 && r.Commands[0] == Completion) {
			t.Errorf("%s: only shell completion's rules are optional, and all of them", name)
		}
	}
	for _, c := range Commands() {
		if len(RulesFor(cluster.Supervisor, c)) == 0 {
			t.Errorf("%s has no supervisor rules", c)
		}
		if c != Completion && len(RulesFor(cluster.Remote, c)) == 0 {
			t.Errorf("%s has no remote rules", c)
		}
	}
}

// TestTheTableHoldsWhatTheCommandsNeed lists, from the code and from the designs of the commands
// being built, every verb each command needs; the table must grant each, for that command.
func TestTheTableHoldsWhatTheCommandsNeed(t *testing.T) {
	type need struct {
		role     cluster.Role
		resource cluster.Resource
		verbs    []string
		commands []Command
	}
	needs := []need{
		// Read from the code of each command (pkg/source, pkg/pipeline, pkg/target, pkg/nssync,
		// pkg/deletion, pkg/write) and from the design of status.
		{sup, cluster.Machines, []string{"get", "list", "create", "patch"}, []Command{Create}},
		{sup, cluster.Machines, []string{"get", "list"}, []Command{Diff, Status}},
		{sup, cluster.Machines, []string{"list", "patch"}, []Command{NSSync}},
		{sup, cluster.Machines, []string{"get", "delete", "watch"}, []Command{Delete}},
		{sup, cluster.KubevirtConfigs, []string{"list"}, []Command{Create, Diff, NSSync, Status, Delete, Doctor}},
		{sup, cluster.MachineClasses, []string{"get"}, []Command{Create, Diff, Status}},
		{sup, cluster.NetworkNamespaces, []string{"list"}, []Command{Create, Diff, Status, Doctor}},
		{sup, cluster.NetworkConfigurations, []string{"get", "list", "create", "update"}, []Command{Create}},
		{sup, cluster.NetworkConfigurations, []string{"list"}, []Command{Diff, Status}},
		{sup, cluster.NetworkConfigurations, []string{"get", "delete", "watch"}, []Command{Delete}},
		{sup, cluster.Secrets, []string{"get"}, []Command{Create, Diff, NSSync, Status, Delete, Doctor}},
		{sup, cluster.ConfigMaps, []string{"get"}, []Command{Create, Diff, Status}},
		{sup, cluster.SelfSubjectAccessReviews, []string{"create"}, []Command{Doctor}},
		{remote, cluster.Namespaces, []string{"get", "create"}, []Command{Create}},
		{remote, cluster.Namespaces, []string{"get"}, []Command{Diff, Delete}},
		{remote, cluster.Namespaces, []string{"list", "create"}, []Command{NSSync}},
		{remote, cluster.PVCs, []string{"get", "list", "create"}, []Command{Create}},
		{remote, cluster.PVCs, []string{"list"}, []Command{Diff}},
		{remote, cluster.PVCs, []string{"list", "watch"}, []Command{Status}},
		{remote, cluster.PVCs, []string{"get", "list", "delete", "watch"}, []Command{Delete}},
		{remote, cluster.Secrets, []string{"get", "create"}, []Command{Create}},
		{remote, cluster.Secrets, []string{"get"}, []Command{Diff}},
		{remote, cluster.Secrets, []string{"get", "delete", "watch"}, []Command{Delete}},
		{remote, cluster.StorageClasses, []string{"list"}, []Command{Create, Diff, Status, Doctor}},
		{remote, cluster.StorageProfiles, []string{"get"}, []Command{Create, Diff, Status}},
		{remote, cluster.VirtualMachines, []string{"get", "list", "create", "watch"}, []Command{Create}},
		{remote, cluster.VirtualMachines, []string{"list"}, []Command{Diff, NSSync}},
		{remote, cluster.VirtualMachines, []string{"list", "watch"}, []Command{Status}},
		{remote, cluster.VirtualMachines, []string{"get", "list", "delete", "watch"}, []Command{Delete}},
		{remote, cluster.VirtualMachineInstances, []string{"list", "watch"}, []Command{Status}},
		{remote, cluster.NetworkAttachmentDefinitions, []string{"get", "create"}, []Command{Create}},
		{remote, cluster.NetworkAttachmentDefinitions, []string{"get"}, []Command{Diff}},
		{remote, cluster.NetworkAttachmentDefinitions, []string{"get", "delete", "watch"}, []Command{Delete}},
		{remote, cluster.Events, []string{"list"}, []Command{Create}},
		{remote, cluster.SelfSubjectAccessReviews, []string{"create"}, []Command{Doctor}},
	}
	for _, n := range needs {
		for _, c := range n.commands {
			for _, v := range n.verbs {
				found := false
				for _, r := range RulesFor(n.role, c) {
					found = found || (r.Resource == n.resource && slices.Contains(r.Verbs, v))
				}
				if !found {
					t.Errorf("%s on the %s needs %s %s; the table does not grant it", c, n.role, v, n.resource.GVR.GroupResource())
				}
			}
		}
	}
}
