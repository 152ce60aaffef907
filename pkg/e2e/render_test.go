package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

func TestOperatorNamingScheme(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "node", annotation(remoteA),
		"  disks:\n    - name: data\n      sizeGB: 20\n    - name: os\n      boot: true\n      sizeGB: 30\n    - sizeGB: 5\n"))
	r := mustSucceed(t, s.plugin(t, "create", "-f", file, "--naming", "operator"))
	for _, obj := range []string{"virtualmachine.kubevirt.io/node", "persistentvolumeclaim/node", "persistentvolumeclaim/node-data", "persistentvolumeclaim/node-disk2"} {
		wantAction(t, r, obj, "created")
	}
	a := s.env.Remote(remoteA)
	boot := s.get(t, a, cluster.PVCs, ns, "node")
	wantLabels(t, boot, map[string]string{"disk-type": "boot"})
	wantField(t, boot, "30Gi", "spec", "resources", "requests", "storage")
	if _, ok := s.get(t, a, cluster.PVCs, ns, "node-data").GetLabels()["disk-type"]; ok {
		t.Error("a data disk is labelled as boot disk")
	}
	vm := s.get(t, a, cluster.VirtualMachines, ns, "node")
	disks, _, _ := unstructured.NestedSlice(vm.Object, "spec", "template", "spec", "domain", "devices", "disks")
	b, _ := json.Marshal(disks)
	want := `[{"disk":{"bus":"virtio"},"name":"data"},{"bootOrder":1,"disk":{"bus":"virtio"},"name":"os"},{"disk":{"bus":"virtio"},"name":"disk2"}]`
	if string(b) != want {
		t.Errorf("VM disks = %s\nwant %s", b, want)
	}
}

func TestSeedNamingWithDisksAndOverrideFlags(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "db", annotation(remoteA),
		"  machineClass: medium\n  cpu:\n    cores: 8\n    sockets: 2\n  memory: 1073741824\n  disks:\n    - name: os\n      boot: true\n    - sizeGB: 50\n      type: sata\n"))
	r := mustSucceed(t, s.plugin(t, "create", "-f", file,
		"--storage-class", "fast", "--access-mode", "ReadWriteMany", "--volume-mode", "Filesystem", "--managed-by-label", "vitistack.io/managed-by=kubevirt-operator"))
	wantAction(t, r, "persistentvolumeclaim/vm-db-os-pvc", "created")
	wantAction(t, r, "persistentvolumeclaim/vm-db-disk1-pvc", "created")
	a := s.env.Remote(remoteA)
	pvc := s.get(t, a, cluster.PVCs, ns, "vm-db-disk1-pvc")
	wantField(t, pvc, "fast", "spec", "storageClassName")
	wantField(t, pvc, "Filesystem", "spec", "volumeMode")
	wantField(t, pvc, "50Gi", "spec", "resources", "requests", "storage")
	modes, _, _ := unstructured.NestedStringSlice(pvc.Object, "spec", "accessModes")
	if strings.Join(modes, ",") != "ReadWriteMany" {
		t.Errorf("access modes = %v", modes)
	}
	wantLabels(t, pvc, map[string]string{"vitistack.io/managed-by": "kubevirt-operator", "vitistack.io/source-machine": "db"})
	nsObj := s.get(t, a, cluster.Namespaces, "", ns)
	wantLabels(t, nsObj, map[string]string{"vitistack.io/managed-by": "kubevirt-operator"})
	vm := s.get(t, a, cluster.VirtualMachines, ns, "vm-db")
	wantField(t, vm, int64(8), "spec", "template", "spec", "domain", "cpu", "cores")
	wantField(t, vm, int64(2), "spec", "template", "spec", "domain", "cpu", "sockets")
	wantField(t, vm, "1Gi", "spec", "template", "spec", "domain", "memory", "guest")
	disks, _, _ := unstructured.NestedSlice(vm.Object, "spec", "template", "spec", "domain", "devices", "disks")
	if b, _ := json.Marshal(disks); !strings.Contains(string(b), `"bus":"sata"`) {
		t.Errorf("sata disk bus missing: %s", b)
	}
}

