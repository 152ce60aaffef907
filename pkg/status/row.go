package status

import (
	"net"
	"sort"
	"strings"
	"time"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// NotProvisioned is the status of a Machine without a VirtualMachine.
const NotProvisioned = "NotProvisioned"

// Row is one Machine joined with what is live on its remote cluster.
type Row struct {
	Namespace, Machine string
	// Cluster is the display name of the Machine's remote cluster. For a Machine that could not be
	// resolved it is the KubevirtConfig its annotation names, if any; "" when the Machine is
	// provisioned on none of the clusters searched.
	Cluster string
	// VM is nil when there is no VirtualMachine (or when Error is set).
	VM *VM
	// VMI is nil when the VM has no running instance.
	VMI *VMI
	// PVCs are the PVCs labelled with the Machine, by name.
	PVCs []PVC
	// Error says why the Machine's cluster could not be read (or resolved); the other fields
	// are then unknown.
	Error string
	// Phase is the Machine's own status.phase on the supervisor.
	Phase string
	// Drift says whether the live VM differs from what create would render now (Options.Drift).
	Drift Drift
	// DriftError says why Drift is DriftUnknown.
	DriftError string
	// Created is when the VM was created, else when the Machine was.
	Created time.Time
}

// VM is the part of a VirtualMachine status shows.
type VM struct {
	Name string
	// Status is the VM's status.printableStatus ("" when no controller set one yet).
	Status string
	Ready  bool
}

// VMI is the part of a VirtualMachineInstance status shows.
type VMI struct {
	Phase string
	Node  string
	// Migration is the phase of the VMI's last migration, from its status.migrationState (what
	// KubeVirt keeps there of it): Succeeded, Failed or Running; "" when it was never migrated.
	Migration string
	// IPs are every address of every interface, in order, without repeats.
	IPs []string
}

// PVC is one of the Machine's PersistentVolumeClaims and its phase (Pending, Bound, Lost).
type PVC struct {
	Name, Phase string
}

// Drift is the comparison of the live VM with what create would render.
type Drift int

const (
	// DriftNotChecked: drift was not asked for.
	DriftNotChecked Drift = iota
	// DriftNone: there is no VM to compare.
	DriftNone
	// DriftNo: the live VM has every field create would set, with the same value.
	DriftNo
	// DriftYes: the live VM differs from what create would render now.
	DriftYes
	// DriftUnknown: the Machine could not be rendered (DriftError says why).
	DriftUnknown
)

// Status is the STATUS column: "error: …" when the cluster could not be read, NotProvisioned
// without a VM, else the VM's printableStatus.
func (r Row) Status() string {
	switch {
	case r.Error != "":
		return "error: " + r.Error
	case r.VM == nil:
		return NotProvisioned
	}
	return r.VM.Status
}

// IP is the first IPv4 address of the VMI's interfaces, or "".
func (r Row) IP() string {
	if r.VMI == nil {
		return ""
	}
	for _, ip := range r.VMI.IPs {
		if p := net.ParseIP(ip); p != nil && p.To4() != nil {
			return ip
		}
	}
	return ""
}

// Disks counts the Machine's PVCs and those of them that are Bound.
func (r Row) Disks() (bound, total int) {
	for _, p := range r.PVCs {
		if p.Phase == "Bound" {
			bound++
		}
	}
	return bound, len(r.PVCs)
}

// same reports whether two rows of one Machine look the same, age aside: what -w prints a line for.
func same(a, b Row) bool {
	ab, at := a.Disks()
	bb, bt := b.Disks()
	return a.Status() == b.Status() && readyOf(a) == readyOf(b) && a.IP() == b.IP() && ab == bb && at == bt &&
		vmName(a) == vmName(b) && nodeOf(a) == nodeOf(b) && a.Drift == b.Drift
}

func readyOf(r Row) bool { return r.VM != nil && r.VM.Ready }

func vmName(r Row) string {
	if r.VM == nil {
		return ""
	}
	return r.VM.Name
}

func nodeOf(r Row) string {
	if r.VMI == nil {
		return ""
	}
	return r.VMI.Node
}

// findVM picks the Machine's VM among its namespace's VMs: the one labelled with the Machine
// (either source-machine key; when several are, the one named as either naming scheme names it,
// else the first by name), else an unlabelled one named as either scheme names it.
func findVM(m *vitistackv1alpha1.Machine, p *place) *object {
	names := []string{render.VMName(render.NamingSeed, m.Name), render.VMName(render.NamingOperator, m.Name)}
	owned := p.owned[m.Name]
	pool := owned
	if len(owned) == 0 {
		pool = p.owned[""]
	}
	for _, n := range names {
		if o := pool[n]; o != nil {
			return o
		}
	}
	if len(owned) == 0 {
		return nil
	}
	keys := make([]string, 0, len(owned))
	for k := range owned {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return owned[keys[0]]
}

// ownedPVCs are the PVCs labelled with a Machine, by name.
func ownedPVCs(pvcs []*object) []PVC {
	var out []PVC
	for _, o := range pvcs {
		out = append(out, PVC{Name: o.name, Phase: o.status})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// slim keeps what status needs of an object; full keeps a whole VirtualMachine too.
func slim(r cluster.Resource, u *unstructured.Unstructured, full bool) *object {
	o := &object{name: u.GetName(), namespace: u.GetNamespace(), created: u.GetCreationTimestamp().Time}
	labels := u.GetLabels()
	for _, k := range vitistack.SourceMachineKeys {
		if v := labels[k]; v != "" {
			if o.owners == nil {
				o.owners = map[string]string{}
			}
			o.owners[k] = v
		}
	}
	switch r.GVR.Resource {
	case cluster.VirtualMachines.GVR.Resource:
		o.status, _, _ = unstructured.NestedString(u.Object, "status", "printableStatus")
		o.ready, _, _ = unstructured.NestedBool(u.Object, "status", "ready")
		if full {
			o.full = u.Object
		}
	case cluster.VirtualMachineInstances.GVR.Resource:
		o.status, _, _ = unstructured.NestedString(u.Object, "status", "phase")
		o.node, _, _ = unstructured.NestedString(u.Object, "status", "nodeName")
		o.ips = interfaceIPs(u)
		o.migration = migrationPhase(u)
	default:
		o.status, _, _ = unstructured.NestedString(u.Object, "status", "phase")
	}
	return o
}

// migrationPhase is the phase of a VMI's last migration from its status.migrationState: Failed,
// Succeeded (completed), else Running; "" without one.
func migrationPhase(u *unstructured.Unstructured) string {
	ms, ok, _ := unstructured.NestedMap(u.Object, "status", "migrationState")
	if !ok || len(ms) == 0 {
		return ""
	}
	failed, _, _ := unstructured.NestedBool(ms, "failed")
	completed, _, _ := unstructured.NestedBool(ms, "completed")
	switch {
	case failed:
		return "Failed"
	case completed:
		return "Succeeded"
	}
	return "Running"
}

// interfaceIPs are the addresses of a VMI's interfaces (status.interfaces[].ipAddress, then
// .ipAddresses), in order, without repeats.
func interfaceIPs(u *unstructured.Unstructured) []string {
	ifaces, _, _ := unstructured.NestedSlice(u.Object, "status", "interfaces")
	seen := map[string]bool{}
	var out []string
	add := func(ip string) {
		if ip = strings.TrimSpace(ip); ip != "" && !seen[ip] {
			seen[ip] = true
			out = append(out, ip)
		}
	}
	for _, i := range ifaces {
		m, ok := i.(map[string]any)
		if !ok {
			continue
		}
		ip, _, _ := unstructured.NestedString(m, "ipAddress")
		add(ip)
		ips, _, _ := unstructured.NestedStringSlice(m, "ipAddresses")
		for _, ip := range ips {
			add(ip)
		}
	}
	return out
}
