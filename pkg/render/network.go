package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// Network is what the pipeline found about a Machine's network on the supervisor and its remote
// cluster; Render decides from it, as the kubevirt-operator does.
type Network struct {
	// Namespace is the Machine's NetworkNamespace (see FindNetworkNamespace), nil when there is none.
	Namespace *vitistackv1alpha1.NetworkNamespace
	// Config is the live NetworkConfiguration named like the Machine, nil when there is none.
	Config *vitistackv1alpha1.NetworkConfiguration
	// LiveMAC is the MAC of the live VM's interface, when the VM exists.
	LiveMAC string
	// NewMAC is a freshly generated MAC (see NewMAC), used when neither Config nor the live VM has one.
	NewMAC string
}

// MACSource says where the VM's MAC address came from.
type MACSource string

const (
	MACPersisted MACSource = "persisted" // the NetworkConfiguration's
	MACFromVM    MACSource = "live VM"   // the live VM's, not persisted yet
	MACGenerated MACSource = "generated" // new in this run
)

// ErrStaticIPPending means the Machine's static IP is not allocated yet: the NetworkConfiguration
// has no IPv4 address for its MAC. Nothing but the NetworkConfiguration can be written until it is.
var ErrStaticIPPending = errors.New("static IP not allocated yet")

// nadName is the operator's NetworkAttachmentDefinition name for a VLAN id ("vlan0" for an untagged
// static network, as the operator names it).
func nadName(vlan int) string { return fmt.Sprintf("vlan%d", vlan) }

// CNIVersion is the cniVersion of the NetworkAttachmentDefinitions the plugin creates.
const CNIVersion = "1.0.0"

// Interface names and the NetworkAttachmentDefinition the VM uses.
type networkPlan struct {
	name      string // the KubeVirt network and interface name: "default" or "vlan<id>"
	mac       string
	macSource MACSource
	nad       *unstructured.Unstructured              // set exactly when the VM is on a Multus network
	config    *vitistackv1alpha1.NetworkConfiguration // to create or update; nil when unchanged or unused
	netData   string                                  // network data synthesised from a static IP
}

// planNetwork decides the VM's network as the operator does: a NetworkNamespace with a VLAN id in its
// status, or with static IP allocation, puts the VM on a Multus bridge network backed by a
// NetworkAttachmentDefinition "vlan<id>"; otherwise it uses the pod network. The MAC (operator naming,
// or whenever the network is static) comes from the NetworkConfiguration, else the live VM, else a
// new one, and is persisted in the NetworkConfiguration.
func planNetwork(in Input, opts Options) (networkPlan, error) {
	m := in.Machine
	nn := in.Network.Namespace
	p := networkPlan{name: podNetworkName}
	if nn != nil {
		if vlan := nn.Status.VlanID; vlan < 0 || vlan > 4094 {
			return p, fmt.Errorf("NetworkNamespace %q: status.vlanId %d is not a VLAN id (0-4094); fix the NetworkNamespace", nn.Name, vlan)
		}
	}
	if NeedsMultus(nn) {
		p.name = nadName(nn.Status.VlanID)
		p.nad = newNAD(p.name, m.Namespace, nn.Status.VlanID, opts)
	}
	if !NeedsMAC(nn, opts.Naming) {
		return p, nil
	}
	p.mac, p.macSource = chooseMAC(in.Network, p.name)
	if p.mac == "" {
		return p, fmt.Errorf("no MAC address for interface %q (internal: the pipeline must generate one)", p.name)
	}
	cfg, err := desiredConfig(m, in.Network.Config, p.name, p.mac, opts)
	if err != nil {
		return p, err
	}
	p.config = cfg
	if isStatic(nn) {
		if p.netData, err = staticNetworkData(nn, in.Network.Config, m.Name, p.name, p.mac); err != nil {
			return p, err
		}
	}
	return p, nil
}

// NeedsMAC reports whether the VM's interface carries a MAC kept in a NetworkConfiguration: always in
// operator naming (as the operator), and whenever the network is static (the allocator assigns the
// IP to the MAC).
func NeedsMAC(nn *vitistackv1alpha1.NetworkNamespace, n Naming) bool {
	return n == NamingOperator || isStatic(nn)
}