func TestAccessModeComesFromTheStorageProfile(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	b := s.env.Remote(remoteB)
	s.create(t, b, `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: ceph-rbd
provisioner: example.com/rbd
---
apiVersion: cdi.kubevirt.io/v1beta1
kind: StorageProfile
metadata:
  name: ceph-rbd
spec: {}
`)
	// The status is written by CDI in a real cluster; here the test plays CDI.
	sp := s.get(t, b, cluster.StorageProfiles, "", "ceph-rbd")
	_ = unstructured.SetNestedSlice(sp.Object, []any{
		map[string]any{"accessModes": []any{"ReadWriteOnce"}, "volumeMode": "Filesystem"},
		map[string]any{"accessModes": []any{"ReadWriteOnce", "ReadWriteMany"}, "volumeMode": "Block"},
	}, "status", "claimPropertySets")
	s.updateStatus(t, b, cluster.StorageProfiles, sp)
	s.create(t, s.env.Supervisor, machineYAML(ns, "mig", annotation(remoteB), ""))
	mustSucceed(t, s.plugin(t, "create", "-n", ns, "mig", "--storage-class", "ceph-rbd"))
	modes, _, _ := unstructured.NestedStringSlice(s.get(t, b, cluster.PVCs, ns, "vm-mig-root-pvc").Object, "spec", "accessModes")
	if strings.Join(modes, ",") != "ReadWriteMany" {
		t.Errorf("access modes = %v, want the profile's ReadWriteMany for Block", modes)
	}
}

func TestOutputIsAListKubectlApplies(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.create(t, s.env.Supervisor, machineYAML(ns, "listed", annotation(remoteB), "  machineClass: small\n"))
	r := mustSucceed(t, s.plugin(t, "create", "-n", ns, "listed", "--dry-run=client", "-o", "yaml"))
	var list struct {
		APIVersion, Kind string
		Items            []map[string]any
	}
	if err := yaml.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("not YAML: %v\n%s", err, r.stdout)
	}
	if list.APIVersion != "v1" || list.Kind != "List" || len(list.Items) != 3 {
		t.Fatalf("want a v1 List of namespace, PVC and VM, got %s %s with %d items", list.APIVersion, list.Kind, len(list.Items))
	}
	mustContain(t, "report on stderr", r.stderr, "would create")
	if strings.Contains(r.stdout, "MACHINE") {
		t.Error("the report went to stdout with -o yaml")
	}

	// kubectl applies it to the remote cluster as it is; the plugin then finds everything unchanged.
	remote := s.env.Remote(remoteB).KubeconfigPath
	mustSucceed(t, s.kubectl(t, call{args: []string{"--kubeconfig", remote, "apply", "-f", "-"}, stdin: r.stdout}))
	r = mustSucceed(t, s.plugin(t, "create", "-n", ns, "listed"))
	mustContain(t, "report", r.stdout, "0 created, 3 unchanged, 0 failed")

	// Everything exists now: there is nothing to list, and nothing that applying could change.
	r = mustSucceed(t, s.plugin(t, "create", "-n", ns, "listed", "-o", "name"))
	if strings.TrimSpace(r.stdout) != "" {
		t.Errorf("-o name lists existing objects:\n%s", r.stdout)
	}

	// In an existing namespace only the new objects are listed; -o json is a List too.
	s.create(t, s.env.Supervisor, machineYAML(ns, "second", annotation(remoteB), ""))
	r = mustSucceed(t, s.plugin(t, "create", "-n", ns, "second", "--dry-run=client", "-o", "name"))
	if strings.TrimSpace(r.stdout) != "persistentvolumeclaim/vm-second-root-pvc\nvirtualmachine.kubevirt.io/vm-second" {
		t.Errorf("-o name:\n%s", r.stdout)
	}
	r = mustSucceed(t, s.plugin(t, "create", "-n", ns, "second", "-o", "json"))
	var j struct {
		Kind  string
		Items []map[string]any
	}
	if err := json.Unmarshal([]byte(r.stdout), &j); err != nil || j.Kind != "List" || len(j.Items) != 2 {
		t.Errorf("-o json: %v\n%s", err, r.stdout)
	}
}

