package pipeline_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

var onA = map[string]string{vitistack.AnnotationKubevirtConfig: "kv-a"}

func nsYAML(name, extra string) string {
	return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n" + extra
}

// TestARemoteNamedSupervisorGetsItsObjects: clusters are identities, not names. A KubevirtConfig
// called "supervisor" is a remote like any other; the supervisor gets nothing of it.
func TestARemoteNamedSupervisorGetsItsObjects(t *testing.T) {
	doc := machineYAML("team", "web", map[string]string{vitistack.AnnotationKubevirtConfig: "supervisor"})
	w := clustertest.NewWorld([]string{"supervisor"}, doc)
	_, rows := run(t, newPipeline(w, write.None, target.Options{}), inputs(typed(t, doc)))
	wantRows(t, rows,
		"supervisor namespace/team created",
		"supervisor persistentvolumeclaim/vm-web-root-pvc created",
		"supervisor virtualmachine.kubevirt.io/vm-web created")
	if got := strings.Join(w.Remotes["supervisor"].Created(), ","); got != "namespaces/team,persistentvolumeclaims/vm-web-root-pvc,virtualmachines/vm-web" {
		t.Errorf("the remote called supervisor got %q", got)
	}
	if n := w.Supervisor.Writes(); n != 0 {
		t.Errorf("the supervisor got %d writes: %v", n, w.Supervisor.Created())
	}
}

