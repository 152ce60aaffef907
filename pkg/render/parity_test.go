package render_test

import (
	"errors"
	"strings"
	"testing"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitistack/kubectl-vitimachine/pkg/render"
)

func staticNN() *vitistackv1alpha1.NetworkNamespace {
	return &vitistackv1alpha1.NetworkNamespace{ObjectMeta: metav1.ObjectMeta{Name: "net", Namespace: "ns"},
		Spec: vitistackv1alpha1.NetworkNamespaceSpec{IPAllocation: &vitistackv1alpha1.NetworkNamespaceIPAllocation{
			Type: vitistackv1alpha1.IPAllocationTypeStatic, Static: &vitistackv1alpha1.StaticIPAllocationConfig{IPv4CIDR: "10.0.0.0/16", IPv4Gateway: "10.0.0.1"}}}}
}

func TestStaticIPNotAllocatedYet(t *testing.T) {
	m := machine("web", "ns")
	m.Spec.Network.NetworkNamespaceName = "net"
	objs, err := render.Render(render.Input{Machine: m, Network: render.Network{Namespace: staticNN(), NewMAC: testMAC}}, opts(render.NamingSeed))
	if !errors.Is(err, render.ErrStaticIPPending) || !strings.Contains(err.Error(), "for MAC "+testMAC+": NetworkConfiguration ns/web has no status.networkInterfaces[].ipv4Addresses") {
		t.Fatalf("error %v", err)
	}
	// The allocator needs the MAC in a NetworkConfiguration: that, and only that, is planned.
	nc := objs.NetworkConfiguration
	if nc == nil || nc.Spec.NetworkInterfaces[0].Name != "vlan0" || nc.Spec.NetworkInterfaces[0].MacAddress != testMAC || objs.VM != nil || len(objs.PVCs) != 0 {
		t.Errorf("objects %+v", objs)
	}
	// Once allocated, the static network data goes to the guest even without spec.cloudInit.
	nc.Status.NetworkInterfaces = []vitistackv1alpha1.NetworkConfigurationInterface{{MacAddress: strings.ToUpper(testMAC), IPv4Addresses: []string{"10.0.3.4"}}}
	objs, err = render.Render(render.Input{Machine: m, Network: render.Network{Namespace: staticNN(), Config: nc}}, opts(render.NamingSeed))
	if err != nil {
		t.Fatal(err)
	}
	nd := string(objs.CloudInitSecret.Data[render.KeyNetworkData])
	if !strings.Contains(nd, "address: 10.0.3.4\n        netmask: 255.255.0.0\n        gateway: 10.0.0.1\n") || string(objs.CloudInitSecret.Data[render.KeyUserData]) != render.DefaultUserData {
		t.Errorf("cloud-init %q", objs.CloudInitSecret.Data)
	}
	if objs.NAD == nil || objs.NAD.GetName() != "vlan0" || objs.NetworkConfiguration != nil || objs.MACSource != render.MACPersisted {
		t.Errorf("NAD %v, config %v, MAC from %s", objs.NAD, objs.NetworkConfiguration, objs.MACSource)
	}
	if iface := objs.VM.Spec.Template.Spec.Domain.Devices.Interfaces[0]; iface.MacAddress != testMAC {
		t.Errorf("seed naming with a static IP carries the MAC: %+v", iface)
	}
}