// NeedsMultus reports whether a Machine on the NetworkNamespace (nil for none) gets a Multus bridge
// network rather than the pod network, as the operator decides: a VLAN id in its status, or static
// IP allocation.
func NeedsMultus(nn *vitistackv1alpha1.NetworkNamespace) bool {
	return nn != nil && (nn.Status.VlanID > 0 || isStatic(nn))
}

// isStatic reports whether the NetworkNamespace (nil for none) allocates static IPs.
func isStatic(nn *vitistackv1alpha1.NetworkNamespace) bool {
	return nn != nil && nn.Spec.IPAllocation != nil && nn.Spec.IPAllocation.Type == vitistackv1alpha1.IPAllocationTypeStatic
}

// chooseMAC takes the interface's MAC from the NetworkConfiguration, else the live VM, else the new one.
func chooseMAC(n Network, iface string) (string, MACSource) {
	if n.Config != nil {
		for _, i := range n.Config.Spec.NetworkInterfaces {
			if i.Name == iface && i.MacAddress != "" {
				return i.MacAddress, MACPersisted
			}
		}
	}
	if n.LiveMAC != "" {
		return n.LiveMAC, MACFromVM
	}
	return n.NewMAC, MACGenerated
}

// newNAD is the operator's bridge NetworkAttachmentDefinition: labels managed-by and the VLAN id, the
// CNI config {"cniVersion","name":"br0","plugins":[{"type":"bridge","bridge":"br0","vlan":<id>}]}
// ("vlan" left out for an untagged bridge).
func newNAD(name, namespace string, vlan int, opts Options) *unstructured.Unstructured {
	type plugin struct {
		Type   string `json:"type"`
		Bridge string `json:"bridge"`
		VLAN   int    `json:"vlan,omitempty"`
	}
	type config struct {
		CNIVersion string   `json:"cniVersion"`
		Name       string   `json:"name"`
		Plugins    []plugin `json:"plugins"`
	}
	b, _ := json.Marshal(config{CNIVersion: CNIVersion, Name: "br0", Plugins: []plugin{{Type: "bridge", Bridge: "br0", VLAN: vlan}}})
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "k8s.cni.cncf.io/v1",
		"kind":       "NetworkAttachmentDefinition",
		"metadata": map[string]any{
			"name":      name,
			"namespace": namespace,
			"labels":    map[string]any{opts.ManagedByKey: opts.ManagedByValue, vitistack.LabelVLANID: strconv.Itoa(vlan)},
		},
		"spec": map[string]any{"config": string(b)},
	}}
	return u
}

// desiredConfig is the NetworkConfiguration the MAC is persisted in: a new one as the operator writes
// it, or the live one with the interface appended (or its empty MAC filled in); nil when the live one
// already has it.
func desiredConfig(m *vitistackv1alpha1.Machine, live *vitistackv1alpha1.NetworkConfiguration, iface, mac string, opts Options) (*vitistackv1alpha1.NetworkConfiguration, error) {
	if live != nil {
		c := live.DeepCopy()
		for i, n := range c.Spec.NetworkInterfaces {
			if n.Name != iface {
				continue
			}
			if n.MacAddress == mac {
				return nil, nil
			}
			c.Spec.NetworkInterfaces[i].MacAddress = mac
			return c, nil
		}
		c.Spec.NetworkInterfaces = append(c.Spec.NetworkInterfaces, vitistackv1alpha1.NetworkConfigurationInterface{Name: iface, MacAddress: mac})
		return c, nil
	}
	short := ShortNetworkConfigName(m.Name)
	if !validConfigName().MatchString(short) {
		return nil, fmt.Errorf("metadata.name: the NetworkConfiguration's spec.name would be %q, which its CRD refuses (2 to 32 of A-Z, a-z, 0-9, _ and -); rename the Machine", short)
	}
	t := true
	c := &vitistackv1alpha1.NetworkConfiguration{
		TypeMeta: metav1.TypeMeta{APIVersion: vitistackv1alpha1.GroupVersion.String(), Kind: "NetworkConfiguration"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      m.Name,
			Namespace: m.Namespace,
			Labels:    map[string]string{opts.ManagedByKey: opts.ManagedByValue, vitistack.LabelSourceMachine: m.Name},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: vitistackv1alpha1.GroupVersion.String(), Kind: "Machine",
				Name: m.Name, UID: m.UID, Controller: &t, BlockOwnerDeletion: &t}},
		},
		Spec: vitistackv1alpha1.NetworkConfigurationSpec{
			NetworkNamespaceName: m.Spec.Network.NetworkNamespaceName,
			Name:                 short,
			Description:          "Network configuration for machine " + m.Name,
			NetworkInterfaces:    []vitistackv1alpha1.NetworkConfigurationInterface{{Name: iface, MacAddress: mac}},
		},
	}
	return c, nil
}