func TestNamespaceStep(t *testing.T) {
	for _, tc := range []struct {
		name     string
		existing string
		fail     error
		want     []string
		writes   []string
	}{
		{name: "existing namespace is untouched", existing: nsYAML("team", "  labels:\n    owner: blue\n"),
			want:   []string{"kv-a namespace/team unchanged", "kv-a persistentvolumeclaim/vm-web-root-pvc created", "kv-a virtualmachine.kubevirt.io/vm-web created"},
			writes: []string{"persistentvolumeclaims/vm-web-root-pvc", "virtualmachines/vm-web"}},
		{name: "terminating namespace refuses the Machine", existing: nsYAML("team", "status:\n  phase: Terminating\n"),
			want: []string{`plan error: cluster kv-a: namespace "team": namespace is being deleted; nothing can be created in it (wait until it is gone, then run again)`}},
		{name: "a deletionTimestamp is terminating too", existing: nsYAML("team", "  deletionTimestamp: \"2026-01-01T00:00:00Z\"\n  finalizers: [kubernetes]\n"),
			want: []string{`plan error: cluster kv-a: namespace "team": namespace is being deleted; nothing can be created in it (wait until it is gone, then run again)`}},
		{name: "AlreadyExists on create is success", fail: apierrors.NewAlreadyExists(schema.GroupResource{Resource: "namespaces"}, "team"),
			want:   []string{"kv-a namespace/team unchanged: created meanwhile by someone else", "kv-a persistentvolumeclaim/vm-web-root-pvc created", "kv-a virtualmachine.kubevirt.io/vm-web created"},
			writes: []string{"persistentvolumeclaims/vm-web-root-pvc", "virtualmachines/vm-web"}},
		{name: "a failed namespace stops the Machine", fail: apierrors.NewForbidden(schema.GroupResource{Resource: "namespaces"}, "team", nil),
			want: []string{`kv-a namespace/team error: cluster kv-a: namespace/team: namespaces "team" is forbidden: <nil>`,
				"kv-a persistentvolumeclaim/vm-web-root-pvc skipped: not attempted: namespace/team failed",
				"kv-a virtualmachine.kubevirt.io/vm-web skipped: not attempted: namespace/team failed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := machineYAML("team", "web", onA)
			w := clustertest.NewWorld([]string{"kv-a"}, doc)
			a := w.Remotes["kv-a"]
			if tc.existing != "" {
				if err := a.Fake.Tracker().Add(clustertest.Object(tc.existing)); err != nil {
					t.Fatal(err)
				}
			}
			if tc.fail != nil {
				a.Fail("create", "namespaces", "", tc.fail)
			}
			_, rows := run(t, newPipeline(w, write.None, target.Options{}), inputs(typed(t, doc)))
			wantRows(t, rows, tc.want...)
			var got []string
			for _, c := range a.Created() {
				if !strings.HasPrefix(c, "namespaces/") {
					got = append(got, c)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.writes, ",") {
				t.Errorf("creates %v, want %v", got, tc.writes)
			}
			if tc.existing != "" && a.Requests()["patch namespaces"]+a.Requests()["update namespaces"] != 0 {
				t.Error("an existing namespace was modified")
			}
		})
	}
}

func TestDuplicateGuard(t *testing.T) {
	for _, key := range vitistack.SourceMachineKeys {
		t.Run(key, func(t *testing.T) {
			doc := machineYAML("team", "web", onA)
			w := clustertest.NewWorld([]string{"kv-a"}, doc)
			a := w.Remotes["kv-a"]
			for _, o := range []string{nsYAML("team", ""),
				"apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: web\n  namespace: team\n  labels:\n    " + key + ": web\n"} {
				if err := a.Fake.Tracker().Add(clustertest.Object(o)); err != nil {
					t.Fatal(err)
				}
			}
			_, rows := run(t, newPipeline(w, write.None, target.Options{}), inputs(typed(t, doc)))
			msg := `skipped: machine already provisioned as virtualmachine "web" (labelled vitistack.io/source-machine=web)`
			wantRows(t, rows, "kv-a namespace/team unchanged", "kv-a persistentvolumeclaim/vm-web-root-pvc "+msg, "kv-a virtualmachine.kubevirt.io/vm-web "+msg)
			if a.Writes() != 0 {
				t.Errorf("writes despite the guard: %v", a.Created())
			}
		})
	}
}

func TestOwnershipAndProvider(t *testing.T) {
	owned := strings.Replace(machineYAML("team", "owned", onA), "  namespace: team\n", "  namespace: team\n  finalizers: [machine.vitistack.io/finalizer]\n", 1)
	proxmox := strings.Replace(machineYAML("team", "px", onA), "provider: kubevirt", "provider: proxmox", 1)
	w := clustertest.NewWorld([]string{"kv-a"}, owned, proxmox)
	plans := newPipeline(w, write.None, target.Options{}).Plan(context.Background(), inputs(typed(t, owned), typed(t, proxmox)))
	if err := plans[0].Err; err == nil || !strings.Contains(err.Error(), "--force") || !strings.Contains(err.Error(), vitistack.Finalizer) {
		t.Errorf("owned Machine: %v", err)
	}
	if plans[1].SkipReason != `spec.provider is "proxmox", not kubevirt` {
		t.Errorf("proxmox Machine: %q", plans[1].SkipReason)
	}
	p := newPipeline(w, write.None, target.Options{})
	p.Options.Force = true
	if plans := p.Plan(context.Background(), inputs(typed(t, owned))); plans[0].Err != nil {
		t.Errorf("--force: %v", plans[0].Err)
	}
	if w.Remotes["kv-a"].Writes()+w.Supervisor.Writes() != 0 {
		t.Error("planning wrote")
	}
}

func TestPartialFailureKeepsTheOtherMachinesGoing(t *testing.T) {
	a1, b1 := machineYAML("one", "a", onA), machineYAML("two", "b", onA)
	w := clustertest.NewWorld([]string{"kv-a"}, a1, b1)
	w.Remotes["kv-a"].Fail("create", "virtualmachines", "vm-a", apierrors.NewForbidden(schema.GroupResource{Group: "kubevirt.io", Resource: "virtualmachines"}, "vm-a", nil))
	p := newPipeline(w, write.None, target.Options{})
	plans, rows := run(t, p, inputs(typed(t, a1), typed(t, b1)))
	wantRows(t, rows,
		"kv-a namespace/one created", "kv-a persistentvolumeclaim/vm-a-root-pvc created",
		`kv-a virtualmachine.kubevirt.io/vm-a error: cluster kv-a: virtualmachine.kubevirt.io/vm-a: virtualmachines.kubevirt.io "vm-a" is forbidden: <nil>`,
		"kv-a namespace/two created", "kv-a persistentvolumeclaim/vm-b-root-pvc created", "kv-a virtualmachine.kubevirt.io/vm-b created")
	if s := p.Summarize(plans); s.Created != 5 || s.Failed != 1 || !s.Bad() {
		t.Errorf("summary %+v", s)
	}
}

func TestDryRuns(t *testing.T) {
	doc := machineYAML("team", "web", nil)
	t.Run("client writes nothing anywhere", func(t *testing.T) {
		w := clustertest.NewWorld([]string{"kv-a"}, doc)
		p := newPipeline(w, write.Client, target.Options{})
		plans, rows := run(t, p, inputs(typed(t, doc)))
		wantRows(t, rows,
			"supervisor machine.vitistack.io/web would annotate: vitistack.io/kubevirt-config=kv-a (chosen by only KubevirtConfig)",
			"kv-a namespace/team would create", "kv-a persistentvolumeclaim/vm-web-root-pvc would create", "kv-a virtualmachine.kubevirt.io/vm-web would create")
		if n := w.Supervisor.Writes() + w.Remotes["kv-a"].Writes(); n != 0 {
			t.Errorf("%d writes", n)
		}
		if s := p.Summarize(plans); s.DryRun != "client" || s.Created != 3 {
			t.Errorf("summary %+v", s)
		}
	})
	t.Run("server sends what it can, with dryRun", func(t *testing.T) {
		w := clustertest.NewWorld([]string{"kv-a"}, doc)
		_, rows := run(t, newPipeline(w, write.Server, target.Options{}), inputs(typed(t, doc)))
		wantRows(t, rows,
			"supervisor machine.vitistack.io/web would annotate: vitistack.io/kubevirt-config=kv-a (chosen by only KubevirtConfig)",
			"kv-a namespace/team would create", "kv-a persistentvolumeclaim/vm-web-root-pvc would create (namespace pending)",
			"kv-a virtualmachine.kubevirt.io/vm-web would create (namespace pending)")
		if got := strings.Join(w.Remotes["kv-a"].Created(), ","); got != "dry-run namespaces/team" {
			t.Errorf("remote creates: %s", got)
		}
		if w.Remotes["kv-a"].Get(cluster.Namespaces, "", "team") != nil {
			t.Error("a server dry run stored the namespace")
		}
	})
	t.Run("server in an existing namespace", func(t *testing.T) {
		w := clustertest.NewWorld([]string{"kv-a"}, doc)
		if err := w.Remotes["kv-a"].Fake.Tracker().Add(clustertest.Object(nsYAML("team", ""))); err != nil {
			t.Fatal(err)
		}
		_, _ = run(t, newPipeline(w, write.Server, target.Options{}), inputs(typed(t, doc)))
		if got := strings.Join(w.Remotes["kv-a"].Created(), ","); got != "dry-run persistentvolumeclaims/vm-web-root-pvc,dry-run virtualmachines/vm-web" {
			t.Errorf("remote creates: %s", got)
		}
	})
}

func TestMachinesSharingANewNamespaceCreateItOnce(t *testing.T) {
	for _, tc := range []struct {
		s    write.Strategy
		want string
	}{{write.None, "unchanged: created in this run for machine team/a"}, {write.Client, "unchanged: would be created in this run for machine team/a"}} {
		a, b := machineYAML("team", "a", onA), machineYAML("team", "b", onA)
		w := clustertest.NewWorld([]string{"kv-a"}, a, b)
		_, rows := run(t, newPipeline(w, tc.s, target.Options{}), inputs(typed(t, a), typed(t, b)))
		if rows[3] != "kv-a namespace/team "+tc.want {
			t.Errorf("%v: second namespace row %q", tc.s, rows[3])
		}
		if n := w.Remotes["kv-a"].Requests()["create namespaces"]; tc.s == write.None && n != 1 {
			t.Errorf("namespace created %d times", n)
		}
	}
}

func TestMachineFromAFile(t *testing.T) {
	doc := machineYAML("team", "filed", nil)
	t.Run("absent: created with the annotation", func(t *testing.T) {
		w := clustertest.NewWorld([]string{"kv-a"})
		in := []plan.Input{{Machine: typed(t, doc), FromFile: true, Origin: "m.yaml document 1", Object: clustertest.Object(doc).Object}}
		_, rows := run(t, newPipeline(w, write.None, target.Options{}), in)
		if rows[0] != "supervisor machine.vitistack.io/filed created: with vitistack.io/kubevirt-config=kv-a (chosen by only KubevirtConfig)" {
			t.Errorf("row %q", rows[0])
		}
		m := w.Supervisor.Get(cluster.Machines, "team", "filed")
		if m == nil || m.GetAnnotations()[vitistack.AnnotationKubevirtConfig] != "kv-a" {
			t.Errorf("machine on the supervisor: %v", m)
		}
	})
	t.Run("present: the live one is provisioned", func(t *testing.T) {
		live := machineYAML("team", "filed", onA, "disks:", "- name: os", "  sizeGB: 30")
		w := clustertest.NewWorld([]string{"kv-a"}, live)
		in := []plan.Input{{Machine: typed(t, doc), FromFile: true, Origin: "m.yaml document 1", Object: clustertest.Object(doc).Object}}
		_, rows := run(t, newPipeline(w, write.None, target.Options{}), in)
		// The file sets no disks, so the live Machine (with its disk) matches it where the file speaks.
		wantRows(t, rows, "supervisor machine.vitistack.io/filed unchanged", "kv-a namespace/team created",
			"kv-a persistentvolumeclaim/vm-filed-os-pvc created", "kv-a virtualmachine.kubevirt.io/vm-filed created")
	})
	t.Run("present and different: exists (differs), planned from the live one, and said so", func(t *testing.T) {
		live := machineYAML("team", "filed", onA, "cpu:", "  cores: 2")
		file := machineYAML("team", "filed", onA, "cpu:", "  cores: 4")
		w := clustertest.NewWorld([]string{"kv-a"}, live)
		in := []plan.Input{{Machine: typed(t, file), FromFile: true, Origin: "m.yaml document 1", Object: clustertest.Object(file).Object}}
		p := newPipeline(w, write.None, target.Options{})
		plans, rows := run(t, p, in)
		wantRows(t, rows, "supervisor machine.vitistack.io/filed exists (differs): the live Machine differs from m.yaml document 1; "+
			"the live one is provisioned (an existing Machine is never updated; see the diff)",
			"kv-a namespace/team created", "kv-a persistentvolumeclaim/vm-filed-root-pvc created", "kv-a virtualmachine.kubevirt.io/vm-filed created")
		if cores, _, _ := unstructured.NestedInt64(plans[0].VM.Desired, "spec", "template", "spec", "domain", "cpu", "cores"); cores != 2 {
			t.Errorf("VM rendered with %d cores, the live Machine has 2", cores)
		}
		diffs := pipeline.Diffs(plans)
		if len(diffs) == 0 || diffs[0].Name != "vitistack.io.v1alpha1.Machine.team.filed" || diffs[0].Live == nil {
			t.Fatalf("diffs %v", diffs)
		}
		if c, _, _ := unstructured.NestedFieldNoCopy(diffs[0].Desired, "spec", "cpu", "cores"); fmt.Sprint(c) != "4" {
			t.Errorf("the Machine's diff does not show the file: cores %v", c)
		}
	})
	t.Run("the supervisor namespace is missing", func(t *testing.T) {
		w := clustertest.NewWorld([]string{"kv-a"})
		w.Supervisor.Fail("create", "machines", "", apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "team"))
		in := []plan.Input{{Machine: typed(t, doc), FromFile: true, Object: clustertest.Object(doc).Object}}
		_, rows := run(t, newPipeline(w, write.None, target.Options{}), in)
		if !strings.Contains(rows[0], `namespace "team" does not exist on the supervisor (create it first: kubectl create namespace team)`) {
			t.Errorf("row %q", rows[0])
		}
	})
}

