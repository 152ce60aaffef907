package printer

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vitistack/kubectl-vitimachine/pkg/describe"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of testdata/describe")

var describeNow = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) time.Time { return describeNow.Add(-d) }

// describeCases are the trees of a provisioned Machine, a failing one, an unprovisioned one and
// one whose cluster could not be read.
func describeCases() map[string][]describe.Item {
	ended := ago(time.Hour)
	provisioned := describe.Item{
		Machine: describe.Machine{Namespace: "team-a", Name: "web-1", Phase: "Running", Class: "small", ClassFound: true, KubevirtConfig: "kv-a", Created: ago(48 * time.Hour)},
		Cluster: &describe.Cluster{Name: "kv-a", ChosenBy: "annotation", Version: "v1.37.2"},
		VM: &describe.VM{Name: "vm-web-1", PrintableStatus: "Running", RunStrategy: "Always", Ready: true, CreatedBy: describe.CreatedByPlugin,
			ManagedBy: "managed-by=vitistack-kubevirt-operator", Conditions: []describe.Condition{
				{Type: "Ready", Status: "True", Healthy: true},
				{Type: "LiveMigratable", Status: "False", Reason: "DisksNotLiveMigratable", Message: "PVC vm-web-1-os-pvc is not shared", Healthy: true},
			}},
		VMI: &describe.VMI{Name: "vm-web-1", Phase: "Running", Node: "node-7", IPs: []string{"10.244.1.7", "fd00::7"}, GuestAgent: "True",
			Conditions:    []describe.Condition{{Type: "AgentConnected", Status: "True", Healthy: true}},
			LastMigration: &describe.Migration{SourceNode: "node-3", TargetNode: "node-7", Result: "succeeded", Ended: &ended}},
		Volumes: []describe.Volume{
			{Kind: "PersistentVolumeClaim", Name: "vm-web-1-os-pvc", Phase: "Bound", Size: "10Gi", StorageClass: "standard", Found: true},
			{Kind: "DataVolume", Name: "vm-web-1-iso", Phase: "ImportInProgress", Size: "2Gi", StorageClass: "standard", Progress: "45.00%", Found: true},
		},
		Networks:             []describe.Network{{Name: "vlan42", Found: true, VLAN: "42"}},
		CloudInit:            &describe.Secret{Name: "vm-web-1-cloudinit", Found: true, Keys: []string{"networkdata", "userdata"}},
		NetworkConfiguration: &describe.NetworkConfiguration{Name: "web-1", Interfaces: []describe.Interface{{Name: "vlan42", MAC: "02:12:aa:bb:cc:dd", IPs: []string{"10.0.42.7"}}}},
		Events: []describe.Event{
			{Object: "VirtualMachine/vm-web-1", Type: "Normal", Reason: "SuccessfulCreate", Message: "Started the virtual machine by creating the new virtual machine instance vm-web-1", Count: 1, Last: ago(47 * time.Hour)},
			{Object: "VirtualMachineInstance/vm-web-1", Type: "Normal", Reason: "Migrated", Message: "The VirtualMachineInstance migrated to node node-7.", Count: 1, Last: ago(time.Hour)},
		},
	}
	failing := describe.Item{
		Machine: describe.Machine{Namespace: "team-a", Name: "db-1", Phase: "Provisioning", Class: "huge", Created: ago(20 * time.Minute)},
		Cluster: &describe.Cluster{Name: "kv-b", ChosenBy: "only KubevirtConfig", Version: "v1.37.2"},
		VM: &describe.VM{Name: "vm-db-1", PrintableStatus: "WaitingForVolumeBinding", RunStrategy: "Always", CreatedBy: describe.CreatedByOperator,
			ManagedBy: "vitistack.io/managed-by=kubevirt-operator", Conditions: []describe.Condition{
				{Type: "Ready", Status: "False", Reason: "VMINotExists", Message: "VMI does not exist", Healthy: false},
				{Type: "Failure", Status: "True", Reason: "FailedCreate", Message: "PVC vm-db-1-data-pvc not bound", Healthy: false},
			}},
		Volumes: []describe.Volume{
			{Kind: "PersistentVolumeClaim", Name: "vm-db-1-data-pvc", Phase: "Pending", Size: "20Gi", StorageClass: "fast", Found: true},
			{Kind: "PersistentVolumeClaim", Name: "vm-db-1-os-pvc", Phase: "Bound", Size: "10Gi", Found: true},
		},
		Networks:  []describe.Network{{Name: "vlan7"}},
		CloudInit: &describe.Secret{Name: "vm-db-1-cloudinit"},
		Events: []describe.Event{
			{Object: "Machine/db-1", Type: "Warning", Reason: "MachineClassNotFound", Message: "machineclass \"huge\" not found", Count: 4, Last: ago(15 * time.Minute)},
			{Object: "PersistentVolumeClaim/vm-db-1-data-pvc", Type: "Warning", Reason: "ProvisioningFailed", Message: "storageclass.storage.k8s.io \"fast\" not found", Count: 12, Last: ago(2 * time.Minute)},
		},
	}
	unprovisioned := describe.Item{
		Machine: describe.Machine{Namespace: "team-a", Name: "new-1", Phase: "", Class: "small", ClassFound: true, Created: ago(time.Minute)},
		Cluster: &describe.Cluster{Name: "kv-a", ChosenBy: "--kubevirt-config"},
		Volumes: []describe.Volume{}, Events: []describe.Event{},
	}
	unread := describe.Item{
		Machine: describe.Machine{Namespace: "team-a", Name: "far-1", Phase: "Running", KubevirtConfig: "kv-dead", Created: ago(time.Hour)},
		Cluster: &describe.Cluster{Name: "kv-dead", ChosenBy: "annotation"},
		Volumes: []describe.Volume{}, Events: []describe.Event{},
		Error: "cluster kv-dead did not answer within --cluster-timeout=5s",
	}
	nowhere := describe.Item{
		Machine: describe.Machine{Namespace: "team-a", Name: "lost-1", Created: ago(time.Hour)},
		Volumes: []describe.Volume{}, Events: []describe.Event{},
	}
	return map[string][]describe.Item{
		"provisioned":   {provisioned},
		"failing":       {failing},
		"unprovisioned": {unprovisioned},
		"unreadable":    {unread, nowhere},
	}
}