// The patterns are compiled on first use, not at start: package initialisation runs on every
// start of the plugin, --help and <TAB> included.
var (
	validConfigName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]{2,32}$`) })
	workerPool      = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(.+?)-worker(?:-default)?(?:-worker)?-pool-(\d+)$`)
	})
	controlPlane = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(.+?)-control-plane-(\d+)$`) })
)

// ShortNetworkConfigName is the operator's spec.name of a Machine's NetworkConfiguration (at most 32
// bytes): "<cluster>-wrk<n>" for "<cluster>-worker[-default][-worker]-pool-<n>", "<cluster>-ctp<n>" for
// "<cluster>-control-plane-<n>", else the name, cut to 32 bytes.
func ShortNetworkConfigName(machine string) string {
	if g := workerPool().FindStringSubmatch(machine); g != nil && len(g[1])+4+len(g[2]) <= 32 {
		return g[1] + "-wrk" + g[2]
	}
	if g := controlPlane().FindStringSubmatch(machine); g != nil && len(g[1])+4+len(g[2]) <= 32 {
		return g[1] + "-ctp" + g[2]
	}
	if len(machine) <= 32 {
		return machine
	}
	return machine[:32]
}

// staticNetworkData is the cloud-init network-config (version 1, matched by MAC) for a static IP, as
// the operator writes it: the address from the NetworkConfiguration's status for the MAC, netmask,
// gateway and DNS from the NetworkNamespace. Only the VM's own interface is described.
func staticNetworkData(nn *vitistackv1alpha1.NetworkNamespace, live *vitistackv1alpha1.NetworkConfiguration, machine, iface, mac string) (string, error) {
	st := nn.Spec.IPAllocation.Static
	if st == nil {
		return "", fmt.Errorf("NetworkNamespace %q: spec.ipAllocation.type is static but spec.ipAllocation.static is missing; fix the NetworkNamespace", nn.Name)
	}
	_, cidr, err := net.ParseCIDR(st.IPv4CIDR)
	if err != nil || len(cidr.Mask) != net.IPv4len {
		return "", fmt.Errorf("NetworkNamespace %q: spec.ipAllocation.static.ipv4CIDR %q is not an IPv4 CIDR; fix the NetworkNamespace", nn.Name, st.IPv4CIDR)
	}
	var address string
	if live != nil {
		for _, s := range live.Status.NetworkInterfaces {
			if strings.EqualFold(s.MacAddress, mac) && len(s.IPv4Addresses) > 0 {
				address = s.IPv4Addresses[0]
				break
			}
		}
	}
	if address == "" {
		return "", fmt.Errorf("%w for MAC %s: NetworkConfiguration %s/%s has no status.networkInterfaces[].ipv4Addresses for it (static-ip-operator allocates it once the NetworkConfiguration holds the MAC; run again then)",
			ErrStaticIPPending, mac, nn.Namespace, machine)
	}
	mask := cidr.Mask
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nconfig:\n  - type: physical\n    name: %s\n    mac_address: %q\n    subnets:\n      - type: static\n        address: %s\n        netmask: %d.%d.%d.%d\n",
		iface, strings.ToLower(mac), address, mask[0], mask[1], mask[2], mask[3])
	if st.IPv4Gateway != "" {
		fmt.Fprintf(&b, "        gateway: %s\n", st.IPv4Gateway)
	}
	if len(st.DNS) > 0 {
		b.WriteString("        dns_nameservers:\n")
		for _, d := range st.DNS {
			fmt.Fprintf(&b, "          - %s\n", d)
		}
	}
	return b.String(), nil
}

// multus reports whether the VM is on a Multus network (backed by the plan's NAD) rather than the pod network.
func (p networkPlan) multus() bool { return p.nad != nil }

// withNetwork adds the single virtio/bridge interface on the planned network. It boots second (PXE)
// only when the Machine names no OS image, as the operator does.
func withNetwork(vm *kubevirtv1.VirtualMachine, p networkPlan, pxe bool) {
	spec := &vm.Spec.Template.Spec
	iface := kubevirtv1.Interface{
		Name:                   p.name,
		Model:                  "virtio",
		InterfaceBindingMethod: kubevirtv1.InterfaceBindingMethod{Bridge: &kubevirtv1.InterfaceBridge{}},
		MacAddress:             p.mac,
	}
	if pxe {
		iface.BootOrder = uintPtr(2)
	}
	spec.Domain.Devices.Interfaces = []kubevirtv1.Interface{iface}
	network := kubevirtv1.Network{Name: p.name, NetworkSource: kubevirtv1.NetworkSource{Pod: &kubevirtv1.PodNetwork{}}}
	if p.multus() {
		network.NetworkSource = kubevirtv1.NetworkSource{Multus: &kubevirtv1.MultusNetwork{NetworkName: p.name}}
	}
	spec.Networks = []kubevirtv1.Network{network}
}

// FindNetworkNamespace picks a Machine's NetworkNamespace from the ones in its namespace, as the
// operator does: the one spec.network.networkNamespaceName names (an error when it is missing), else
// the one named like the Machine, else the first by name; nil when there are none.
func FindNetworkNamespace(m *vitistackv1alpha1.Machine, all []vitistackv1alpha1.NetworkNamespace) (*vitistackv1alpha1.NetworkNamespace, error) {
	byName := func(name string) *vitistackv1alpha1.NetworkNamespace {
		for i := range all {
			if all[i].Name == name {
				return &all[i]
			}
		}
		return nil
	}
	if want := m.Spec.Network.NetworkNamespaceName; want != "" {
		if nn := byName(want); nn != nil {
			return nn, nil
		}
		return nil, fmt.Errorf("spec.network.networkNamespaceName: NetworkNamespace %q not found on the supervisor in namespace %q (create it, or fix the name)", want, m.Namespace)
	}
	if nn := byName(m.Name); nn != nil {
		return nn, nil
	}
	var first *vitistackv1alpha1.NetworkNamespace
	for i := range all {
		if first == nil || all[i].Name < first.Name {
			first = &all[i]
		}
	}
	return first, nil
}

// MACPrefix is the default start of generated MACs: locally administered, unicast, and the
// operator's default MAC_SET 12.
const MACPrefix = "02:12"

// ParseMACPrefix checks a --mac-prefix: one to five hex octets, the first locally administered and
// unicast (its two lowest bits 10), as the operator's 02.
func ParseMACPrefix(s string) ([]byte, error) {
	parts := strings.Split(s, ":")
	if s == "" || len(parts) > 5 {
		return nil, fmt.Errorf("invalid --mac-prefix %q (one to five hex octets, such as 02:12)", s)
	}
	out := make([]byte, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseUint(p, 16, 8)
		if err != nil || len(p) != 2 {
			return nil, fmt.Errorf("invalid --mac-prefix %q: octet %q is not two hex digits", s, p)
		}
		out[i] = byte(v)
	}
	if out[0]&0x03 != 0x02 {
		return nil, fmt.Errorf("invalid --mac-prefix %q: the first octet must be locally administered and unicast (such as 02, 06, 0a, 0e)", s)
	}
	return out, nil
}

// FormatMAC writes six bytes as the operator does: lower-case hex, colon-separated.
func FormatMAC(b []byte) string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5])
}