func TestMachineClassAndStorage(t *testing.T) {
	classes := []any{
		"apiVersion: vitistack.io/v1alpha1\nkind: MachineClass\nmetadata:\n  name: big\nspec:\n  enabled: true\n  cpu:\n    cores: 8\n  memory:\n    quantity: 32Gi\n",
		"apiVersion: vitistack.io/v1alpha1\nkind: MachineClass\nmetadata:\n  name: disabled\nspec:\n  enabled: false\n",
	}
	big := machineYAML("team", "big", onA, "machineClass: big")
	off := machineYAML("team", "quiet", onA, "machineClass: disabled")
	gone := machineYAML("team", "gone", onA, "machineClass: gone")
	w := clustertest.NewWorld([]string{"kv-a"}, append(classes, big, off, gone)...)
	if err := w.Remotes["kv-a"].Fake.Tracker().Add(clustertest.Object(`apiVersion: cdi.kubevirt.io/v1beta1
kind: StorageProfile
metadata:
  name: standard
status:
  claimPropertySets:
  - volumeMode: Filesystem
    accessModes: [ReadWriteOnce]
  - volumeMode: Block
    accessModes: [ReadWriteOnce, ReadWriteMany]
`)); err != nil {
		t.Fatal(err)
	}
	plans := newPipeline(w, write.Client, target.Options{}).Plan(context.Background(), inputs(typed(t, big), typed(t, off), typed(t, gone)))
	vm := plans[0].VM.Desired
	if got := vmField(vm, "cpu", "cores"); got != int64(8) {
		t.Errorf("cores %v", got)
	}
	if got := vmField(vm, "memory", "guest"); got != "32Gi" {
		t.Errorf("memory %v", got)
	}
	pvc := plans[0].Items[1].Desired
	if modes := pvc["spec"].(map[string]any)["accessModes"]; len(modes.([]any)) != 1 || modes.([]any)[0] != "ReadWriteMany" {
		t.Errorf("access modes %v (want the profile's RWX for Block)", modes)
	}
	if err := plans[1].Err; err == nil || !strings.Contains(err.Error(), `machine "team/quiet": spec.machineClass: MachineClass "disabled" is disabled`) {
		t.Errorf("disabled class: %v", err)
	}
	if err := plans[2].Err; err == nil || !strings.Contains(err.Error(), `machine "team/gone": spec.machineClass: MachineClass "gone" not found`) {
		t.Errorf("missing class: %v", err)
	}
	if n := w.Supervisor.Requests()["get machineclasses"]; n != 3 {
		t.Errorf("%d MachineClass reads, want one per class", n)
	}
	if n := w.Remotes["kv-a"].Requests()["list storageclasses"]; n != 1 {
		t.Errorf("%d StorageClass lists, want one per cluster", n)
	}
}

