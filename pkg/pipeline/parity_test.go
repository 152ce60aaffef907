package pipeline_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

const vlanNN = "apiVersion: vitistack.io/v1alpha1\nkind: NetworkNamespace\nmetadata:\n  name: net\n  namespace: team\nspec:\n  datacenterIdentifier: dc\n  supervisorIdentifier: sup\nstatus:\n  vlanId: 42\n"

func operatorPipeline(w *clustertest.World, s write.Strategy) *pipeline.Pipeline {
	p := newPipeline(w, s, target.Options{})
	p.Options.Render.Naming = render.NamingOperator
	return p
}

func TestOperatorParityObjectsInOrder(t *testing.T) {
	doc := machineYAML("team", "web", onA, "network:", "  networkNamespaceName: net", "cloudInit:", "  userDataSecretRef:", "    name: web-ci")
	w := clustertest.NewWorld([]string{"kv-a"}, vlanNN, clustertest.SecretYAML("team", "web-ci", "userdata", "#cloud-config\npassword: CANARY\n"))
	in := []plan.Input{{Machine: typed(t, doc), FromFile: true, Object: clustertest.Object(doc).Object}}
	_, rows := run(t, operatorPipeline(w, write.None), in)
	if len(rows) != 7 {
		t.Fatalf("rows:\n%s", strings.Join(rows, "\n"))
	}
	want := []string{"supervisor machine.vitistack.io/web created", "supervisor networkconfiguration.vitistack.io/web created: MAC 02:12:",
		"kv-a namespace/team created", "kv-a networkattachmentdefinition.k8s.cni.cncf.io/vlan42 created", "kv-a persistentvolumeclaim/web created",
		"kv-a secret/web-cloudinit created", "kv-a virtualmachine.kubevirt.io/web created"}
	for i, w := range want {
		if !strings.HasPrefix(rows[i], w) {
			t.Errorf("row %d %q, want %q...", i, rows[i], w)
		}
	}
	if got := strings.Join(w.Remotes["kv-a"].Created(), ","); got != "namespaces/team,network-attachment-definitions/vlan42,persistentvolumeclaims/web,secrets/web-cloudinit,virtualmachines/web" {
		t.Errorf("remote creates in order: %s", got)
	}
	// The NetworkConfiguration is owned by the Machine created in the same run, and holds the VM's MAC.
	nc := w.Supervisor.Get(cluster.NetworkConfigurations, "team", "web")
	m := w.Supervisor.Get(cluster.Machines, "team", "web")
	refs := nc.GetOwnerReferences()
	if len(refs) != 1 || refs[0].UID != m.GetUID() || m.GetUID() == "" {
		t.Errorf("owner %v, machine uid %q", refs, m.GetUID())
	}
	vm := w.Remotes["kv-a"].Get(cluster.VirtualMachines, "team", "web")
	ifaces, _, _ := unstructured.NestedSlice(vm.Object, "spec", "template", "spec", "domain", "devices", "interfaces")
	mac := ifaces[0].(map[string]any)["macAddress"]
	ncIfaces, _, _ := unstructured.NestedSlice(nc.Object, "spec", "networkInterfaces")
	if ncIfaces[0].(map[string]any)["macAddress"] != mac || ncIfaces[0].(map[string]any)["name"] != "vlan42" {
		t.Errorf("NetworkConfiguration %v, VM MAC %v", ncIfaces, mac)
	}
	// The cloud-init data is in the Secret, not in the VM.
	if strings.Contains(vm.Object["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["volumes"].([]any)[1].(map[string]any)["cloudInitNoCloud"].(map[string]any)["secretRef"].(map[string]any)["name"].(string), "web-cloudinit") == false {
		t.Error("the VM does not reference the cloud-init Secret")
	}
	// A second run reuses the MAC and writes nothing.
	w.Reset()
	_, rows = run(t, operatorPipeline(w, write.None), in)
	for _, r := range rows {
		if !strings.Contains(r, " unchanged") {
			t.Errorf("re-run row %q", r)
		}
	}
	if n := w.Supervisor.Writes() + w.Remotes["kv-a"].Writes(); n != 0 {
		t.Errorf("re-run wrote %d times", n)
	}
}

func TestDryRunGeneratesTheMACButKeepsIt(t *testing.T) {
	doc := machineYAML("team", "web", onA)
	w := clustertest.NewWorld([]string{"kv-a"}, doc)
	_, rows := run(t, operatorPipeline(w, write.Client), inputs(typed(t, doc)))
	if !strings.HasPrefix(rows[0], "supervisor networkconfiguration.vitistack.io/web would create: MAC 02:12:") || !strings.HasSuffix(rows[0], "(generated); not persisted: dry run") {
		t.Errorf("row %q", rows[0])
	}
	if w.Supervisor.Writes() != 0 {
		t.Error("a dry run persisted the MAC")
	}
}

func TestNetworkConfigurationGetsTheInterfaceAppended(t *testing.T) {
	doc := machineYAML("team", "web", onA)
	nc := "apiVersion: vitistack.io/v1alpha1\nkind: NetworkConfiguration\nmetadata:\n  name: web\n  namespace: team\nspec:\n  name: web\n  networkInterfaces:\n  - name: old\n    macAddress: 02:12:00:00:00:99\n"
	w := clustertest.NewWorld([]string{"kv-a"}, doc, nc)
	_, rows := run(t, operatorPipeline(w, write.None), inputs(typed(t, doc)))
	if !strings.HasPrefix(rows[0], "supervisor networkconfiguration.vitistack.io/web updated: MAC 02:12:") {
		t.Errorf("row %q", rows[0])
	}
	got, _, _ := unstructured.NestedSlice(w.Supervisor.Get(cluster.NetworkConfigurations, "team", "web").Object, "spec", "networkInterfaces")
	if len(got) != 2 || got[0].(map[string]any)["name"] != "old" || got[1].(map[string]any)["name"] != "default" {
		t.Errorf("interfaces %v", got)
	}
	if n := w.Supervisor.Requests()["update networkconfigurations"]; n != 1 {
		t.Errorf("%d updates", n)
	}
	// The update shows in --diff and in -o, before and after it is made.
	w2 := clustertest.NewWorld([]string{"kv-a"}, doc, nc)
	plans, rows := run(t, operatorPipeline(w2, write.Client), inputs(typed(t, doc)))
	noPlanErrors(t, rows)
	_, refs := pipeline.Objects(plans)
	var diffs []string
	for _, d := range pipeline.Diffs(plans) {
		diffs = append(diffs, d.Label())
	}
	if refs[0] != "networkconfiguration.vitistack.io/web" || diffs[0] != "supervisor/vitistack.io.v1alpha1.NetworkConfiguration.team.web" {
		t.Errorf("-o %v, diffs %v", refs, diffs)
	}
}

func TestStaticIPNotAllocatedWritesOnlyTheNetworkConfiguration(t *testing.T) {
	nn := strings.Replace(vlanNN, "  supervisorIdentifier: sup\n", "  supervisorIdentifier: sup\n  ipAllocation:\n    type: static\n    static:\n      ipv4CIDR: 10.1.0.0/24\n      ipv4Gateway: 10.1.0.1\n", 1)
	doc := machineYAML("team", "web", onA, "network:", "  networkNamespaceName: net")
	w := clustertest.NewWorld([]string{"kv-a"}, doc, nn)
	plans, rows := run(t, newPipeline(w, write.None, target.Options{}), inputs(typed(t, doc)))
	if len(rows) != 2 || !strings.Contains(rows[0], "networkconfiguration.vitistack.io/web created") ||
		!strings.Contains(rows[1], "virtualmachine.kubevirt.io/vm-web error: static IP not allocated yet for MAC 02:12:") || !strings.HasSuffix(rows[1], "nothing created on kv-a") {
		t.Fatalf("rows:\n%s", strings.Join(rows, "\n"))
	}
	if n := w.Remotes["kv-a"].Writes(); n != 0 {
		t.Errorf("%d remote writes before the IP", n)
	}
	if s := newPipeline(w, write.None, target.Options{}).Summarize(plans); s.Failed != 1 || s.Created != 1 {
		t.Errorf("summary %+v", s)
	}
}

func TestSharedNADIsReadOnceAndCreatedOnce(t *testing.T) {
	a := machineYAML("team", "a", onA, "network:", "  networkNamespaceName: net")
	b := machineYAML("team", "b", onA, "network:", "  networkNamespaceName: net")
	w := clustertest.NewWorld([]string{"kv-a"}, a, b, vlanNN)
	if err := w.Remotes["kv-a"].Fake.Tracker().Add(clustertest.Object(nsYAML("team", ""))); err != nil {
		t.Fatal(err)
	}
	_, rows := run(t, newPipeline(w, write.None, target.Options{}), inputs(typed(t, a), typed(t, b)))
	r := w.Remotes["kv-a"].Requests()
	if r["get network-attachment-definitions"] != 1 || r["create network-attachment-definitions"] != 2 {
		t.Errorf("requests %v", r)
	}
	// The second Machine finds the NAD the first made: created meanwhile, which is success.
	if !strings.Contains(strings.Join(rows, "\n"), "networkattachmentdefinition.k8s.cni.cncf.io/vlan42 unchanged: created meanwhile by someone else") {
		t.Errorf("rows:\n%s", strings.Join(rows, "\n"))
	}
	if r["list virtualmachines"] != 1 || r["list persistentvolumeclaims"] != 1 || r["get namespaces"] != 1 {
		t.Errorf("one list per namespace, whatever the Machines: %v", r)
	}
}

func TestRefusalsBeforeAnyWrite(t *testing.T) {
	for _, tc := range []struct {
		name, spec, want string
	}{
		{"missing Secret", "cloudInit:\n    userDataSecretRef:\n      name: nope", `spec.cloudInit.userDataSecretRef: Secret "team/nope" not found on the supervisor (create it, or fix spec.cloudInit.userDataSecretRef.name)`},
		{"missing ConfigMap key", "cloudInit:\n    networkDataConfigMapRef:\n      name: cm\n      key: net", `spec.cloudInit.networkDataConfigMapRef: ConfigMap "team/cm" has no key "net"`},
		{"missing NetworkNamespace", "network:\n    networkNamespaceName: gone", `spec.network.networkNamespaceName: NetworkNamespace "gone" not found`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := machineYAML("team", "web", onA, tc.spec)
			w := clustertest.NewWorld([]string{"kv-a"}, doc, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: team\ndata:\n  other: x\n")
			plans, rows := run(t, newPipeline(w, write.None, target.Options{}), inputs(typed(t, doc)))
			// The refusal is the Machine's one row.
			if len(rows) != 1 || rows[0] != "plan error: "+errString(plans[0].Err) {
				t.Errorf("rows %q", rows)
			}
			if err := plans[0].Err; err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), `machine "team/web" (supervisor): `) {
				t.Errorf("%v", err)
			}
			if w.Supervisor.Writes()+w.Remotes["kv-a"].Writes() != 0 {
				t.Error("wrote for a refused Machine")
			}
		})
	}
}

