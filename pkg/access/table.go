// Package access is the single source of truth for what the plugin may need to do on each cluster:
// per command and per cluster role, the API group, resource, verbs and namespace scope of every
// request it makes, each with the reason. From the table, Review asks a cluster which of them the
// caller lacks (SelfSubjectAccessReviews, for `doctor`), Manifest writes the least-privilege RBAC
// examples (examples/rbac-*.yaml) and Markdown the RBAC table of docs/security.md; tests fail when
// those files drift from the table (`make rbac` regenerates them).
package access

import (
	"slices"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// Command is a plugin command whose requests the table lists.
type Command string

// The commands. Completion is the shell completion of names and -n; its rules are optional.
const (
	Create     Command = "create"
	Diff       Command = "diff"
	NSSync     Command = "ns-sync"
	Status     Command = "status"
	Delete     Command = "delete"
	Doctor     Command = "doctor"
	Completion Command = "completion"
)

// Commands are every command of the table, in the order reports show them.
func Commands() []Command {
	return []Command{Create, Diff, NSSync, Status, Delete, Doctor, Completion}
}

// Scope is where a rule's requests go, and so where the caller needs the rule.
type Scope int

const (
	// ClusterWide requests span the whole cluster: cluster-scoped resources, or lists across all
	// namespaces. RBAC grants them with a ClusterRoleBinding.
	ClusterWide Scope = iota
	// MachineNamespaces requests go to the namespaces that hold Machines (on a remote cluster, the
	// same namespaces: a Machine's remote objects live in its namespace).
	MachineNamespaces
	// SecretNamespace requests go to the namespace of the KubevirtConfigs' Secrets on the supervisor
	// (spec.secretNamespace).
	SecretNamespace
)

func (s Scope) String() string {
	switch s {
	case MachineNamespaces:
		return "Machines' namespaces"
	case SecretNamespace:
		return "KubevirtConfig Secret namespace"
	}
	return "cluster-wide"
}

// Rule is one row of the table: verbs on a resource, on the supervisor or on every remote cluster,
// in a scope, needed by some commands, for a reason.
type Rule struct {
	Role     cluster.Role
	Resource cluster.Resource
	Verbs    []string
	Scope    Scope
	Commands []Command
	// Optional rules make a command degrade, not fail, when missing (shell completion).
	Optional bool
	Why      string
}

// Group is the rule's API group ("" for the core group).
func (r Rule) Group() string { return r.Resource.GVR.Group }

// Name is the rule's resource name ("machines").
func (r Rule) Name() string { return r.Resource.GVR.Resource }

// For reports whether the rule serves the command.
func (r Rule) For(c Command) bool { return slices.Contains(r.Commands, c) }

// knownVerbs are the verbs the table uses, in the order they are printed.
func knownVerbs() []string {
	return []string{"get", "list", "watch", "create", "update", "patch", "delete"}
}

// verbRank orders verbs as they are printed; unknown verbs come last.
func verbRank(v string) int {
	if i := slices.Index(knownVerbs(), v); i >= 0 {
		return i
	}
	return len(knownVerbs())
}

// Shorthands for the table.
const (
	sup    = cluster.Supervisor
	remote = cluster.Remote
)

// resolving are the commands that resolve Machines to remote clusters through KubevirtConfigs.
func resolving() []Command { return []Command{Create, Diff, NSSync, Status, Delete, Doctor} }

// Rules is the table: everything the plugin's commands may request, on the supervisor and on each
// remote cluster. The rules of commands still being built (status, delete, cloud-init, networks) are
// here already, so that doctor and the RBAC examples cover them the day they land.
func Rules() []Rule {
	return append(supervisorRules(), remoteRules()...)
}

func supervisorRules() []Rule {
	return []Rule{
		{sup, cluster.Machines, []string{"get"}, MachineNamespaces, []Command{Create, Diff, Status, Delete}, false,
			"read a Machine named on the command line, or see whether a Machine from -f is already there"},
		{sup, cluster.Machines, []string{"list"}, ClusterWide, []Command{NSSync, Status, Doctor}, false,
			"list the Machines of every namespace in one paged list (ns-sync, status -A, doctor)"},
		{sup, cluster.Machines, []string{"create"}, MachineNamespaces, []Command{Create}, false,
			"create a Machine given with -f when it is absent (never updated)"},
		{sup, cluster.Machines, []string{"patch"}, MachineNamespaces, []Command{Create, NSSync}, false,
			"record the chosen KubevirtConfig in the vitistack.io/kubevirt-config annotation, as the operator does"},
		{sup, cluster.Machines, []string{"delete"}, MachineNamespaces, []Command{Delete}, false,
			"delete --machine removes the Machine itself"},
		{sup, cluster.Machines, []string{"list"}, MachineNamespaces, []Command{Completion}, true,
			"complete Machine names"},
		{sup, cluster.KubevirtConfigs, []string{"get", "list"}, ClusterWide, resolving(), false,
			"find each Machine's remote cluster: the KubevirtConfigs are read once per run"},
		{sup, cluster.KubevirtConfigs, []string{"list"}, ClusterWide, []Command{Completion}, true,
			"complete --kubevirt-config"},
		{sup, cluster.MachineClasses, []string{"get"}, ClusterWide, []Command{Create, Diff, Status}, false,
			"CPU and memory from the Machine's spec.machineClass (status -o wide renders to compare)"},
		{sup, cluster.NetworkNamespaces, []string{"get", "list"}, MachineNamespaces, []Command{Create, Diff}, false,
			"the Machine's NetworkNamespace (spec.network.networkNamespaceName, else the operator's lookup): pod network or Multus"},
		{sup, cluster.NetworkNamespaces, []string{"list"}, ClusterWide, []Command{Doctor}, false,
			"find the Machines that use networks, whose clusters need Multus"},
		{sup, cluster.NetworkConfigurations, []string{"get", "create", "update"}, MachineNamespaces, []Command{Create}, false,
			"reuse the MAC address in the Machine's NetworkConfiguration, or persist a generated one before the VM"},
		{sup, cluster.NetworkConfigurations, []string{"delete"}, MachineNamespaces, []Command{Delete}, false,
			"remove the NetworkConfiguration with the Machine"},
		{sup, cluster.Secrets, []string{"get"}, SecretNamespace, resolving(), false,
			"read the remote cluster's kubeconfig from each KubevirtConfig's Secret"},
		{sup, cluster.Secrets, []string{"get"}, MachineNamespaces, []Command{Create, Diff}, false,
			"cloud-init user and network data from Secret sources (spec.cloudInit)"},
		{sup, cluster.ConfigMaps, []string{"get"}, MachineNamespaces, []Command{Create, Diff}, false,
			"cloud-init user and network data from ConfigMap sources (spec.cloudInit)"},
		{sup, cluster.SelfSubjectAccessReviews, []string{"create"}, ClusterWide, []Command{Doctor}, false,
			"ask the API server what you may do (stores nothing; every authenticated user may by default)"},
		{sup, cluster.Namespaces, []string{"list"}, ClusterWide, []Command{Completion}, true,
			"complete -n"},
	}
}

func remoteRules() []Rule {
	return []Rule{
		{remote, cluster.Namespaces, []string{"get"}, ClusterWide, []Command{Create, Diff}, false,
			"the Machine's namespace: missing, there (never modified) or terminating"},
		{remote, cluster.Namespaces, []string{"create"}, ClusterWide, []Command{Create, NSSync}, false,
			"create a missing namespace with the managed-by label"},
		{remote, cluster.Namespaces, []string{"list"}, ClusterWide, []Command{NSSync}, false,
			"one paged namespace list per cluster; the orphans"},
		{remote, cluster.PVCs, []string{"get"}, MachineNamespaces, []Command{Create, Diff}, false,
			"each PVC: missing, unchanged or different"},
		{remote, cluster.PVCs, []string{"list"}, MachineNamespaces, []Command{Create, Delete}, false,
			"the PVCs labelled for the Machine"},
		{remote, cluster.PVCs, []string{"create"}, MachineNamespaces, []Command{Create}, false,
			"create the Machine's PVCs"},
		{remote, cluster.PVCs, []string{"list"}, ClusterWide, []Command{Status}, false,
			"the DISKS column: one list per namespace, or per cluster when there are many"},
		{remote, cluster.PVCs, []string{"delete"}, MachineNamespaces, []Command{Delete}, false,
			"delete the PVCs create made"},
		{remote, cluster.Secrets, []string{"get"}, MachineNamespaces, []Command{Create, Diff, Delete}, false,
			"the cloud-init Secret <vm>-cloudinit"},
		{remote, cluster.Secrets, []string{"create"}, MachineNamespaces, []Command{Create}, false,
			"create the cloud-init Secret <vm>-cloudinit before the VM, so that the data is not in the VM"},
		{remote, cluster.Secrets, []string{"delete"}, MachineNamespaces, []Command{Delete}, false,
			"delete the cloud-init Secret"},
		{remote, cluster.StorageClasses, []string{"list"}, ClusterWide, []Command{Create, Diff, Status, Doctor}, false,
			"the default StorageClass (not used with --storage-class)"},
		{remote, cluster.StorageProfiles, []string{"get"}, ClusterWide, []Command{Create, Diff}, false,
			"the access mode from the class's CDI StorageProfile (404 without CDI is fine; 403 is an error)"},
		{remote, cluster.VirtualMachines, []string{"get"}, MachineNamespaces, []Command{Create, Diff, Delete}, false,
			"the VM: missing, unchanged or different; whether a create that timed out was stored"},
		{remote, cluster.VirtualMachines, []string{"list"}, MachineNamespaces, []Command{Create, Diff, Delete}, false,
			"the duplicate guard and the VM search: VMs labelled for the Machine"},
		{remote, cluster.VirtualMachines, []string{"create"}, MachineNamespaces, []Command{Create}, false,
			"create the VirtualMachine"},
		{remote, cluster.VirtualMachines, []string{"watch"}, MachineNamespaces, []Command{Create, Delete}, false,
			"create --wait until Running; delete waits until the VM is gone"},
		{remote, cluster.VirtualMachines, []string{"list"}, ClusterWide, []Command{NSSync, Status}, false,
			"the VM search across all namespaces, once per cluster (ns-sync); the VMs of status"},
		{remote, cluster.VirtualMachines, []string{"watch"}, ClusterWide, []Command{Status}, false,
			"status -w"},
		{remote, cluster.VirtualMachines, []string{"delete"}, MachineNamespaces, []Command{Delete}, false,
			"delete the VirtualMachine"},
		{remote, cluster.VirtualMachineInstances, []string{"list", "watch"}, ClusterWide, []Command{Status}, false,
			"phase, node and IP of running VMs; status -w"},
		{remote, cluster.NetworkAttachmentDefinitions, []string{"get"}, MachineNamespaces, []Command{Create, Diff, Delete}, false,
			"the Machine's Multus network: created if absent, never updated"},
		{remote, cluster.NetworkAttachmentDefinitions, []string{"create"}, MachineNamespaces, []Command{Create}, false,
			"create the NetworkAttachmentDefinition of a VLAN or static-IP network before the VM"},
		{remote, cluster.NetworkAttachmentDefinitions, []string{"list", "delete"}, MachineNamespaces, []Command{Delete}, false,
			"delete a NetworkAttachmentDefinition no other VM uses"},
		{remote, cluster.Events, []string{"list"}, MachineNamespaces, []Command{Create}, false,
			"create --wait shows the VM's last warning event when it times out"},
		{remote, cluster.SelfSubjectAccessReviews, []string{"create"}, ClusterWide, []Command{Doctor}, false,
			"ask the API server what the kubeconfig's identity may do (stores nothing)"},
	}
}

// RulesFor are the rules of one role that a command needs.
func RulesFor(role cluster.Role, c Command) []Rule {
	var out []Rule
	for _, r := range Rules() {
		if r.Role == role && r.For(c) {
			out = append(out, r)
		}
	}
	return out
}