func vmField(vm map[string]any, path ...string) any {
	cur := any(vm["spec"]).(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["domain"]
	for _, p := range path {
		cur = cur.(map[string]any)[p]
	}
	return cur
}

func TestNoDefaultStorageClass(t *testing.T) {
	doc := machineYAML("team", "web", onA)
	w := clustertest.NewWorld([]string{"kv-a"}, doc)
	_ = w.Remotes["kv-a"].Fake.Tracker().Delete(cluster.StorageClasses.GVR, "", "standard")
	plans := newPipeline(w, write.None, target.Options{}).Plan(context.Background(), inputs(typed(t, doc)))
	if err := plans[0].Err; err == nil || !strings.Contains(err.Error(), "cluster kv-a has no default StorageClass (pass --storage-class") {
		t.Errorf("%v", err)
	}
}

func TestInterruptedApplyWritesNothingMore(t *testing.T) {
	doc := machineYAML("team", "web", onA)
	w := clustertest.NewWorld([]string{"kv-a"}, doc)
	p := newPipeline(w, write.None, target.Options{})
	plans := p.Plan(context.Background(), inputs(typed(t, doc)))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p.Apply(ctx, plans)
	for _, it := range plans[0].Items {
		if a, msg := it.Final(); a != plan.Skipped || msg != "not attempted: interrupted" {
			t.Errorf("%s: %s %s", it.Ref(), a, msg)
		}
		if it.Action != plan.WouldCreate {
			t.Errorf("%s: Apply changed the plan's action to %s", it.Ref(), it.Action)
		}
	}
	if w.Remotes["kv-a"].Writes() != 0 {
		t.Error("wrote after the interrupt")
	}
}

func TestObjectsAndDiffs(t *testing.T) {
	doc := machineYAML("team", "web", onA, "cloudInit:", "  userData: \"#cloud-config\\npassword: hunter2\\n\"")
	w := clustertest.NewWorld([]string{"kv-a"}, doc)
	if err := w.Remotes["kv-a"].Fake.Tracker().Add(clustertest.Object(nsYAML("team", ""))); err != nil {
		t.Fatal(err)
	}
	p := newPipeline(w, write.Client, target.Options{})
	plans, rows := run(t, p, inputs(typed(t, doc)))
	noPlanErrors(t, rows)
	objs, refs := pipeline.Objects(plans)
	// -o prints the Secret as it would be stored (real base64 data, so that the List can be applied);
	// --diff and the report mask it.
	stored := false
	for _, o := range objs {
		if data, ok := o["data"].(map[string]any); ok && o["kind"] == "Secret" {
			stored = data["userdata"] == base64.StdEncoding.EncodeToString([]byte("#cloud-config\npassword: hunter2\n"))
		}
	}
	if !stored || !pipeline.HoldSecrets(objs) {
		t.Errorf("-o does not carry the Secret as it would be stored (HoldSecrets %v): %v", pipeline.HoldSecrets(objs), objs)
	}
	if len(objs) == 0 || pipeline.HoldSecrets(objs[:1]) {
		t.Errorf("HoldSecrets says a PVC holds secrets: %v", objs[0])
	}
	if strings.Join(refs, ",") != "persistentvolumeclaim/vm-web-root-pvc,secret/vm-web-cloudinit,virtualmachine.kubevirt.io/vm-web" {
		t.Errorf("-o lists %v (an existing namespace must not be listed)", refs)
	}
	for _, o := range objs {
		a := (&unstructured.Unstructured{Object: o}).GetAnnotations()
		if a[pipeline.ClusterAnnotation] != "kv-a" || a[pipeline.ClusterRoleAnnotation] != "remote" {
			t.Errorf("%v: annotations %v", refs, a)
		}
	}
	if a := plans[0].VM.Desired["metadata"].(map[string]any)["annotations"]; a != nil {
		t.Errorf("the cluster annotation reached the object the plugin writes: %v", a)
	}
	var names []string
	for _, d := range pipeline.Diffs(plans) {
		names = append(names, d.Label())
	}
	if strings.Join(names, ",") != "kv-a/v1.PersistentVolumeClaim.team.vm-web-root-pvc,kv-a/v1.Secret.team.vm-web-cloudinit,kv-a/kubevirt.io.v1.VirtualMachine.team.vm-web" {
		t.Errorf("diffs %v", names)
	}
}

func TestWait(t *testing.T) {
	vmDoc := func(status string) string {
		return "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: vm-web\n  namespace: team\nstatus:\n  printableStatus: " + status + "\n"
	}
	doc := machineYAML("team", "web", onA)
	for _, tc := range []struct {
		name, then string
		timeout    time.Duration
		cancel     bool
		events     []string
		want       string
	}{
		{name: "running", then: "Running", timeout: time.Minute},
		{name: "terminal status with the VM's last warning event", then: "ErrorUnschedulable", timeout: time.Minute,
			events: []string{
				eventDoc("e1", "VirtualMachineInstance", "vm-web", "Warning", "FailedScheduling", "0/3 nodes are available", "2026-01-01T10:00:00Z"),
				eventDoc("e2", "VirtualMachineInstance", "vm-web", "Warning", "FailedScheduling", "0/3 nodes are available: 3 Insufficient memory", "2026-01-01T10:05:00Z"),
				eventDoc("e3", "VirtualMachine", "vm-web", "Normal", "SuccessfulCreate", "Started the virtual machine", "2026-01-01T10:06:00Z"),
				eventDoc("e4", "VirtualMachine", "vm-other", "Warning", "Other", "not this VM", "2026-01-01T10:07:00Z"),
			},
			want: "not Running after 1m0s:\n  virtualmachine.kubevirt.io/vm-web on kv-a: last status: ErrorUnschedulable (a status that does not resolve by waiting; not waiting for it); " +
				"last warning event: FailedScheduling: 0/3 nodes are available: 3 Insufficient memory"},
		{name: "terminal status stops at once", then: "ErrImagePull", timeout: time.Minute,
			want: "not Running after 1m0s:\n  virtualmachine.kubevirt.io/vm-web on kv-a: last status: ErrImagePull (a status that does not resolve by waiting; not waiting for it)"},
		{name: "timeout", then: "Provisioning", timeout: 300 * time.Millisecond,
			want: "not Running after 300ms:\n  virtualmachine.kubevirt.io/vm-web on kv-a: last status: Provisioning"},
		{name: "interrupt", then: "Provisioning", timeout: time.Minute, cancel: true,
			want: "interrupted while waiting; not Running:\n  virtualmachine.kubevirt.io/vm-web on kv-a: last status: Provisioning"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := clustertest.NewWorld([]string{"kv-a"}, doc)
			a := w.Remotes["kv-a"]
			if err := a.Fake.Tracker().Add(clustertest.Object(nsYAML("team", ""))); err != nil {
				t.Fatal(err)
			}
			if err := a.Fake.Tracker().Add(clustertest.Object(vmDoc("Starting"))); err != nil {
				t.Fatal(err)
			}
			for _, e := range tc.events {
				if err := a.Fake.Tracker().Add(clustertest.Object(e)); err != nil {
					t.Fatal(err)
				}
			}
			p := newPipeline(w, write.None, target.Options{})
			plans, rows := run(t, p, inputs(typed(t, doc)))
			noPlanErrors(t, rows)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			seen := make(chan string, 10)
			go func() { done <- p.Wait(ctx, plans, tc.timeout, func(_, s string) { seen <- s }) }()
			// Change the status once the watch is open: the fake only reports changes.
			for deadline := time.Now().Add(10 * time.Second); a.Fake.Actions()[len(a.Fake.Actions())-1].GetVerb() != "watch"; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the watch never opened")
				}
			}
			_ = a.Fake.Tracker().Update(cluster.VirtualMachines.GVR, clustertest.Object(vmDoc(tc.then)), "team")
			for timeout, waiting := time.After(10*time.Second), true; waiting; {
				select {
				case got := <-seen:
					waiting = got != tc.then
				case err := <-done:
					// Wait may report the status and return at once; select then picks either ready channel.
					done <- err
					for reported := false; !reported; {
						select {
						case got := <-seen:
							reported = got == tc.then
						default:
							t.Fatalf("Wait returned before reporting %q: %v", tc.then, err)
						}
					}
					waiting = false
				case <-timeout:
					t.Fatalf("status %q never reported", tc.then)
				}
			}
			if tc.cancel {
				cancel()
			}
			err := <-done
			if got := errString(err); got != tc.want {
				t.Errorf("error:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// eventDoc is a core/v1 Event in namespace team about an object.
func eventDoc(name, kind, object, typ, reason, message, at string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Event\nmetadata:\n  name: %s\n  namespace: team\ninvolvedObject:\n  apiVersion: kubevirt.io/v1\n  kind: %s\n  name: %s\n  namespace: team\n"+
		"type: %s\nreason: %s\nmessage: %q\nlastTimestamp: %q\n", name, kind, object, typ, reason, message, at)
}
