package deletion_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
	"github.com/vitistack/kubectl-vitimachine/pkg/deletion"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/plan"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// webWorld is a supervisor with Machine team/web and its NetworkConfiguration, and a remote kv-a
// holding everything create makes for web, a foreign PVC and a PVC of another Machine.
func webWorld(t *testing.T) *clustertest.World {
	t.Helper()
	m := machine("team", "web")
	nc := object(cluster.NetworkConfigurations, "team", "web", ours("web"))
	nc.Object["spec"] = map[string]any{"name": "web", "networkInterfaces": []any{map[string]any{"name": "vlan100", "macAddress": "02:12:00:00:00:01"}}}
	w := clustertest.NewWorld([]string{"kv-a"}, machineObject(t, m), nc)
	add(t, w.Remotes["kv-a"], namespace("team"),
		vm("team", "vm-web", ours("web"), []string{"vm-web-root-pvc", "vm-web-data-pvc"}, "vm-web-cloudinit", "vlan100"),
		object(cluster.PVCs, "team", "vm-web-root-pvc", ours("web")),
		object(cluster.PVCs, "team", "vm-web-data-pvc", ours("web")),
		object(cluster.PVCs, "team", "foreign", map[string]string{"app": "db"}),
		object(cluster.PVCs, "team", "vm-db-root-pvc", ours("db")),
		object(cluster.Secrets, "team", "vm-web-cloudinit", ours("web")),
		object(cluster.NetworkAttachmentDefinitions, "team", "vlan100", map[string]string{mb: vitistack.DefaultManagedByValue}),
	)
	return w
}

var webDeleted = []string{
	"kv-a namespace/team kept: namespaces are never deleted",
	"kv-a virtualmachine.kubevirt.io/vm-web deleted",
	"kv-a persistentvolumeclaim/vm-web-data-pvc deleted",
	"kv-a persistentvolumeclaim/vm-web-root-pvc deleted",
	"kv-a secret/vm-web-cloudinit deleted",
	"kv-a networkattachmentdefinition.k8s.cni.cncf.io/vlan100 deleted",
	"supervisor networkconfiguration.vitistack.io/web deleted",
}

func TestDeletesWhatCreateMadeInOrderAndNothingElse(t *testing.T) {
	w := webWorld(t)
	opts := defaultOptions
	opts.Machine = true
	d := newDeleter(w, write.None, opts)
	plans, got := run(t, d, inputs(machine("team", "web")))
	wantRows(t, got, append(webDeleted, "supervisor machine.vitistack.io/web deleted")...)
	a := w.Remotes["kv-a"]
	wantList(t, "remote deletes", a.Deleted(), "virtualmachines/vm-web", "persistentvolumeclaims/vm-web-data-pvc", "persistentvolumeclaims/vm-web-root-pvc",
		"secrets/vm-web-cloudinit", "network-attachment-definitions/vlan100")
	wantList(t, "supervisor deletes", w.Supervisor.Deleted(), "networkconfigurations/web", "machines/web")
	for _, name := range []string{"foreign", "vm-db-root-pvc"} {
		if a.Get(cluster.PVCs, "team", name) == nil {
			t.Errorf("PVC %s was deleted", name)
		}
	}
	if a.Get(cluster.Namespaces, "", "team") == nil {
		t.Error("the namespace was deleted")
	}
	// One read of each kind: the namespace, one list of VMs and of PVCs, the Secret, the NAD.
	for req, n := range map[string]int{"get namespaces": 1, "list virtualmachines": 1, "list persistentvolumeclaims": 1, "get secrets": 1,
		"get network-attachment-definitions": 1, "get persistentvolumeclaims": 0, "get virtualmachines": 0} {
		if got := a.Requests()[req]; got != n {
			t.Errorf("%s: %d requests, want %d (%v)", req, got, n, a.Requests())
		}
	}
	s := d.Summarize(plans)
	if s.Deleted != 7 || s.Kept != 1 || s.Failed != 0 || s.DryRun != "" {
		t.Errorf("summary %+v", s)
	}
	wantList(t, "refs", deletion.Refs(plans), "virtualmachine.kubevirt.io/vm-web", "persistentvolumeclaim/vm-web-data-pvc", "persistentvolumeclaim/vm-web-root-pvc",
		"secret/vm-web-cloudinit", "networkattachmentdefinition.k8s.cni.cncf.io/vlan100", "networkconfiguration.vitistack.io/web", "machine.vitistack.io/web")

	// A second run deletes nothing: what is left is not the Machine's.
	w.Reset()
	plans, got = run(t, newDeleter(w, write.None, defaultOptions), inputs(machine("team", "web")))
	wantRows(t, got, "kv-a namespace/team kept: namespaces are never deleted", "kv-a virtualmachine.kubevirt.io/vm-web not found")
	if n := a.Writes() + w.Supervisor.Writes(); n != 0 {
		t.Errorf("re-run made %d writes", n)
	}
	if s := newDeleter(w, write.None, defaultOptions).Summarize(plans); s.NotFound != 1 || s.Kept != 1 || s.Deleted != 0 {
		t.Errorf("re-run summary %+v", s)
	}
}