// TestDescribeTreeGolden compares each tree with testdata/describe/<case>.golden; run with -update
// to rewrite them after a deliberate change, and review the diff.
func TestDescribeTreeGolden(t *testing.T) {
	for name, items := range describeCases() {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Describe(&b, items, DescribeOptions{Events: true, Now: func() time.Time { return describeNow }}, NewPalette(false)); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "describe", name+".golden")
			if *updateGolden {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./pkg/printer -run TestDescribeTreeGolden -update)", err)
			}
			if b.String() != string(want) {
				t.Errorf("tree of %s differs from %s:\n%s\nwant:\n%s", name, path, b.String(), want)
			}
		})
	}
}

func TestDescribeColoursOnlyUnhealthyAndNeverWithoutColour(t *testing.T) {
	items := describeCases()["failing"]
	var plain, coloured bytes.Buffer
	opts := DescribeOptions{Events: true, Now: func() time.Time { return describeNow }}
	if err := Describe(&plain, items, opts, NewPalette(false)); err != nil {
		t.Fatal(err)
	}
	if err := Describe(&coloured, items, opts, NewPalette(true)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b[") {
		t.Errorf("colour codes without colour:\n%q", plain.String())
	}
	red := "\x1b[31m"
	for _, want := range []string{red + "False", red + "True", red + "NotFound"} {
		if !strings.Contains(coloured.String(), want) {
			t.Errorf("coloured tree lacks %q:\n%s", want, coloured.String())
		}
	}
	// Stripping the codes gives the plain tree: colour never moves a column.
	if stripANSI(coloured.String()) != plain.String() {
		t.Errorf("coloured tree without its codes differs from the plain one:\n%s\nplain:\n%s", stripANSI(coloured.String()), plain.String())
	}
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func TestDescribeWithoutEventsAndJSONShape(t *testing.T) {
	items := describeCases()["provisioned"]
	var b bytes.Buffer
	if err := Describe(&b, items, DescribeOptions{Now: func() time.Time { return describeNow }}, NewPalette(false)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "Events") {
		t.Errorf("events printed without --show-events:\n%s", b.String())
	}
	b.Reset()
	if err := DescribeStructured(&b, "json", items); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Items []map[string]json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"machine", "cluster", "vm", "vmi", "volumes", "events"} {
		if _, ok := doc.Items[0][key]; !ok {
			t.Errorf("item lacks %q: %s", key, b.String())
		}
	}
	var cl map[string]string
	_ = json.Unmarshal(doc.Items[0]["cluster"], &cl)
	if cl["name"] != "kv-a" || cl["chosenBy"] != "annotation" {
		t.Errorf("cluster = %v", cl)
	}
	b.Reset()
	if err := DescribeStructured(&b, "json", nil); err != nil || strings.TrimSpace(b.String()) != "{\n    \"items\": []\n}" {
		t.Errorf("empty document = %q, %v", b.String(), err)
	}
}
