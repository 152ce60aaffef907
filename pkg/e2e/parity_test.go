package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// Operator parity: cloud-init, VLAN and static networks with their MAC, ISO boot, and the operator's
// VM shape, on the real API servers (their schemas validate every object).

// networkNamespace creates a NetworkNamespace on the supervisor and sets its status as the network
// operator would: the VLAN id.
func (s *suite) networkNamespace(t *testing.T, ns, name string, vlan int, static string) {
	t.Helper()
	doc := fmt.Sprintf("apiVersion: vitistack.io/v1alpha1\nkind: NetworkNamespace\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  datacenterIdentifier: dc1\n  supervisorIdentifier: sup1\n", name, ns)
	if static != "" {
		doc += "  ipAllocation:\n    type: static\n    static:\n" + static
	}
	s.create(t, s.env.Supervisor, doc)
	nn := s.get(t, s.env.Supervisor, cluster.NetworkNamespaces, ns, name)
	_ = unstructured.SetNestedField(nn.Object, int64(vlan), "status", "vlanId")
	s.updateStatus(t, s.env.Supervisor, cluster.NetworkNamespaces, nn)
}

func secretData(t *testing.T, u *unstructured.Unstructured, key string) string {
	t.Helper()
	v, _, _ := unstructured.NestedString(u.Object, "data", key)
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func jsonOf(t *testing.T, u *unstructured.Unstructured, path ...string) string {
	t.Helper()
	v, _, _ := unstructured.NestedFieldNoCopy(u.Object, path...)
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCloudInitFromASecretGoesIntoASecretOnTheRemote(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.create(t, s.env.Supervisor, fmt.Sprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-userdata\n  namespace: %s\nstringData:\n  userdata: |\n    #cloud-config\n    password: from-a-secret\n", ns))
	s.create(t, s.env.Supervisor, fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-net\n  namespace: %s\ndata:\n  net.yaml: |\n    version: 2\n", ns))
	file := writeFile(t, "m.yaml", machineYAML(ns, "web", annotation(remoteA),
		"  cloudInit:\n    type: configDrive\n    userDataSecretRef:\n      name: web-userdata\n    networkDataConfigMapRef:\n      name: web-net\n      key: net.yaml\n"))

	r := mustSucceed(t, s.plugin(t, "create", "-f", file))
	wantAction(t, r, "secret/vm-web-cloudinit", "created")
	if strings.Contains(r.stdout+r.stderr, "from-a-secret") {
		t.Errorf("cloud-init data in the report:\n%s", r)
	}
	a := s.env.Remote(remoteA)
	sec := s.get(t, a, cluster.Secrets, ns, "vm-web-cloudinit")
	if sec == nil {
		t.Fatal("no cloud-init Secret on the remote")
	}
	if secretData(t, sec, "userdata") != "#cloud-config\npassword: from-a-secret\n" || secretData(t, sec, "networkdata") != "version: 2\n" {
		t.Errorf("Secret data %v", sec.Object["data"])
	}
	wantLabels(t, sec, map[string]string{"managed-by": "vitistack-kubevirt-operator", "vitistack.io/source-machine": "web"})
	vm := s.get(t, a, cluster.VirtualMachines, ns, "vm-web")
	vols := jsonOf(t, vm, "spec", "template", "spec", "volumes")
	if !strings.Contains(vols, `{"cloudInitConfigDrive":{"networkDataSecretRef":{"name":"vm-web-cloudinit"},"secretRef":{"name":"vm-web-cloudinit"}},"name":"cloudinitdisk"}`) || strings.Contains(vols, "from-a-secret") {
		t.Errorf("VM volumes %s", vols)
	}
	// Nothing changes on a re-run, and diff agrees.
	m := s.mark(t)
	r = mustSucceed(t, s.plugin(t, "create", "-f", file))
	wantAction(t, r, "secret/vm-web-cloudinit", "unchanged")
	for _, p := range s.planes() {
		if n := writes(s.requests(t, m, p)); n != 0 {
			t.Errorf("re-run made %d writes on %s", n, p.Name)
		}
	}
	mustExit(t, s.plugin(t, "diff", "-f", file), 0)
}

func TestMissingCloudInitSourcesRefuseTheMachineBeforeAnyWrite(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.create(t, s.env.Supervisor, fmt.Sprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: has-other-key\n  namespace: %s\nstringData:\n  other: x\n", ns))
	for _, tc := range []struct{ spec, want string }{
		{"  cloudInit:\n    userDataSecretRef:\n      name: nowhere\n", `spec.cloudInit.userDataSecretRef: Secret "` + ns + `/nowhere" not found on the supervisor (create it, or fix spec.cloudInit.userDataSecretRef.name)`},
		{"  cloudInit:\n    userDataSecretRef:\n      name: has-other-key\n", `spec.cloudInit.userDataSecretRef: Secret "` + ns + `/has-other-key" has no key "userdata"`},
		{"  network:\n    networkNamespaceName: no-such-net\n", `spec.network.networkNamespaceName: NetworkNamespace "no-such-net" not found on the supervisor`},
	} {
		s.create(t, s.env.Supervisor, machineYAML(ns, "refused", annotation(remoteA), tc.spec))
		m := s.mark(t)
		r := mustExit(t, s.plugin(t, "create", "-n", ns, "refused"), 2)
		mustContain(t, "report", r.stdout, tc.want)
		for _, p := range s.planes() {
			if n := writes(s.requests(t, m, p)); n != 0 {
				t.Errorf("%d writes on %s for a refused Machine", n, p.Name)
			}
		}
		_ = deleteObject(t.Context(), s.client(t, s.env.Supervisor), cluster.Machines, ns, "refused")
	}
}

func TestVLANNetworkWithThePersistedMAC(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.networkNamespace(t, ns, "team-net", 100, "")
	file := writeFile(t, "m.yaml", machineYAML(ns, "web-1", annotation(remoteB),
		"  network:\n    networkNamespaceName: team-net\n  disks:\n    - name: root\n      sizeGB: 40\n      boot: true\n"))

	// A dry run generates a MAC but keeps it to itself.
	r := mustSucceed(t, s.plugin(t, "create", "-f", file, "--naming", "operator", "--dry-run=server"))
	mustContain(t, "dry run", r.stdout, "(generated); not persisted: dry run")
	if s.get(t, s.env.Supervisor, cluster.NetworkConfigurations, ns, "web-1") != nil {
		t.Fatal("a dry run persisted the NetworkConfiguration")
	}

	r = mustSucceed(t, s.plugin(t, "create", "-f", file, "--naming", "operator"))
	wantAction(t, r, "networkattachmentdefinition.k8s.cni.cncf.io/vlan100", "created")
	wantAction(t, r, "networkconfiguration.vitistack.io/web-1", "created")
	b := s.env.Remote(remoteB)
	nad := s.get(t, b, cluster.NetworkAttachmentDefinitions, ns, "vlan100")
	wantField(t, nad, `{"cniVersion":"1.0.0","name":"br0","plugins":[{"type":"bridge","bridge":"br0","vlan":100}]}`, "spec", "config")
	wantLabels(t, nad, map[string]string{"vitistack.io/vlan-id": "100", "managed-by": "vitistack-kubevirt-operator"})
	nc := s.get(t, s.env.Supervisor, cluster.NetworkConfigurations, ns, "web-1")
	machine := s.get(t, s.env.Supervisor, cluster.Machines, ns, "web-1")
	if refs := nc.GetOwnerReferences(); len(refs) != 1 || refs[0].UID != machine.GetUID() || refs[0].Controller == nil || !*refs[0].Controller {
		t.Errorf("owner references %+v (machine uid %s)", refs, machine.GetUID())
	}
	ifaces, _, _ := unstructured.NestedSlice(nc.Object, "spec", "networkInterfaces")
	mac := ifaces[0].(map[string]any)["macAddress"].(string)
	if !strings.HasPrefix(mac, "02:12:") || ifaces[0].(map[string]any)["name"] != "vlan100" {
		t.Errorf("NetworkConfiguration interfaces %v", ifaces)
	}
	vm := s.get(t, b, cluster.VirtualMachines, ns, "web-1")
	if got := jsonOf(t, vm, "spec", "template", "spec", "networks"); got != `[{"multus":{"networkName":"vlan100"},"name":"vlan100"}]` {
		t.Errorf("networks %s", got)
	}
	dev := jsonOf(t, vm, "spec", "template", "spec", "domain", "devices")
	for _, want := range []string{`"autoattachPodInterface":false`, `"networkInterfaceMultiqueue":true`, `"macAddress":"` + mac + `"`} {
		if !strings.Contains(dev, want) {
			t.Errorf("devices lack %s: %s", want, dev)
		}
	}
	wantField(t, vm, false, "spec", "template", "spec", "domain", "firmware", "bootloader", "efi", "secureBoot")

	// The MAC is reused: diff right after create finds nothing, a re-run writes nothing.
	mustExit(t, s.plugin(t, "diff", "-f", file, "--naming", "operator"), 0)
	m := s.mark(t)
	mustSucceed(t, s.plugin(t, "create", "-f", file, "--naming", "operator"))
	for _, p := range s.planes() {
		if n := writes(s.requests(t, m, p)); n != 0 {
			t.Errorf("re-run made %d writes on %s", n, p.Name)
		}
	}
}

func TestStaticIPIsWaitedForThenDelivered(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.networkNamespace(t, ns, "static-net", 0, "      ipv4CIDR: 10.20.0.0/24\n      ipv4Gateway: 10.20.0.1\n      dns: [10.20.0.53]\n")
	file := writeFile(t, "m.yaml", machineYAML(ns, "db", annotation(remoteA), "  network:\n    networkNamespaceName: static-net\n"))

	// No IP yet: the NetworkConfiguration is written (the allocator needs the MAC), nothing else.
	m := s.mark(t)
	r := mustExit(t, s.plugin(t, "create", "-f", file), 2)
	mustContain(t, "report", r.stdout, "networkconfiguration.vitistack.io/db", "static IP not allocated yet for MAC 02:12:", "nothing created on kv-a")
	if n := writes(s.requests(t, m, s.env.Remote(remoteA))); n != 0 {
		t.Errorf("%d writes on the remote before the IP", n)
	}
	// Play static-ip-operator: allocate an address for the MAC.
	nc := s.get(t, s.env.Supervisor, cluster.NetworkConfigurations, ns, "db")
	ifaces, _, _ := unstructured.NestedSlice(nc.Object, "spec", "networkInterfaces")
	mac := ifaces[0].(map[string]any)["macAddress"].(string)
	_ = unstructured.SetNestedSlice(nc.Object, []any{map[string]any{"name": "vlan0", "macAddress": mac, "ipv4Addresses": []any{"10.20.0.7"}}}, "status", "networkInterfaces")
	s.updateStatus(t, s.env.Supervisor, cluster.NetworkConfigurations, nc)

	r = mustSucceed(t, s.plugin(t, "create", "-f", file))
	wantAction(t, r, "networkattachmentdefinition.k8s.cni.cncf.io/vlan0", "created")
	sec := s.get(t, s.env.Remote(remoteA), cluster.Secrets, ns, "vm-db-cloudinit")
	want := "version: 1\nconfig:\n  - type: physical\n    name: vlan0\n    mac_address: \"" + mac + "\"\n    subnets:\n      - type: static\n        address: 10.20.0.7\n        netmask: 255.255.255.0\n        gateway: 10.20.0.1\n        dns_nameservers:\n          - 10.20.0.53\n"
	if got := secretData(t, sec, "networkdata"); got != want {
		t.Errorf("network data:\n%s\nwant:\n%s", got, want)
	}
	if secretData(t, sec, "userdata") != "#cloud-config\n" {
		t.Errorf("user data %q", secretData(t, sec, "userdata"))
	}
	wantField(t, s.get(t, s.env.Remote(remoteA), cluster.NetworkAttachmentDefinitions, ns, "vlan0"), `{"cniVersion":"1.0.0","name":"br0","plugins":[{"type":"bridge","bridge":"br0"}]}`, "spec", "config")
}

func TestISOBootSizedByItsServer(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	heads := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		heads++
		if r.Method != http.MethodHead || r.URL.Path != "/talos.iso" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", "104857600") // 100 MiB: 1Gi with the operator's 10 %
	}))
	defer srv.Close()
	iso := func(name, path string) string {
		return machineYAML(ns, name, annotation(remoteA)+"    kubevirt.io/boot-source: datavolume\n", "  os:\n    imageID: "+srv.URL+path+"\n")
	}
	file := writeFile(t, "m.yaml", iso("talos", "/talos.iso"))
	r := mustSucceed(t, s.plugin(t, "create", "-f", file, "--naming", "operator"))
	wantAction(t, r, "virtualmachine.kubevirt.io/talos", "created")
	vm := s.get(t, s.env.Remote(remoteA), cluster.VirtualMachines, ns, "talos")
	if got := jsonOf(t, vm, "spec", "dataVolumeTemplates"); !strings.Contains(got, `"name":"talos-iso"`) || !strings.Contains(got, `"http":{"url":"`+srv.URL+`/talos.iso"}`) ||
		!strings.Contains(got, `"storage":"1Gi"`) || !strings.Contains(got, `"volumeMode":"Filesystem"`) {
		t.Errorf("dataVolumeTemplates %s", got)
	}
	if got := jsonOf(t, vm, "spec", "template", "spec", "domain", "devices", "disks"); !strings.Contains(got, `{"bootOrder":2,"cdrom":{"bus":"sata"},"name":"cdrom-iso"}`) {
		t.Errorf("disks %s", got)
	}
	if heads != 1 {
		t.Errorf("%d requests to the image server, want one HEAD", heads)
	}
	// An image that cannot be reached refuses the Machine, unless --iso-size says the size.
	bad := writeFile(t, "bad.yaml", iso("lost", "/lost.iso"))
	r = mustExit(t, s.plugin(t, "create", "-f", bad, "--dry-run=client"), 2)
	mustContain(t, "report", r.stdout, "spec.os.imageID: cannot read the size of "+srv.URL+"/lost.iso: HEAD answered 404 Not Found (pass --iso-size")
	r = mustSucceed(t, s.plugin(t, "create", "-f", bad, "--dry-run=client", "--iso-size", "5Gi", "-o", "yaml"))
	mustContain(t, "output", r.stdout, "storage: 5Gi", "name: vm-lost-iso")
}

func TestNoBootDiskFollowsTheOperator(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "plain", annotation(remoteA), "  disks:\n    - sizeGB: 5\n    - name: data\n      sizeGB: 6\n"))
	r := mustSucceed(t, s.plugin(t, "create", "-f", file, "--naming", "operator"))
	wantAction(t, r, "persistentvolumeclaim/plain-disk0", "created")
	wantAction(t, r, "persistentvolumeclaim/plain-data", "created")
	if strings.Contains(r.stdout, "persistentvolumeclaim/plain ") {
		t.Errorf("a PVC named like the VM without a boot disk:\n%s", r.stdout)
	}
	vm := s.get(t, s.env.Remote(remoteA), cluster.VirtualMachines, ns, "plain")
	if got := jsonOf(t, vm, "spec", "template", "spec", "domain", "devices", "disks"); strings.Contains(got, "bootOrder") {
		t.Errorf("a disk boots although none is marked: %s", got)
	}
}