func TestDryRunsDeleteNothing(t *testing.T) {
	for _, tc := range []struct {
		strategy write.Strategy
		deletes  []string
	}{
		{write.Client, nil},
		{write.Server, []string{"dry-run virtualmachines/vm-web", "dry-run persistentvolumeclaims/vm-web-data-pvc", "dry-run persistentvolumeclaims/vm-web-root-pvc",
			"dry-run secrets/vm-web-cloudinit", "dry-run network-attachment-definitions/vlan100"}},
	} {
		t.Run(tc.strategy.String(), func(t *testing.T) {
			w := webWorld(t)
			d := newDeleter(w, tc.strategy, defaultOptions)
			plans, got := run(t, d, inputs(machine("team", "web")))
			want := make([]string, len(webDeleted))
			for i, r := range webDeleted {
				if !strings.Contains(r, " kept: ") {
					r = strings.TrimSuffix(r, "deleted") + "would delete"
				}
				want[i] = r
			}
			wantRows(t, got, want...)
			wantList(t, "remote deletes", w.Remotes["kv-a"].Deleted(), tc.deletes...)
			for _, name := range []string{"vm-web-root-pvc", "vm-web-data-pvc"} {
				if w.Remotes["kv-a"].Get(cluster.PVCs, "team", name) == nil {
					t.Errorf("a dry run deleted %s", name)
				}
			}
			if s := d.Summarize(plans); s.Deleted != 6 || s.DryRun != tc.strategy.String() {
				t.Errorf("summary %+v", s)
			}
			if n := len(pipeline.Diffs(plans)); n != 6 {
				t.Errorf("%d diffs, want one per object that would be deleted", n)
			}
		})
	}
}

func TestKeepsWhatIsNotTheMachines(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"})
	add(t, w.Supervisor, object(cluster.NetworkConfigurations, "team", "web", map[string]string{vitistack.LabelSourceMachine: "web"}))
	add(t, w.Remotes["kv-a"], namespace("team"),
		// A VM with the Machine's VM name that create did not make, using the Machine's PVC.
		vm("team", "vm-web", map[string]string{"app": "hand-made"}, []string{"vm-web-root-pvc"}, "vm-web-cloudinit", "vlan5"),
		object(cluster.PVCs, "team", "vm-web-root-pvc", ours("web")),
		object(cluster.Secrets, "team", "vm-web-cloudinit", map[string]string{vitistack.LabelSourceMachine: "web"}),
		vm("team", "vm-api", map[string]string{vitistack.LabelSourceMachineLegacy: "other"}, nil, ""),
	)
	opts := defaultOptions
	_, got := run(t, newDeleter(w, write.None, opts), inputs(machine("team", "web"), machine("team", "api")))
	wantRows(t, got,
		"kv-a namespace/team kept: namespaces are never deleted",
		"kv-a virtualmachine.kubevirt.io/vm-web kept: not created by vitimachine (no vitistack.io/source-machine label)",
		"kv-a persistentvolumeclaim/vm-web-root-pvc kept: used by virtualmachine vm-web",
		"kv-a secret/vm-web-cloudinit kept: not created by vitimachine (no managed-by=vitistack-kubevirt-operator label; pass --managed-by-label if create used another)",
		"supervisor networkconfiguration.vitistack.io/web kept: not created by vitimachine (no managed-by=vitistack-kubevirt-operator label; pass --managed-by-label if create used another)",
		"kv-a namespace/team kept: namespaces are never deleted",
		"kv-a virtualmachine.kubevirt.io/vm-api kept: belongs to machine other")
	if n := w.Remotes["kv-a"].Writes() + w.Supervisor.Writes(); n != 0 {
		t.Errorf("%d writes", n)
	}

	opts.KeepDisks = true
	w = webWorld(t)
	_, got = run(t, newDeleter(w, write.None, opts), inputs(machine("team", "web")))
	wantRows(t, got[:4], webDeleted[0], webDeleted[1],
		"kv-a persistentvolumeclaim/vm-web-data-pvc kept: --keep-disks", "kv-a persistentvolumeclaim/vm-web-root-pvc kept: --keep-disks")
	if w.Remotes["kv-a"].Get(cluster.PVCs, "team", "vm-web-root-pvc") == nil {
		t.Error("--keep-disks deleted a disk")
	}
}

