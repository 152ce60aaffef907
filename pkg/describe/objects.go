package describe

import (
	"slices"
	"sort"
	"strings"
	"time"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// Who created a VM.
const (
	CreatedByPlugin   = "kubectl-vitimachine"
	CreatedByOperator = "kubevirt-operator"
	CreatedByUnknown  = "unknown"
)

// managedByKeys are the managed-by label keys of the plugin and the operator, newest first.
var managedByKeys = []string{"vitistack.io/managed-by", vitistack.DefaultManagedByKey}

// ManagedBy returns the managed-by label of an object as key=value, or "".
func ManagedBy(labels map[string]string) string {
	for _, k := range managedByKeys {
		if v := labels[k]; v != "" {
			return k + "=" + v
		}
	}
	return ""
}

func byName(objs []*unstructured.Unstructured, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetName() == name {
			return o
		}
	}
	return nil
}

func str(u map[string]any, fields ...string) string {
	s, _, _ := unstructured.NestedString(u, fields...)
	return s
}

func vmOf(u *unstructured.Unstructured) *VM {
	vm := &VM{Name: u.GetName(), PrintableStatus: str(u.Object, "status", "printableStatus"),
		RunStrategy: str(u.Object, "spec", "runStrategy"), ManagedBy: ManagedBy(u.GetLabels()),
		Conditions: conditions(u), Created: u.GetCreationTimestamp().Time}
	vm.Ready, _, _ = unstructured.NestedBool(u.Object, "status", "ready")
	if vm.RunStrategy == "" {
		if running, ok, _ := unstructured.NestedBool(u.Object, "spec", "running"); ok {
			vm.RunStrategy = map[bool]string{true: "Always (spec.running)", false: "Halted (spec.running)"}[running]
		}
	}
	vm.CreatedBy = createdBy(u)
	return vm
}

// createdBy says who made an object: the plugin when it wrote its fields (its field manager),
// else the operator when it carries a managed-by label, else unknown.
func createdBy(u *unstructured.Unstructured) string {
	for _, f := range u.GetManagedFields() {
		if f.Operation == metav1.ManagedFieldsOperationUpdate && strings.HasPrefix(f.Manager, CreatedByPlugin) {
			return CreatedByPlugin
		}
	}
	if ManagedBy(u.GetLabels()) != "" {
		return CreatedByOperator
	}
	return CreatedByUnknown
}

func vmiOf(u *unstructured.Unstructured) *VMI {
	vmi := &VMI{Name: u.GetName(), Phase: str(u.Object, "status", "phase"), Node: str(u.Object, "status", "nodeName"),
		IPs: interfaceIPs(u), Conditions: conditions(u)}
	for _, c := range vmi.Conditions {
		if c.Type == "AgentConnected" {
			vmi.GuestAgent = c.Status
		}
	}
	if ms, ok, _ := unstructured.NestedMap(u.Object, "status", "migrationState"); ok {
		mig := &Migration{SourceNode: str(ms, "sourceNode"), TargetNode: str(ms, "targetNode"), Result: "in progress"}
		completed, _, _ := unstructured.NestedBool(ms, "completed")
		failed, _, _ := unstructured.NestedBool(ms, "failed")
		switch {
		case failed:
			mig.Result = "failed"
		case completed:
			mig.Result = "succeeded"
		}
		if t, err := time.Parse(time.RFC3339, str(ms, "endTimestamp")); err == nil {
			mig.Ended = &t
		}
		vmi.LastMigration = mig
	}
	return vmi
}

// interfaceIPs are the addresses of a VMI's interfaces, in order, without repeats.
func interfaceIPs(u *unstructured.Unstructured) []string {
	ifaces, _, _ := unstructured.NestedSlice(u.Object, "status", "interfaces")
	var out []string
	for _, i := range ifaces {
		m, ok := i.(map[string]any)
		if !ok {
			continue
		}
		ips, _, _ := unstructured.NestedStringSlice(m, "ipAddresses")
		for _, ip := range append([]string{str(m, "ipAddress")}, ips...) {
			if ip != "" && !slices.Contains(out, ip) {
				out = append(out, ip)
			}
		}
	}
	return out
}

// negative are condition types that are healthy when False.
var negative = []string{"Paused", "Failure", "RestartRequired", "ReconcileError", "Degraded"}