func TestNetworkConfigurationIsAppendedOrKept(t *testing.T) {
	m := machine("web", "ns")
	live := func(ifaces ...vitistackv1alpha1.NetworkConfigurationInterface) *vitistackv1alpha1.NetworkConfiguration {
		return &vitistackv1alpha1.NetworkConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", ResourceVersion: "9"},
			Spec: vitistackv1alpha1.NetworkConfigurationSpec{Name: "web", NetworkInterfaces: ifaces}}
	}
	for _, tc := range []struct {
		name    string
		live    *vitistackv1alpha1.NetworkConfiguration
		liveMAC string
		want    []string
		mac     string
		source  render.MACSource
	}{
		{name: "interface there: unchanged", live: live(vitistackv1alpha1.NetworkConfigurationInterface{Name: "default", MacAddress: "02:12:aa:aa:aa:aa"}), mac: "02:12:aa:aa:aa:aa", source: render.MACPersisted},
		{name: "another interface: appended", live: live(vitistackv1alpha1.NetworkConfigurationInterface{Name: "vlan7", MacAddress: "02:12:bb:bb:bb:bb"}),
			want: []string{"vlan7=02:12:bb:bb:bb:bb", "default=" + testMAC}, mac: testMAC, source: render.MACGenerated},
		{name: "empty MAC: filled in", live: live(vitistackv1alpha1.NetworkConfigurationInterface{Name: "default"}), want: []string{"default=" + testMAC}, mac: testMAC, source: render.MACGenerated},
		{name: "none: the live VM's MAC is kept", liveMAC: "02:12:cc:cc:cc:cc", want: []string{"default=02:12:cc:cc:cc:cc"}, mac: "02:12:cc:cc:cc:cc", source: render.MACFromVM},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := render.Render(render.Input{Machine: m, Network: render.Network{Config: tc.live, LiveMAC: tc.liveMAC, NewMAC: testMAC}}, opts(render.NamingOperator))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			if nc := objs.NetworkConfiguration; nc != nil {
				for _, i := range nc.Spec.NetworkInterfaces {
					got = append(got, i.Name+"="+i.MacAddress)
				}
				if tc.live != nil && nc.ResourceVersion != "9" {
					t.Errorf("an update must carry the live resourceVersion, got %q", nc.ResourceVersion)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") || objs.MAC != tc.mac || objs.MACSource != tc.source {
				t.Errorf("config %v MAC %s (%s), want %v %s (%s)", got, objs.MAC, objs.MACSource, tc.want, tc.mac, tc.source)
			}
		})
	}
}