func TestOutputLeavesOutWhatTheGuardHoldsBack(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	s.create(t, a, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	s.create(t, a, vmYAML(ns, "guarded", "    vitistack.io/source-machine: guarded\n"))
	s.create(t, s.env.Supervisor, machineYAML(ns, "guarded", annotation(remoteA), ""))
	r := mustSucceed(t, s.plugin(t, "create", "-n", ns, "guarded", "--dry-run=client", "-o", "yaml"))
	if strings.Contains(r.stdout, "kind: VirtualMachine") || strings.Contains(r.stdout, "kind: Namespace") || strings.Contains(r.stdout, "PersistentVolumeClaim") {
		t.Errorf("-o lists objects create would not make:\n%s", r.stdout)
	}
}

func TestEveryExampleRenders(t *testing.T) {
	s := needEnv(t)
	t.Run("kubevirtconfig.yaml", func(t *testing.T) {
		// The example KubevirtConfig is valid on a real supervisor, and its Secret made as its comment
		// says (kubectl create secret generic ... --from-file=kubeconfig=...) is accepted by the plugin.
		kc := filepath.Join(t.TempDir(), "kubevirt-1.kubeconfig")
		if err := os.WriteFile(kc, s.env.Remote(remoteB).Kubeconfig, 0o600); err != nil {
			t.Fatal(err)
		}
		mustSucceed(t, s.kubectl(t, call{args: []string{"create", "secret", "generic", "kubevirt-1-kubeconfig", "-n", "vitistack", "--from-file=kubeconfig=" + kc}}))
		mustSucceed(t, s.kubectl(t, call{args: []string{"apply", "-f", filepath.Join(repoRoot(), "examples", "kubevirtconfig.yaml")}}))
		t.Cleanup(func() {
			sup := s.client(t, s.env.Supervisor)
			_ = deleteObject(context.Background(), sup, cluster.KubevirtConfigs, "", "kubevirt-1")
			_ = deleteObject(context.Background(), sup, cluster.Secrets, testenv.SecretNamespace, "kubevirt-1-kubeconfig")
		})
		ns := s.namespace(t)
		file := writeFile(t, "m.yaml", machineYAML(ns, "ex", annotation("kubevirt-1"), ""))
		r := mustSucceed(t, s.plugin(t, "create", "-f", file, "--dry-run=server"))
		mustContain(t, "report", r.stdout, "kubevirt-1", "would create")
	})
	// Every other example: the ones holding Machines are rendered here; the rest must be run by a
	// test named below, so that a new example cannot go untested.
	runElsewhere := map[string]string{
		"kubevirtconfig.yaml":  "the subtest above",
		"machineclasses.yaml":  "TestMain (loaded on the supervisor)",
		"rbac-supervisor.yaml": "TestTheExampleRBACIsEnough",
		"rbac-remote.yaml":     "TestTheExampleRBACIsEnough",
		"cloud-config.yaml":    "this test (the Secret of machine-cloudinit.yaml is made from it, as its comment shows)",
	}
	// What the Machine examples expect on the supervisor, made as their comments say: the cloud-init
	// Secret, and the VLAN NetworkNamespace (which vitistack's network operator would make).
	mustSucceed(t, s.kubectl(t, call{args: []string{"create", "secret", "generic", "web-cloud-init", "-n", "default",
		"--from-file=userdata=" + filepath.Join(repoRoot(), "examples", "cloud-config.yaml")}}))
	if s.get(t, s.env.Supervisor, cluster.Namespaces, "", "team-a") == nil {
		s.create(t, s.env.Supervisor, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n")
	}
	s.networkNamespace(t, "team-a", "team-a-vlan", 100, "")
	files, err := filepath.Glob(filepath.Join(repoRoot(), "examples", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, path := range files {
		ex := filepath.Base(path)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "\nkind: Machine\n") {
			if _, ok := runElsewhere[ex]; !ok {
				t.Errorf("examples/%s holds no Machine and no test runs it (add it to a test and to runElsewhere)", ex)
			}
			continue
		}
		t.Run(ex, func(t *testing.T) {
			r := mustSucceed(t, s.plugin(t, "create", "-f", path, "--kubevirt-config", remoteA, "--dry-run=client", "-o", "yaml", "--iso-size", "4Gi"))
			mustContain(t, "output", r.stdout, "kind: Machine", "kind: VirtualMachine", "kind: PersistentVolumeClaim")
			switch ex {
			case "machine-cloudinit.yaml":
				// -o prints the Secret as it would be stored: real base64 data, never the mask.
				mustContain(t, "output", r.stdout, "kind: Secret", "name: vm-web-ci-cloudinit", "userdata: ")
				if strings.Contains(r.stdout, "'***'") {
					t.Errorf("-o masks the cloud-init Secret, which the API server would refuse:\n%s", r.stdout)
				}
			case "machine-vlan.yaml":
				mustContain(t, "output", r.stdout, "kind: NetworkAttachmentDefinition", "name: vlan100", "networkName: vlan100")
			case "machine-iso.yaml":
				mustContain(t, "output", r.stdout, "name: vm-talos-1-iso", "storage: 4Gi", "name: cdrom-iso")
			}
		})
	}
}