func TestParityObjectsInServerDryRunAndRequestBudget(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.networkNamespace(t, ns, "budget-net", 300, "")
	s.create(t, s.env.Supervisor, fmt.Sprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: ci\n  namespace: %s\nstringData:\n  userdata: \"#cloud-config\\n\"\n", ns))
	file := writeFile(t, "m.yaml", machineYAML(ns, "full", annotation(remoteA),
		"  machineClass: small\n  network:\n    networkNamespaceName: budget-net\n  cloudInit:\n    userDataSecretRef:\n      name: ci\n  disks:\n    - name: os\n      boot: true\n    - name: a\n    - name: b\n"))
	r := mustSucceed(t, s.plugin(t, "create", "-f", file, "--naming", "operator", "--dry-run=server"))
	for _, obj := range []string{"networkattachmentdefinition.k8s.cni.cncf.io/vlan300", "secret/full-cloudinit", "persistentvolumeclaim/full-b"} {
		wantAction(t, r, obj, "would create (namespace pending)")
	}
	wantAction(t, r, "networkconfiguration.vitistack.io/full", "would create")

	// With the namespace there, every kind is read: still no repeats.
	s.create(t, s.env.Remote(remoteA), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	m := s.mark(t)
	mustSucceed(t, s.plugin(t, "create", "-f", file, "--naming", "operator"))
	// No object is read twice, and each kind is listed at most once: no read per disk or network.
	for _, p := range []*testenv.Plane{s.env.Supervisor, s.env.Remote(remoteA)} {
		reads := map[string]int{}
		for _, e := range s.requests(t, m, p) {
			switch e.Verb {
			case "get":
				reads["get "+e.ObjectRef.Resource+" "+e.ObjectRef.Namespace+"/"+e.ObjectRef.Name]++
			case "list":
				reads["list "+e.ObjectRef.Resource]++
			}
		}
		for k, n := range reads {
			if n > 1 {
				t.Errorf("%s: %d × %s", p.Name, n, k)
			}
		}
		if got := budget(s.requests(t, m, p))["list persistentvolumeclaims"]; p != s.env.Supervisor && got != 1 {
			t.Errorf("%s: %d PVC lists for three disks, want 1", p.Name, got)
		}
	}
}