func TestNetworkRefusals(t *testing.T) {
	negative := &vitistackv1alpha1.NetworkNamespace{ObjectMeta: metav1.ObjectMeta{Name: "neg"}, Status: vitistackv1alpha1.NetworkNamespaceStatus{VlanID: -1}}
	noStatic := staticNN()
	noStatic.Spec.IPAllocation.Static = nil
	badCIDR := staticNN()
	badCIDR.Spec.IPAllocation.Static.IPv4CIDR = "fd00::/64"
	for _, tc := range []struct {
		name string
		m    *vitistackv1alpha1.Machine
		nn   *vitistackv1alpha1.NetworkNamespace
		want string
	}{
		{"negative VLAN", machine("web", "ns"), negative, `NetworkNamespace "neg": status.vlanId -1 is not a VLAN id`},
		{"static without its config", machine("web", "ns"), noStatic, "spec.ipAllocation.static is missing"},
		{"static with an IPv6 CIDR", machine("web", "ns"), badCIDR, `spec.ipAllocation.static.ipv4CIDR "fd00::/64" is not an IPv4 CIDR`},
		{"a name the NetworkConfiguration CRD refuses", machine("w", "ns"), nil, `the NetworkConfiguration's spec.name would be "w"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc := &vitistackv1alpha1.NetworkConfiguration{Status: vitistackv1alpha1.NetworkConfigurationStatus{
				NetworkInterfaces: []vitistackv1alpha1.NetworkConfigurationInterface{{MacAddress: testMAC, IPv4Addresses: []string{"10.0.0.9"}}}}}
			if tc.nn == nil {
				nc = nil
			}
			_, err := render.Render(render.Input{Machine: tc.m, Network: render.Network{Namespace: tc.nn, NewMAC: testMAC, Config: nc}}, opts(render.NamingOperator))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestShortNetworkConfigName(t *testing.T) {
	for in, want := range map[string]string{
		"simple-cluster-worker-default-worker-pool-0":          "simple-cluster-wrk0",
		"simple-cluster-control-plane-0":                       "simple-cluster-ctp0",
		"abc-worker-pool-12":                                   "abc-wrk12",
		"x-worker-worker-pool-1":                               "x-wrk1",
		"simple-cluster-worker-gpu-pool-3":                     "simple-cluster-worker-gpu-pool-3",
		"mycluster-ctp0":                                       "mycluster-ctp0",
		"a-very-long-cluster-name-for-testing-control-plane-2": "a-very-long-cluster-name-for-tes",
	} {
		if got := render.ShortNetworkConfigName(in); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

func TestFindNetworkNamespace(t *testing.T) {
	nn := func(name string) vitistackv1alpha1.NetworkNamespace {
		return vitistackv1alpha1.NetworkNamespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	}
	all := []vitistackv1alpha1.NetworkNamespace{nn("zeta"), nn("web"), nn("alpha")}
	m := machine("web", "ns")
	if got, _ := render.FindNetworkNamespace(m, all); got.Name != "web" {
		t.Errorf("named like the Machine: %s", got.Name)
	}
	if got, _ := render.FindNetworkNamespace(machine("other", "ns"), all); got.Name != "alpha" {
		t.Errorf("first by name: %s", got.Name)
	}
	if got, _ := render.FindNetworkNamespace(m, nil); got != nil {
		t.Errorf("none: %v", got)
	}
	m.Spec.Network.NetworkNamespaceName = "zeta"
	if got, _ := render.FindNetworkNamespace(m, all); got.Name != "zeta" {
		t.Errorf("named: %s", got.Name)
	}
	m.Spec.Network.NetworkNamespaceName = "gone"
	if _, err := render.FindNetworkNamespace(m, all); err == nil || !strings.Contains(err.Error(), `spec.network.networkNamespaceName: NetworkNamespace "gone" not found on the supervisor in namespace "ns"`) {
		t.Errorf("%v", err)
	}
}

func TestCloudInitSources(t *testing.T) {
	m := machine("web", "ns")
	if ci, err := render.ResolveCloudInit(m, nil); ci != nil || err != nil {
		t.Errorf("no cloudInit: %v %v", ci, err)
	}
	m.Spec.CloudInit = &vitistackv1alpha1.CloudInitConfig{UserDataBase64: "aGk=", NetworkDataSecretRef: &vitistackv1alpha1.CloudInitSecretRef{Name: "s"}}
	refs := render.CloudInitRefs(m)
	if len(refs) != 1 || refs[0] != (render.CloudInitRef{Kind: "Secret", Name: "s", Key: render.KeyNetworkData, Field: "spec.cloudInit.networkDataSecretRef"}) {
		t.Fatalf("refs %+v", refs)
	}
	if _, err := render.ResolveCloudInit(m, nil); err == nil || err.Error() != `spec.cloudInit.networkDataSecretRef: Secret "ns/s" has no key "networkdata" (add the key, or name another with spec.cloudInit.networkDataSecretRef.key)` {
		t.Errorf("%v", err)
	}
	ci, err := render.ResolveCloudInit(m, map[render.CloudInitRef][]byte{refs[0]: {0xff, 0x00}})
	if err != nil || string(ci.UserData) != "hi" || string(ci.NetworkData) != "\xff\x00" || ci.ConfigDrive {
		t.Errorf("%+v %v (binary data must pass unchanged)", ci, err)
	}
	m.Spec.CloudInit = &vitistackv1alpha1.CloudInitConfig{UserDataBase64: "not base64!"}
	if _, err := render.ResolveCloudInit(m, nil); err == nil || !strings.HasPrefix(err.Error(), "spec.cloudInit.userDataBase64: not base64") {
		t.Errorf("%v", err)
	}
	m.Spec.CloudInit = &vitistackv1alpha1.CloudInitConfig{Type: "cdrom"}
	if _, err := render.ResolveCloudInit(m, nil); err == nil || !strings.HasPrefix(err.Error(), "spec.cloudInit.type") {
		t.Errorf("%v", err)
	}
}

func TestISO(t *testing.T) {
	for n, want := range map[int64]string{0: "8Gi", -1: "8Gi", 100 << 20: "1Gi", 1 << 30: "2Gi", 3 << 30: "4Gi"} {
		if got := render.ISOSizeFor(n); got.String() != want {
			t.Errorf("%d bytes: %s, want %s", n, got.String(), want)
		}
	}
	m := machine("t", "ns")
	m.Spec.OS.ImageID = "docker://registry/iso:1"
	if ok, _, _ := render.WantsISO(m); ok {
		t.Error("an imageID without the annotation boots no ISO")
	}
	m.Annotations = map[string]string{"kubevirt.io/boot-source": "datavolume", "kubevirt.io/boot-source-type": "registry"}
	if ok, src, err := render.WantsISO(m); !ok || src != render.ISOFromRegistry || err != nil {
		t.Errorf("%v %v %v", ok, src, err)
	}
	m.Annotations["kubevirt.io/boot-source-type"] = "ftp"
	if _, _, err := render.WantsISO(m); err == nil || !strings.Contains(err.Error(), "metadata.annotations[kubevirt.io/boot-source-type]") {
		t.Errorf("%v", err)
	}
}

func TestMACPrefix(t *testing.T) {
	if b, err := render.ParseMACPrefix(render.MACPrefix); err != nil || len(b) != 2 || b[0] != 0x02 || b[1] != 0x12 {
		t.Errorf("%v %v", b, err)
	}
	for _, bad := range []string{"", "01:12", "2:12", "02:zz", "02:12:13:14:15:16"} {
		if _, err := render.ParseMACPrefix(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if got := render.FormatMAC([]byte{2, 0x12, 0xab, 0, 1, 0xff}); got != "02:12:ab:00:01:ff" {
		t.Errorf("%s", got)
	}
}