func TestISOSize(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/gone.iso" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", "2147483648")
	}))
	defer srv.Close()
	iso := func(path string) string {
		return machineYAML("team", "t"+strings.TrimSuffix(strings.TrimPrefix(path, "/"), ".iso"),
			map[string]string{vitistack.AnnotationKubevirtConfig: "kv-a", vitistack.AnnotationBootSource: vitistack.BootSourceDataVolume}, "os:", "  imageID: "+srv.URL+path)
	}
	ok, gone := iso("/ok.iso"), iso("/gone.iso")
	w := clustertest.NewWorld([]string{"kv-a"}, ok, gone)
	plans := newPipeline(w, write.Client, target.Options{}).Plan(context.Background(), inputs(typed(t, ok), typed(t, gone)))
	if err := plans[0].Err; err != nil {
		t.Fatal(err)
	}
	dvt, _, _ := unstructured.NestedSlice(plans[0].VM.Desired, "spec", "dataVolumeTemplates")
	if size, _, _ := unstructured.NestedString(dvt[0].(map[string]any), "spec", "storage", "resources", "requests", "storage"); size != "3Gi" {
		t.Errorf("2 GiB + 10 %% = %s, want 3Gi", size)
	}
	if err := plans[1].Err; err == nil || !strings.Contains(err.Error(), "spec.os.imageID: cannot read the size of "+srv.URL+"/gone.iso: HEAD answered 404 Not Found (pass --iso-size") {
		t.Errorf("%v", err)
	}
	p := newPipeline(w, write.Client, target.Options{})
	q := resource.MustParse("5Gi")
	p.Options.ISOSize = &q
	plans = p.Plan(context.Background(), inputs(typed(t, gone)))
	if plans[0].Err != nil {
		t.Errorf("--iso-size skips the request: %v", plans[0].Err)
	}
}