func TestRefusesOperatorOwnedMachinesUnlessForced(t *testing.T) {
	w := webWorld(t)
	owned := machine("team", "web", vitistack.Finalizer)
	plans, got := run(t, newDeleter(w, write.None, defaultOptions), inputs(owned))
	if len(got) != 1 || !strings.Contains(got[0], "--force") || !strings.Contains(got[0], "kubectl delete machine -n team web") {
		t.Errorf("rows %v", got)
	}
	if n := w.Remotes["kv-a"].Writes() + len(w.Remotes["kv-a"].Fake.Actions()); n != 0 {
		t.Errorf("a refused Machine made %d requests on its cluster", n)
	}
	if s := newDeleter(w, write.None, defaultOptions).Summarize(plans); s.Failed != 1 {
		t.Errorf("summary %+v", s)
	}
	opts := defaultOptions
	opts.Force = true
	_, got = run(t, newDeleter(w, write.None, opts), inputs(machine("team", "web", vitistack.Finalizer)))
	wantRows(t, got, webDeleted...)
}

func TestAnObjectReplacedAfterPlanningIsNotDeleted(t *testing.T) {
	w := webWorld(t)
	d := newDeleter(w, write.None, defaultOptions)
	ctx := context.Background()
	plans := d.Plan(ctx, inputs(machine("team", "web")))
	// Someone deletes and recreates the VM between plan and delete: a new uid.
	a := w.Remotes["kv-a"]
	replacement := vm("team", "vm-web", ours("web"), []string{"vm-web-root-pvc"}, "")
	replacement.SetUID("uid-new")
	if err := a.Fake.Tracker().Update(cluster.VirtualMachines.GVR, replacement, "team"); err != nil {
		t.Fatal(err)
	}
	d.Apply(ctx, plans)
	got := rows(plans)
	wantRows(t, got[:3], webDeleted[0],
		"kv-a virtualmachine.kubevirt.io/vm-web error: cluster kv-a: virtualmachine.kubevirt.io/vm-web: replaced or changed since it was planned; not deleted (run again to plan it as it is now)",
		"kv-a persistentvolumeclaim/vm-web-data-pvc skipped: not attempted: virtualmachine.kubevirt.io/vm-web failed")
	if a.Get(cluster.VirtualMachines, "team", "vm-web").GetUID() != "uid-new" || a.Get(cluster.PVCs, "team", "vm-web-root-pvc") == nil {
		t.Error("the replacement VM or a disk was deleted")
	}
	if s := d.Summarize(plans); s.Failed != 1 || s.Skipped != 5 || s.Deleted != 0 {
		t.Errorf("summary %+v", s)
	}
}

func TestAFailedDeleteStopsTheMachineAndARerunFinishes(t *testing.T) {
	w := webWorld(t)
	a := w.Remotes["kv-a"]
	a.Fail("delete", "secrets", "", apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "vm-web-cloudinit", errors.New("no")))
	_, got := run(t, newDeleter(w, write.None, defaultOptions), inputs(machine("team", "web")))
	wantRows(t, got[4:], `kv-a secret/vm-web-cloudinit error: cluster kv-a: secret/vm-web-cloudinit: secrets "vm-web-cloudinit" is forbidden: no`,
		"kv-a networkattachmentdefinition.k8s.cni.cncf.io/vlan100 skipped: not attempted: secret/vm-web-cloudinit failed",
		"supervisor networkconfiguration.vitistack.io/web skipped: not attempted: secret/vm-web-cloudinit failed")

	// The VM is gone; the re-run finds the Secret by the VM name and the NAD through the
	// NetworkConfiguration, and deletes the rest.
	a.Fake.ReactionChain = a.Fake.ReactionChain[1:]
	w.Reset()
	_, got = run(t, newDeleter(w, write.None, defaultOptions), inputs(machine("team", "web")))
	wantRows(t, got, webDeleted[0], "kv-a virtualmachine.kubevirt.io/vm-web not found",
		"kv-a secret/vm-web-cloudinit deleted", "kv-a networkattachmentdefinition.k8s.cni.cncf.io/vlan100 deleted",
		"supervisor networkconfiguration.vitistack.io/web deleted")
}

