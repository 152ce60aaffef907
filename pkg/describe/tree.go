package describe

import "time"

// Item is one Machine end to end: what -o json|yaml prints and what the tree shows.
type Item struct {
	Machine Machine `json:"machine"`
	// Cluster is nil when no cluster was chosen (not resolved, or provisioned nowhere).
	Cluster *Cluster `json:"cluster,omitempty"`
	// VM is nil when the cluster holds no VirtualMachine for the Machine.
	VM *VM `json:"vm,omitempty"`
	// VMI is nil when the VM has no instance.
	VMI *VMI `json:"vmi,omitempty"`
	// Volumes are the PVCs labelled with the Machine or used by its VM, and its DataVolumes.
	Volumes []Volume `json:"volumes"`
	// Networks are the NetworkAttachmentDefinitions the VM's Multus networks name.
	Networks []Network `json:"networks,omitempty"`
	// CloudInit is the Secret the VM takes its cloud-init from; nil when it names none.
	CloudInit *Secret `json:"cloudInit,omitempty"`
	// NetworkConfiguration is the Machine's NetworkConfiguration on the supervisor; nil when absent.
	NetworkConfiguration *NetworkConfiguration `json:"networkConfiguration,omitempty"`
	// Events are the last events of each object above, oldest first.
	Events []Event `json:"events"`
	// Error says why the Machine's cluster could not be chosen or read; what could not be read is
	// then missing.
	Error string `json:"error,omitempty"`
}

// Machine is the Machine on the supervisor.
type Machine struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Phase     string `json:"phase,omitempty"`
	// Class is spec.machineClass; ClassFound says whether that MachineClass exists.
	Class      string `json:"class,omitempty"`
	ClassFound bool   `json:"classFound"`
	// KubevirtConfig is the vitistack.io/kubevirt-config annotation, if any.
	KubevirtConfig string    `json:"kubevirtConfig,omitempty"`
	Created        time.Time `json:"created"`
}

// Cluster is the Machine's remote cluster and how it was chosen.
type Cluster struct {
	Name string `json:"name"`
	// ChosenBy is how: annotation, --kubevirt-config, DEFAULT_KUBEVIRT_CONFIG, only KubevirtConfig,
	// VM found on its cluster, or --remote-kubeconfig/--remote-context.
	ChosenBy string `json:"chosenBy"`
	// Version is the server's version; "" when it could not be read.
	Version string `json:"version,omitempty"`
}

// Condition is one status condition of an object.
type Condition struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	// Healthy says whether the condition is as a working object has it.
	Healthy bool `json:"healthy"`
}

// VM is the VirtualMachine.
type VM struct {
	Name            string `json:"name"`
	PrintableStatus string `json:"printableStatus,omitempty"`
	RunStrategy     string `json:"runStrategy,omitempty"`
	Ready           bool   `json:"ready"`
	// CreatedBy is kubectl-vitimachine, kubevirt-operator or unknown, from its labels and managers.
	CreatedBy string `json:"createdBy"`
	// ManagedBy is the managed-by label as key=value, if any.
	ManagedBy  string      `json:"managedBy,omitempty"`
	Conditions []Condition `json:"conditions,omitempty"`
	Created    time.Time   `json:"created"`
}

// VMI is the VirtualMachineInstance.
type VMI struct {
	Name  string   `json:"name"`
	Phase string   `json:"phase,omitempty"`
	Node  string   `json:"node,omitempty"`
	IPs   []string `json:"ips,omitempty"`
	// GuestAgent is the AgentConnected condition's status: True, False, or "" when unreported.
	GuestAgent    string      `json:"guestAgent,omitempty"`
	Conditions    []Condition `json:"conditions,omitempty"`
	LastMigration *Migration  `json:"lastMigration,omitempty"`
}

// Migration is the VMI's last migration.
type Migration struct {
	SourceNode string     `json:"sourceNode,omitempty"`
	TargetNode string     `json:"targetNode,omitempty"`
	Result     string     `json:"result"`
	Ended      *time.Time `json:"ended,omitempty"`
}

// Volume is a PersistentVolumeClaim or a DataVolume.
type Volume struct {
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	Phase        string `json:"phase,omitempty"`
	Size         string `json:"size,omitempty"`
	StorageClass string `json:"storageClass,omitempty"`
	// Progress is a DataVolume's import progress, such as "45.00%".
	Progress string `json:"progress,omitempty"`
	// Found is false for a volume the VM names that does not exist.
	Found bool `json:"found"`
}

// Network is a NetworkAttachmentDefinition the VM uses.
type Network struct {
	Name  string `json:"name"`
	Found bool   `json:"found"`
	VLAN  string `json:"vlan,omitempty"`
}

// Secret is the cloud-init Secret: whether it exists and its keys, never its data.
type Secret struct {
	Name  string   `json:"name"`
	Found bool     `json:"found"`
	Keys  []string `json:"keys,omitempty"`
}

// NetworkConfiguration is the Machine's NetworkConfiguration on the supervisor.
type NetworkConfiguration struct {
	Name       string      `json:"name"`
	Interfaces []Interface `json:"interfaces,omitempty"`
}

// Interface is one interface of a NetworkConfiguration: its MAC and allocated addresses.
type Interface struct {
	Name string   `json:"name,omitempty"`
	MAC  string   `json:"mac,omitempty"`
	IPs  []string `json:"ips,omitempty"`
}

// Event is one event of one of the Machine's objects.
type Event struct {
	// Object is kind/name, such as "VirtualMachine/vm-web-1".
	Object  string    `json:"object"`
	Type    string    `json:"type"`
	Reason  string    `json:"reason"`
	Message string    `json:"message"`
	Count   int64     `json:"count,omitempty"`
	Last    time.Time `json:"lastSeen"`
}