// TestISOFromLiveAsksNoServer: read-only rendering (status -o wide) sizes the ISO from the live
// VM's DataVolumeTemplate, DefaultISOSize without one, and never asks the image's server.
func TestISOFromLiveAsksNoServer(t *testing.T) {
	var asked atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Error(w, "no request expected", http.StatusTeapot)
	}))
	defer srv.Close()
	doc := machineYAML("team", "disc", map[string]string{vitistack.AnnotationKubevirtConfig: "kv-a", vitistack.AnnotationBootSource: vitistack.BootSourceDataVolume},
		"os:", "  imageID: "+srv.URL+"/disc.iso")
	w := clustertest.NewWorld([]string{"kv-a"}, doc)
	p := newPipeline(w, write.Client, target.Options{})
	p.Options.ISOFromLive = true
	m := typed(t, doc)
	tg, err := p.Resolver.Resolve(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	size := func(live map[string]any) string {
		t.Helper()
		objs, err := p.RenderFor(context.Background(), m, tg, live)
		if err != nil {
			t.Fatal(err)
		}
		vm, err := cluster.Content(objs.VM)
		if err != nil {
			t.Fatal(err)
		}
		dvt, _, _ := unstructured.NestedSlice(vm, "spec", "dataVolumeTemplates")
		s, _, _ := unstructured.NestedString(dvt[len(dvt)-1].(map[string]any), "spec", "storage", "resources", "requests", "storage")
		return s
	}
	live := map[string]any{"metadata": map[string]any{"name": "vm-disc"}, "spec": map[string]any{"dataVolumeTemplates": []any{
		map[string]any{"metadata": map[string]any{"name": "vm-disc-iso"}, "spec": map[string]any{"storage": map[string]any{"resources": map[string]any{"requests": map[string]any{"storage": "7Gi"}}}}},
	}}}
	if got := size(live); got != "7Gi" {
		t.Errorf("from the live VM: %s, want 7Gi", got)
	}
	if got := size(nil); got != render.DefaultISOSize {
		t.Errorf("without a live VM: %s, want %s", got, render.DefaultISOSize)
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("%d requests to the image server", n)
	}
}
