package deletion_test

import (
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

const nadRow = "kv-a networkattachmentdefinition.k8s.cni.cncf.io/vlan100 "

// sharedWorld has Machines a and b whose VMs use NAD vlan100, and with extra, VM c of another
// Machine that uses it too.
func sharedWorld(t *testing.T, extra bool) *clustertest.World {
	t.Helper()
	w := clustertest.NewWorld([]string{"kv-a"})
	objs := []any{namespace("team"),
		vm("team", "vm-a", ours("a"), nil, "", "vlan100"),
		vm("team", "vm-b", ours("b"), nil, "", "team/vlan100"),
		object(cluster.NetworkAttachmentDefinitions, "team", "vlan100", map[string]string{mb: vitistack.DefaultManagedByValue, "vitistack.io/vlan-id": "100"})}
	if extra {
		objs = append(objs, vm("team", "vm-c", ours("c"), nil, "", "vlan100"))
	}
	for _, o := range objs {
		add(t, w.Remotes["kv-a"], clustertest.Object(o))
	}
	return w
}

func TestANetworkIsDeletedOnlyWhenNoOtherVMUsesIt(t *testing.T) {
	t.Run("used by a VM that stays", func(t *testing.T) {
		w := sharedWorld(t, false)
		_, got := run(t, newDeleter(w, write.None, defaultOptions), inputs(machine("team", "a")))
		wantRows(t, got[2:], nadRow+"kept: used by virtualmachine vm-b")
		// Then b goes too: nothing uses the NAD any more.
		_, got = run(t, newDeleter(w, write.None, defaultOptions), inputs(machine("team", "b")))
		wantRows(t, got[2:], nadRow+"deleted")
		if w.Remotes["kv-a"].Get(cluster.NetworkAttachmentDefinitions, "team", "vlan100") != nil {
			t.Error("NAD still there")
		}
	})
	t.Run("both users deleted in one run", func(t *testing.T) {
		w := sharedWorld(t, false)
		_, got := run(t, newDeleter(w, write.None, defaultOptions), inputs(machine("team", "a"), machine("team", "b")))
		wantRows(t, got, "kv-a namespace/team kept: namespaces are never deleted",
			"kv-a virtualmachine.kubevirt.io/vm-a deleted",
			nadRow+"kept: deleted later in this run, with machine team/b",
			"kv-a namespace/team kept: namespaces are never deleted; no VirtualMachine or PVC is left in it",
			"kv-a virtualmachine.kubevirt.io/vm-b deleted",
			nadRow+"deleted")
		wantList(t, "deletes", w.Remotes["kv-a"].Deleted(), "virtualmachines/vm-a", "virtualmachines/vm-b", "network-attachment-definitions/vlan100")
	})
	t.Run("a third VM keeps it", func(t *testing.T) {
		w := sharedWorld(t, true)
		_, got := run(t, newDeleter(w, write.None, defaultOptions), inputs(machine("team", "a"), machine("team", "b")))
		wantRows(t, []string{got[2], got[5]}, nadRow+"kept: used by virtualmachine vm-b and 1 more", nadRow+"kept: used by virtualmachine vm-a and 1 more")
	})
	t.Run("the other VM's delete failed", func(t *testing.T) {
		w := sharedWorld(t, false)
		w.Remotes["kv-a"].Fail("delete", "virtualmachines", "vm-a", apierrors.NewForbidden(schema.GroupResource{Group: "kubevirt.io", Resource: "virtualmachines"}, "vm-a", errors.New("no")))
		_, got := run(t, newDeleter(w, write.None, defaultOptions), inputs(machine("team", "a"), machine("team", "b")))
		wantRows(t, got[5:], nadRow+"kept: used by virtualmachine vm-a, which was not deleted")
		if w.Remotes["kv-a"].Get(cluster.NetworkAttachmentDefinitions, "team", "vlan100") == nil {
			t.Error("NAD deleted while vm-a still uses it")
		}
	})
}

func TestNetworksNotTheMachinesOrMissing(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"})
	add(t, w.Remotes["kv-a"], namespace("team"),
		vm("team", "vm-x", ours("x"), nil, "", "infra/shared", "vlan7", "missing"),
		object(cluster.NetworkAttachmentDefinitions, "team", "vlan7", map[string]string{"made-by": "hand"}))
	_, got := run(t, newDeleter(w, write.None, defaultOptions), inputs(machine("team", "x")))
	wantRows(t, got[2:],
		"kv-a networkattachmentdefinition.k8s.cni.cncf.io/shared kept: in namespace infra, not the machine's",
		"kv-a networkattachmentdefinition.k8s.cni.cncf.io/vlan7 kept: not created by vitimachine (no managed-by=vitistack-kubevirt-operator label)",
		"kv-a networkattachmentdefinition.k8s.cni.cncf.io/missing not found")
}