func TestEmptyNamespaceIsSaidAndKept(t *testing.T) {
	for _, tc := range []struct {
		strategy write.Strategy
		note     string
	}{{write.None, "is left in it"}, {write.Client, "would be left in it"}} {
		w := clustertest.NewWorld([]string{"kv-a"})
		add(t, w.Remotes["kv-a"], namespace("solo"), vm("solo", "vm-one", ours("one"), []string{"vm-one-root-pvc"}, ""),
			object(cluster.PVCs, "solo", "vm-one-root-pvc", ours("one")), vm("solo", "vm-two", ours("two"), nil, ""))
		_, got := run(t, newDeleter(w, tc.strategy, defaultOptions), inputs(machine("solo", "one"), machine("solo", "two")))
		if got[0] != "kv-a namespace/solo kept: namespaces are never deleted" || got[3] != "kv-a namespace/solo kept: namespaces are never deleted; no VirtualMachine or PVC "+tc.note {
			t.Errorf("%s: rows\n%s", tc.strategy, strings.Join(got, "\n"))
		}
		if w.Remotes["kv-a"].Get(cluster.Namespaces, "", "solo") == nil {
			t.Fatal("namespace deleted")
		}
	}
}

func TestMissingNamespaceAndMachineFromAFile(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"}, object(cluster.NetworkConfigurations, "gone", "old", ours("old")))
	opts := defaultOptions
	opts.Machine = true
	opts.Naming = render.NamingOperator
	in := []plan.Input{{Machine: machine("gone", "old"), FromFile: true}}
	_, got := run(t, newDeleter(w, write.None, opts), in)
	wantRows(t, got, "kv-a namespace/gone not found", "kv-a virtualmachine.kubevirt.io/old not found",
		"supervisor networkconfiguration.vitistack.io/old deleted", "supervisor machine.vitistack.io/old not found")
	if n := w.Remotes["kv-a"].Requests()["list virtualmachines"]; n != 0 {
		t.Errorf("listed VMs in a namespace that does not exist")
	}
}

func TestProviderTerminatingAndInterrupted(t *testing.T) {
	w := webWorld(t)
	other := machine("team", "aws")
	other.Spec.Provider = "aws"
	now := metav1.Now()
	pvc := object(cluster.PVCs, "team", "vm-web-root-pvc", ours("web"))
	pvc.SetDeletionTimestamp(&now)
	pvc.SetFinalizers([]string{"kubernetes.io/pvc-protection"})
	if err := w.Remotes["kv-a"].Fake.Tracker().Update(cluster.PVCs.GVR, pvc, "team"); err != nil {
		t.Fatal(err)
	}
	d := newDeleter(w, write.None, defaultOptions)
	ctx, cancel := context.WithCancel(context.Background())
	plans := d.Plan(ctx, inputs(other, machine("team", "web")))
	cancel()
	d.Apply(ctx, plans)
	got := rows(plans)
	wantRows(t, got[:5], `skipped: spec.provider is "aws", not kubevirt`, webDeleted[0],
		"kv-a virtualmachine.kubevirt.io/vm-web skipped: not attempted: interrupted",
		"kv-a persistentvolumeclaim/vm-web-data-pvc skipped: not attempted: interrupted",
		"kv-a persistentvolumeclaim/vm-web-root-pvc terminating: already being deleted (finalizers: kubernetes.io/pvc-protection)")
	if n := w.Remotes["kv-a"].Writes(); n != 0 {
		t.Errorf("an interrupted run made %d writes", n)
	}
	if s := d.Summarize(plans); s.Skipped != 6 || s.Terminating != 1 || s.Failed != 0 {
		t.Errorf("summary %+v", s)
	}
}

func TestAMachineFromAFileIsReplacedByTheLiveOne(t *testing.T) {
	w := webWorld(t)
	live := machine("team", "owned", vitistack.Finalizer)
	add(t, w.Supervisor, machineObject(t, live))
	// The file's Machine has no finalizer; the live one has, and it counts.
	in := []plan.Input{{Machine: machine("team", "owned"), FromFile: true}}
	_, got := run(t, newDeleter(w, write.None, defaultOptions), in)
	if len(got) != 1 || !strings.Contains(got[0], "carries the finalizer machine.vitistack.io/finalizer") {
		t.Errorf("rows %v", got)
	}
	w.Supervisor.Fail("get", "machines", "", apierrors.NewServiceUnavailable("down"))
	_, got = run(t, newDeleter(w, write.None, defaultOptions), in)
	if len(got) != 1 || !strings.Contains(got[0], `get machine "team/owned" on the supervisor: down`) {
		t.Errorf("rows %v", got)
	}
}