// informational are condition types that say nothing about health either way.
var informational = []string{"LiveMigratable", "StorageLiveMigratable", "Initialized"}

// Healthy says whether a condition is as a working object has it.
func Healthy(typ, status string) bool {
	switch {
	case slices.Contains(informational, typ):
		return true
	case slices.Contains(negative, typ):
		return status != "True"
	}
	return status == "True"
}

func conditions(u *unstructured.Unstructured) []Condition {
	raw, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	var out []Condition
	for _, c := range raw {
		m, ok := c.(map[string]any)
		if !ok {
			continue
		}
		cond := Condition{Type: str(m, "type"), Status: str(m, "status"), Reason: str(m, "reason"), Message: str(m, "message")}
		cond.Healthy = Healthy(cond.Type, cond.Status)
		out = append(out, cond)
	}
	return out
}

// volumes are the PVCs labelled with the Machine or named by its VM, and the DataVolumes labelled
// with it or named by the VM (its volumes and dataVolumeTemplates), by kind and name. A volume the VM
// names that does not exist is listed with Found false.
func volumes(machine string, vm *unstructured.Unstructured, pvcs, dvs []*unstructured.Unstructured) []Volume {
	wantPVC, wantDV := map[string]bool{}, map[string]bool{}
	if vm != nil {
		vols, _, _ := unstructured.NestedSlice(vm.Object, "spec", "template", "spec", "volumes")
		for _, v := range vols {
			m, _ := v.(map[string]any)
			if n := str(m, "persistentVolumeClaim", "claimName"); n != "" {
				wantPVC[n] = true
			}
			if n := str(m, "dataVolume", "name"); n != "" {
				wantDV[n] = true
			}
		}
		tmpls, _, _ := unstructured.NestedSlice(vm.Object, "spec", "dataVolumeTemplates")
		for _, t := range tmpls {
			m, _ := t.(map[string]any)
			if n := str(m, "metadata", "name"); n != "" {
				wantDV[n] = true
			}
		}
	}
	out := []Volume{}
	seen := map[string]bool{}
	for _, p := range pvcs {
		if vitistack.SourceMachine(p.GetLabels()) != machine && !wantPVC[p.GetName()] && !wantDV[p.GetName()] {
			continue
		}
		size := str(p.Object, "status", "capacity", "storage")
		if size == "" {
			size = str(p.Object, "spec", "resources", "requests", "storage")
		}
		out = append(out, Volume{Kind: "PersistentVolumeClaim", Name: p.GetName(), Phase: str(p.Object, "status", "phase"), Size: size,
			StorageClass: str(p.Object, "spec", "storageClassName"), Found: true})
		seen["pvc/"+p.GetName()] = true
	}
	for _, d := range dvs {
		if vitistack.SourceMachine(d.GetLabels()) != machine && !wantDV[d.GetName()] {
			continue
		}
		size := str(d.Object, "spec", "storage", "resources", "requests", "storage")
		sc := str(d.Object, "spec", "storage", "storageClassName")
		if size == "" {
			size, sc = str(d.Object, "spec", "pvc", "resources", "requests", "storage"), str(d.Object, "spec", "pvc", "storageClassName")
		}
		out = append(out, Volume{Kind: "DataVolume", Name: d.GetName(), Phase: str(d.Object, "status", "phase"), Size: size,
			StorageClass: sc, Progress: str(d.Object, "status", "progress"), Found: true})
		seen["dv/"+d.GetName()] = true
	}
	for n := range wantPVC {
		if !seen["pvc/"+n] {
			out = append(out, Volume{Kind: "PersistentVolumeClaim", Name: n})
		}
	}
	for n := range wantDV {
		// A DataVolume's PVC has its name: it counts as found when either is there.
		if !seen["dv/"+n] && !seen["pvc/"+n] {
			out = append(out, Volume{Kind: "DataVolume", Name: n})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind > out[j].Kind // PersistentVolumeClaims first
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// networks are the NetworkAttachmentDefinitions the VM's Multus networks name, by name.
func networks(vm *unstructured.Unstructured, nads []*unstructured.Unstructured) []Network {
	nets, _, _ := unstructured.NestedSlice(vm.Object, "spec", "template", "spec", "networks")
	var out []Network
	for _, n := range nets {
		m, _ := n.(map[string]any)
		name := str(m, "multus", "networkName")
		if name == "" {
			continue
		}
		if i := strings.IndexByte(name, '/'); i >= 0 {
			name = name[i+1:]
		}
		net := Network{Name: name}
		if nad := byName(nads, name); nad != nil {
			net.Found, net.VLAN = true, nad.GetLabels()[vitistack.LabelVLANID]
		}
		out = append(out, net)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// cloudInit is the Secret the VM's cloud-init volume names (user or network data), with its keys.
func cloudInit(vm *unstructured.Unstructured, secrets []*unstructured.Unstructured) *Secret {
	vols, _, _ := unstructured.NestedSlice(vm.Object, "spec", "template", "spec", "volumes")
	for _, v := range vols {
		m, _ := v.(map[string]any)
		for _, src := range []string{"cloudInitNoCloud", "cloudInitConfigDrive"} {
			for _, ref := range []string{"secretRef", "networkDataSecretRef"} {
				name := str(m, src, ref, "name")
				if name == "" {
					continue
				}
				s := &Secret{Name: name}
				if u := byName(secrets, name); u != nil {
					s.Found = true
					data, _, _ := unstructured.NestedMap(u.Object, "data")
					for k := range data {
						s.Keys = append(s.Keys, k)
					}
					sort.Strings(s.Keys)
				}
				return s
			}
		}
	}
	return nil
}

// networkConfiguration is the Machine's NetworkConfiguration (named as the Machine), with the MAC
// of each interface and the addresses its status allocated to that MAC.
func networkConfiguration(machine string, configs []*unstructured.Unstructured) *NetworkConfiguration {
	u := byName(configs, machine)
	if u == nil {
		return nil
	}
	var nc vitistackv1alpha1.NetworkConfiguration
	if err := cluster.FromUnstructured(u, &nc); err != nil {
		return &NetworkConfiguration{Name: machine}
	}
	out := &NetworkConfiguration{Name: machine}
	for _, i := range nc.Spec.NetworkInterfaces {
		iface := Interface{Name: i.Name, MAC: i.MacAddress}
		for _, s := range nc.Status.NetworkInterfaces {
			if s.MacAddress != "" && strings.EqualFold(s.MacAddress, i.MacAddress) {
				iface.IPs = append(append(iface.IPs, s.IPv4Addresses...), s.IPv6Addresses...)
			}
		}
		out.Interfaces = append(out.Interfaces, iface)
	}
	return out
}

// addEvents adds the events of the objects named "Kind/name".
func (it *Item) addEvents(events []*unstructured.Unstructured, objects map[string]bool) {
	for _, e := range events {
		object := str(e.Object, "involvedObject", "kind") + "/" + str(e.Object, "involvedObject", "name")
		if !objects[object] {
			continue
		}
		count, _, _ := unstructured.NestedInt64(e.Object, "count")
		it.Events = append(it.Events, Event{Object: object, Type: str(e.Object, "type"), Reason: str(e.Object, "reason"),
			Message: strings.TrimSpace(str(e.Object, "message")), Count: count, Last: lastSeen(e)})
	}
}

// lastSeen is when an event last happened: lastTimestamp, else eventTime, else its series' last
// observation, else its creation.
func lastSeen(e *unstructured.Unstructured) time.Time {
	for _, f := range [][]string{{"lastTimestamp"}, {"series", "lastObservedTime"}, {"eventTime"}, {"firstTimestamp"}} {
		if t, err := time.Parse(time.RFC3339, str(e.Object, f...)); err == nil {
			return t
		}
		if t, err := time.Parse(time.RFC3339Nano, str(e.Object, f...)); err == nil {
			return t
		}
	}
	return e.GetCreationTimestamp().Time
}

// sortEvents keeps the last max events of each object (all with max 0) and orders them oldest
// first.
func sortEvents(it *Item, max int) {
	sort.SliceStable(it.Events, func(i, j int) bool { return it.Events[i].Last.After(it.Events[j].Last) })
	kept := it.Events[:0]
	per := map[string]int{}
	for _, e := range it.Events {
		if max > 0 && per[e.Object] >= max {
			continue
		}
		per[e.Object]++
		kept = append(kept, e)
	}
	slices.Reverse(kept)
	it.Events = kept
}
