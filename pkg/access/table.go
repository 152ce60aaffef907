// Package access is the single source of truth for what the plugin may need to do on each cluster:
// per command and per cluster role, the API group, resource, verbs and namespace scope of every
// request it makes, each with the reason. From the table, Review asks a cluster which of them the
// caller lacks (SelfSubjectAccessReviews, for `doctor`), Manifest writes the least-privilege RBAC
// examples (examples/rbac-*.yaml) and Markdown the RBAC table of docs/security.md; tests fail when
// those files drift from the table (`make rbac` regenerates them).
package access

import (
	"slices"

	"k8s.io/apimachinery/pkg/runtime/schema"

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
	Resize     Command = "resize"
	Doctor     Command = "doctor"
	Describe   Command = "describe"
	Orphans    Command = "orphans"
	Completion Command = "completion"
	// Power is the seven power verbs (start, stop, restart, pause, unpause, soft-reboot, migrate),
	// which need the same permissions but each its own subresource.
	Power Command = "power"
	// Guest is the commands into a Machine's guest (console, vnc, port-forward, ssh, scp), which
	// open KubeVirt's streaming subresources of its VMI.
	Guest Command = "guest"
)

// Commands are every command of the table, in the order reports show them.
func Commands() []Command {
	return []Command{Create, Diff, NSSync, Status, Delete, Resize, Power, Guest, Doctor, Describe, Orphans, Completion}
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
	case ClusterWide:
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
func resolving() []Command {
	return []Command{Create, Diff, NSSync, Status, Delete, Resize, Power, Guest, Doctor, Describe, Orphans}
}

// Rules is the table: everything the plugin's commands may request, on the supervisor and on each
// remote cluster. The rules of commands still being built (status, delete, cloud-init, networks) are
// here already, so that doctor and the RBAC examples cover them the day they land.
func Rules() []Rule {
	return append(supervisorRules(), remoteRules()...)
}

func supervisorRules() []Rule {
	return []Rule{
		{sup, cluster.Machines, []string{"get"}, MachineNamespaces, []Command{Create, Diff, Status, Delete, Resize, Power, Guest, Describe}, false,
			"read a Machine named on the command line or given with -f"},
		{sup, cluster.Machines, []string{"list"}, MachineNamespaces, []Command{Create, Diff, Resize, Power}, false,
			"read the Machines of a file batch with one list per namespace; -l lists the namespace's Machines"},
		{sup, cluster.Machines, []string{"list"}, ClusterWide, []Command{NSSync, Status, Power, Doctor, Describe, Orphans}, false,
			"list the Machines of every namespace in one paged list (ns-sync, status -A, the power verbs' -A, doctor, describe -l, orphans; also create, diff and resize -A)"},
		{sup, cluster.Machines, []string{"create"}, MachineNamespaces, []Command{Create}, false,
			"create a Machine given with -f when it is absent (never updated)"},
		{sup, cluster.Machines, []string{"patch"}, MachineNamespaces, []Command{Create, NSSync}, false,
			"record the chosen KubevirtConfig in the vitistack.io/kubevirt-config annotation, as the operator does"},
		{sup, cluster.Machines, []string{"patch"}, MachineNamespaces, []Command{Resize}, false,
			"resize: the Machine's spec.machineClass, cpu, memory or disks, as a merge patch under the resourceVersion read"},
		{sup, cluster.Machines, []string{"watch", "delete"}, MachineNamespaces, []Command{Delete}, false,
			"delete --machine removes the Machine itself (--wait watches it go)"},
		{sup, cluster.Machines, []string{"list"}, MachineNamespaces, []Command{Completion}, true,
			"complete Machine names"},
		{sup, cluster.KubevirtConfigs, []string{"list"}, ClusterWide, resolving(), false,
			"find each Machine's remote cluster: the KubevirtConfigs are listed once per run"},
		{sup, cluster.KubevirtConfigs, []string{"list"}, ClusterWide, []Command{Completion}, true,
			"complete --kubevirt-config"},
		{sup, cluster.MachineClasses, []string{"get"}, ClusterWide, []Command{Create, Diff, Status, Resize}, false,
			"CPU and memory from the Machine's spec.machineClass (status -o wide renders to compare)"},
		{sup, cluster.NetworkNamespaces, []string{"list"}, MachineNamespaces, []Command{Create, Diff, Status, Resize}, false,
			"the Machine's NetworkNamespace, found as the operator finds it: pod network or Multus"},
		{sup, cluster.NetworkNamespaces, []string{"list"}, ClusterWide, []Command{Create, Diff, Status, Doctor, Resize}, false,
			"one list across all namespaces when a run spans several (status -o wide); the Machines that need Multus (doctor)"},
		{sup, cluster.MachineClasses, []string{"list"}, ClusterWide, []Command{Describe}, false,
			"whether each Machine's MachineClass exists: one list per run"},
		{sup, cluster.Events, []string{"list"}, MachineNamespaces, []Command{Describe}, false,
			"the last events of the Machine and its NetworkConfiguration: one list per namespace"},
		{sup, cluster.NetworkConfigurations, []string{"list"}, MachineNamespaces, []Command{Create, Diff, Status, Resize, Describe}, false,
			"the MAC address kept in the Machine's NetworkConfiguration"},
		{sup, cluster.NetworkConfigurations, []string{"list"}, ClusterWide, []Command{Create, Diff, Status, Resize, Describe}, false,
			"one list across all namespaces when a run spans several (status -o wide, describe)"},
		{sup, cluster.NetworkConfigurations, []string{"get"}, MachineNamespaces, []Command{Create, Delete}, false,
			"after a write that failed, whether it was stored; the NetworkConfiguration delete removes"},
		{sup, cluster.NetworkConfigurations, []string{"create", "update"}, MachineNamespaces, []Command{Create}, false,
			"persist a generated MAC address before the VM, as the operator does (create, or append the missing interface)"},
		{sup, cluster.NetworkConfigurations, []string{"watch", "delete"}, MachineNamespaces, []Command{Delete}, false,
			"remove the Machine's NetworkConfiguration (--wait watches it go)"},
		{sup, cluster.Secrets, []string{"get"}, SecretNamespace, resolving(), false,
			"read the remote cluster's kubeconfig from each KubevirtConfig's Secret"},
		{sup, cluster.Secrets, []string{"get"}, MachineNamespaces, []Command{Create, Diff, Status, Resize}, false,
			"cloud-init user and network data from Secret sources (spec.cloudInit)"},
		{sup, cluster.ConfigMaps, []string{"get"}, MachineNamespaces, []Command{Create, Diff, Status, Resize}, false,
			"cloud-init user and network data from ConfigMap sources (spec.cloudInit)"},
		{sup, cluster.SelfSubjectAccessReviews, []string{"create"}, ClusterWide, []Command{Doctor}, false,
			"ask the API server what you may do (stores nothing; every authenticated user may by default)"},
		{sup, cluster.Namespaces, []string{"list"}, ClusterWide, []Command{Completion}, true,
			"complete -n"},
	}
}

func remoteRules() []Rule {
	return []Rule{
		{remote, cluster.Namespaces, []string{"get"}, ClusterWide, []Command{Create, Diff, Delete, Resize}, false,
			"the Machine's namespace: missing, there (never modified) or terminating"},
		{remote, cluster.Namespaces, []string{"create"}, ClusterWide, []Command{Create, NSSync}, false,
			"create a missing namespace with the managed-by label"},
		{remote, cluster.Namespaces, []string{"list"}, ClusterWide, []Command{NSSync}, false,
			"one paged namespace list per cluster; the orphans"},
		{remote, cluster.PVCs, []string{"get"}, MachineNamespaces, []Command{Create, Delete}, false,
			"after a write that failed, whether it was stored; delete --wait"},
		{remote, cluster.PVCs, []string{"list"}, MachineNamespaces, []Command{Create, Diff, Delete, Resize}, false,
			"one list per namespace finds every PVC of its Machines"},
		{remote, cluster.PVCs, []string{"create"}, MachineNamespaces, []Command{Create}, false,
			"create the Machine's PVCs"},
		{remote, cluster.PVCs, []string{"patch"}, MachineNamespaces, []Command{Resize}, false,
			"resize --disk: grow a PVC's storage request, as a merge patch under the resourceVersion read"},
		{remote, cluster.PVCs, []string{"watch", "delete"}, MachineNamespaces, []Command{Delete}, false,
			"delete the PVCs create made (--wait watches them go)"},
		{remote, cluster.PVCs, []string{"list", "watch"}, ClusterWide, []Command{Status}, false,
			"the DISKS column: one list per namespace, or per cluster when there are many; status -w"},
		{remote, cluster.Secrets, []string{"get"}, MachineNamespaces, []Command{Create, Diff, Delete}, false,
			"the cloud-init Secret <vm>-cloudinit"},
		{remote, cluster.Secrets, []string{"create"}, MachineNamespaces, []Command{Create}, false,
			"create the cloud-init Secret <vm>-cloudinit before the VM, so that the data is not in the VM"},
		{remote, cluster.Secrets, []string{"watch", "delete"}, MachineNamespaces, []Command{Delete}, false,
			"delete the cloud-init Secret (--wait watches it go)"},
		{remote, cluster.StorageClasses, []string{"list"}, ClusterWide, []Command{Create, Diff, Status, Doctor, Resize}, false,
			"the default StorageClass (not used with --storage-class)"},
		{remote, cluster.StorageClasses, []string{"get"}, ClusterWide, []Command{Resize}, false,
			"resize --disk: whether a PVC's StorageClass allows volume expansion"},
		{remote, cluster.StorageProfiles, []string{"get"}, ClusterWide, []Command{Create, Diff, Status, Resize}, false,
			"the access mode from the class's CDI StorageProfile (404 without CDI is fine; 403 is an error)"},
		{remote, cluster.VirtualMachines, []string{"get"}, MachineNamespaces, []Command{Create, Delete}, false,
			"after a create that failed, whether it was stored; delete --wait"},
		{remote, cluster.VirtualMachines, []string{"list"}, MachineNamespaces, []Command{Create, Diff, Delete, Resize, Power, Guest}, false,
			"one list per namespace: the VMs, the duplicate guard and the VM search"},
		{remote, cluster.VirtualMachines, []string{"watch", "create"}, MachineNamespaces, []Command{Create}, false,
			"create the VirtualMachine; --wait watches it until Running"},
		{remote, cluster.VirtualMachines, []string{"patch"}, MachineNamespaces, []Command{Resize}, false,
			"resize: the VM template's CPU and memory, as a merge patch under the resourceVersion read"},
		{remote, cluster.VirtualMachines, []string{"watch", "delete"}, MachineNamespaces, []Command{Delete}, false,
			"delete the VirtualMachine (--wait watches it go)"},
		{remote, cluster.VirtualMachines, []string{"list"}, ClusterWide, []Command{NSSync, Status, Power, Guest}, false,
			"the VM search across all namespaces, once per cluster; status's VMs, per namespace or per cluster"},
		{remote, cluster.VirtualMachines, []string{"watch"}, ClusterWide, []Command{Status}, false,
			"status -w"},
		{remote, cluster.VirtualMachineInstances, []string{"list", "watch"}, ClusterWide, []Command{Status}, false,
			"phase, node and IP of running VMs; status -w"},
		{remote, cluster.VirtualMachineInstances, []string{"list"}, MachineNamespaces, []Command{Power}, false,
			"whether each VM runs, is paused and on which node: one list per namespace (and per second with --wait)"},
		{remote, kubevirtAction("virtualmachines/start"), []string{"update"}, MachineNamespaces, []Command{Power}, false,
			"start: KubeVirt's subresource call (KubeVirt's own roles grant update)"},
		{remote, kubevirtAction("virtualmachines/stop"), []string{"update"}, MachineNamespaces, []Command{Power}, false,
			"stop: KubeVirt's subresource call"},
		{remote, kubevirtAction("virtualmachines/restart"), []string{"update"}, MachineNamespaces, []Command{Power}, false,
			"restart: KubeVirt's subresource call"},
		{remote, kubevirtAction("virtualmachines/migrate"), []string{"update"}, MachineNamespaces, []Command{Power}, false,
			"migrate: KubeVirt's subresource call (KubeVirt creates the VirtualMachineInstanceMigration)"},
		{remote, kubevirtAction("virtualmachineinstances/pause"), []string{"update"}, MachineNamespaces, []Command{Power}, false,
			"pause: KubeVirt's subresource call"},
		{remote, kubevirtAction("virtualmachineinstances/unpause"), []string{"update"}, MachineNamespaces, []Command{Power}, false,
			"unpause: KubeVirt's subresource call"},
		{remote, kubevirtAction("virtualmachineinstances/softreboot"), []string{"update"}, MachineNamespaces, []Command{Power}, false,
			"soft-reboot: KubeVirt's subresource call"},
		{remote, cluster.VirtualMachineInstances, []string{"get"}, MachineNamespaces, []Command{Guest}, false,
			"whether the Machine's VM runs before a stream is opened (console --timeout reads it each second)"},
		{remote, kubevirtAction("virtualmachineinstances/console"), []string{"get"}, MachineNamespaces, []Command{Guest}, false,
			"console: KubeVirt's serial console stream (a websocket GET; KubeVirt's own roles grant get)"},
		{remote, kubevirtAction("virtualmachineinstances/vnc"), []string{"get"}, MachineNamespaces, []Command{Guest}, false,
			"vnc: KubeVirt's VNC stream"},
		{remote, kubevirtAction("virtualmachineinstances/portforward"), []string{"get"}, MachineNamespaces, []Command{Guest}, false,
			"port-forward, ssh, scp: KubeVirt's port-forward stream, one per connection"},
		{remote, cluster.NetworkAttachmentDefinitions, []string{"get"}, MachineNamespaces, []Command{Create, Diff, Delete}, false,
			"the Machine's Multus network: created if absent, never updated"},
		{remote, cluster.NetworkAttachmentDefinitions, []string{"create"}, MachineNamespaces, []Command{Create}, false,
			"create the NetworkAttachmentDefinition of a VLAN or static-IP network before the VM"},
		{remote, cluster.NetworkAttachmentDefinitions, []string{"watch", "delete"}, MachineNamespaces, []Command{Delete}, false,
			"delete a NetworkAttachmentDefinition no other VM uses (--wait watches it go)"},
		{remote, cluster.Events, []string{"list"}, MachineNamespaces, []Command{Create, Describe}, false,
			"create --wait shows the VM's last warning event when it times out; describe shows each object's last events"},
		{remote, cluster.Events, []string{"list"}, ClusterWide, []Command{Describe}, false,
			"describe across more than 5 namespaces: one event list per cluster"},
		{remote, cluster.VirtualMachines, []string{"list"}, ClusterWide, []Command{Describe, Orphans}, false,
			"the VMs of the namespace, or of the cluster (orphans -A, describe across many namespaces)"},
		{remote, cluster.VirtualMachineInstances, []string{"list"}, ClusterWide, []Command{Describe, Orphans}, false,
			"phase, node, addresses, guest agent and last migration of the VM's instance; instances without a VM"},
		{remote, cluster.PVCs, []string{"list"}, ClusterWide, []Command{Describe, Orphans}, false,
			"the Machine's disks; PVCs labelled for a Machine that is gone"},
		{remote, cluster.DataVolumes, []string{"list"}, ClusterWide, []Command{Describe}, false,
			"phase and import progress of the Machine's DataVolumes (without CDI there are none)"},
		{remote, cluster.NetworkAttachmentDefinitions, []string{"list"}, ClusterWide, []Command{Describe, Orphans}, false,
			"the NetworkAttachmentDefinitions the VM uses; those no VM uses (without Multus there are none)"},
		{remote, cluster.Secrets, []string{"list"}, MachineNamespaces, []Command{Describe}, false,
			"whether the cloud-init Secret exists and its keys (its data is dropped as it is read, never shown)"},
		{remote, cluster.Secrets, []string{"list"}, ClusterWide, []Command{Orphans}, false,
			"cloud-init Secrets labelled for a Machine that is gone (only Secrets with the vitistack.io/source-machine label are listed)"},
		{remote, cluster.SelfSubjectAccessReviews, []string{"create"}, ClusterWide, []Command{Doctor}, false,
			"ask the API server what the kubeconfig's identity may do (stores nothing)"},
	}
}

// kubevirtAction is a KubeVirt subresource ("virtualmachines/start") of subresources.kubevirt.io,
// as RBAC names it.
func kubevirtAction(resource string) cluster.Resource {
	return cluster.Resource{GVR: schema.GroupVersionResource{Group: "subresources.kubevirt.io", Version: "v1", Resource: resource}, Kind: resource, Namespaced: true}
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
