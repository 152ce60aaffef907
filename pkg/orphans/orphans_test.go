package orphans_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
	"github.com/vitistack/kubectl-vitimachine/pkg/orphans"
	"github.com/vitistack/kubectl-vitimachine/pkg/status"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
)

const old = "2026-01-01T00:00:00Z"

func add(t *testing.T, c *clustertest.Cluster, docs ...string) {
	t.Helper()
	for _, d := range docs {
		o := clustertest.Object(d)
		var gvr schema.GroupVersionResource
		for _, r := range clustertest.Resources {
			if r.Kind == o.GetKind() {
				gvr = r.GVR
			}
		}
		if err := c.Fake.Tracker().Create(gvr, o, o.GetNamespace()); err != nil {
			t.Fatal(err)
		}
	}
}

func obj(apiVersion, kind, ns, name, labels, created, rest string) string {
	return fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n  namespace: %s\n  creationTimestamp: %q\n  labels: {%s}\n%s", apiVersion, kind, name, ns, created, labels, rest)
}

func vm(ns, name, labels, created string, nads ...string) string {
	nets := ""
	for _, n := range nads {
		nets += fmt.Sprintf("{name: %s, multus: {networkName: %s}},", n, n)
	}
	return obj("kubevirt.io/v1", "VirtualMachine", ns, name, labels, created, "spec:\n  template:\n    spec:\n      networks: ["+nets+"]\n")
}

func machine(ns, name, annotation, created string) string {
	return fmt.Sprintf("apiVersion: vitistack.io/v1alpha1\nkind: Machine\nmetadata:\n  name: %s\n  namespace: %s\n  creationTimestamp: %q\n  annotations: {vitistack.io/kubevirt-config: %s}\nspec: {name: %s}\n", name, ns, created, annotation, name)
}

func TestOrphansOfEveryKindAndNothingElse(t *testing.T) {
	recent := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	w := clustertest.NewWorld([]string{"kv-a", "kv-b"},
		machine("a", "live", "kv-a", old), machine("a", "novm", "kv-a", old), machine("a", "young", "kv-a", recent),
		machine("a", "elsewhere", "kv-gone", old), machine("a", "opvm", "kv-a", old))
	a := w.Remotes["kv-a"]
	add(t, a,
		vm("a", "vm-live", "vitistack.io/source-machine: live", old, "vlan1"),
		vm("a", "vm-opvm", "", old),
		vm("a", "vm-gone", "vitistack.io/source-machine: gone", old),
		vm("a", "vm-bymb", "vitistack.io/managed-by: kubevirt-operator", old),
		vm("a", "vm-young", "vitistack.io/source-machine: nobody", recent),
		vm("a", "handmade", "", old),
		obj("kubevirt.io/v1", "VirtualMachineInstance", "a", "vm-live", "vitistack.io/source-machine: live", old, ""),
		obj("kubevirt.io/v1", "VirtualMachineInstance", "a", "vm-stray", "vitistack.io/source-machine: gone", old, ""),
		obj("kubevirt.io/v1", "VirtualMachineInstance", "a", "unlabelled", "", old, ""),
		obj("v1", "PersistentVolumeClaim", "a", "vm-live-os-pvc", "managed-by: x, vitistack.io/source-machine: live", old, ""),
		obj("v1", "PersistentVolumeClaim", "a", "vm-gone-os-pvc", "managed-by: x, vitistack.io/source-machine: gone", old, ""),
		obj("v1", "PersistentVolumeClaim", "a", "vm-old-pvc", "source-machine: gone", old, ""),
		obj("v1", "Secret", "a", "vm-gone-cloudinit", "vitistack.io/source-machine: gone", old, "data: {userdata: c2VjcmV0}\n"),
		obj("v1", "Secret", "a", "vm-live-cloudinit", "vitistack.io/source-machine: live", old, ""),
		obj("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition", "a", "vlan1", "managed-by: x", old, ""),
		obj("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition", "a", "vlan2", "vitistack.io/managed-by: x", old, ""),
		obj("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition", "a", "theirs", "", old, ""),
	)
	w.Remotes["kv-b"].Unserve(cluster.NetworkAttachmentDefinitions)
	store := status.NewStore()
	store.KeepWhole(map[string]string{"secrets": orphans.SecretSelector})
	f := &orphans.Finder{Supervisor: w.Supervisor.Client, Resolver: w.Resolver(target.Options{}), Store: store,
		Options: orphans.Options{Namespace: "a", MinAge: 15 * time.Minute}}
	w.Reset()
	rep, err := f.Find(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range rep.Orphans {
		got = append(got, o.Cluster+" "+o.Kind+" "+o.Name)
	}
	want := []string{
		"kv-a nad-unused vlan2",
		"kv-a pvc-without-machine vm-gone-os-pvc",
		"kv-a pvc-without-machine vm-old-pvc",
		"kv-a secret-without-machine vm-gone-cloudinit",
		"kv-a vm-without-machine vm-bymb",
		"kv-a vm-without-machine vm-gone",
		"kv-a vmi-without-vm vm-stray",
		"supervisor machine-without-vm novm",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("orphans:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(rep.Unreadable) != 0 {
		t.Errorf("unreadable: %+v", rep.Unreadable)
	}
	for _, o := range rep.Orphans {
		switch o.Kind {
		case orphans.MachineWithoutVM:
			if o.Fix != "kubectl vitimachine delete -n a novm --machine" {
				t.Errorf("fix of %s: %s", o.Name, o.Fix)
			}
		case orphans.VMWithoutMachine:
			if want := "kubectl --kubeconfig <(kubectl get secret -n vitistack kv-a-kubeconfig -o jsonpath='{.data.kubeconfig}' | base64 -d) delete -n a virtualmachine.kubevirt.io/" + o.Name; o.Fix != want {
				t.Errorf("fix of %s: %s\nwant %s", o.Name, o.Fix, want)
			}
		}
	}
	// One list per kind per cluster, in the namespace; never a get, never a write.
	for name, c := range w.Remotes {
		want := "map[list network-attachment-definitions:1 list persistentvolumeclaims:1 list secrets:1 list virtualmachineinstances:1 list virtualmachines:1]"
		if got := fmt.Sprint(c.Requests()); got != want {
			t.Errorf("%s requests: %s\nwant %s", name, got, want)
		}
		if c.Writes() != 0 {
			t.Errorf("%s writes: %d", name, c.Writes())
		}
	}
	// The Secret list asks only for labelled Secrets.
	for _, act := range a.Fake.Actions() {
		if act.GetResource().Resource == "secrets" {
			if sel := fmt.Sprint(act); !strings.Contains(sel, "vitistack.io/source-machine") {
				t.Errorf("secret list without the label selector: %s", sel)
			}
		}
	}

	t.Run("min-age 0 reports the young too", func(t *testing.T) {
		store := status.NewStore()
		store.KeepWhole(map[string]string{"secrets": orphans.SecretSelector})
		f := &orphans.Finder{Supervisor: w.Supervisor.Client, Resolver: w.Resolver(target.Options{}), Store: store, Options: orphans.Options{Namespace: "a"}}
		rep, err := f.Find(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, o := range rep.Orphans {
			names = append(names, o.Name)
		}
		if s := strings.Join(names, " "); !strings.Contains(s, "vm-young") || !strings.Contains(s, "young") {
			t.Errorf("orphans: %s", s)
		}
	})
}

func TestOrphansOfADeadClusterAreUnreadableAndTheOthersStillReported(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a", "kv-b"})
	add(t, w.Remotes["kv-a"], vm("a", "vm-gone", "vitistack.io/source-machine: gone", old))
	w.Remotes["kv-b"].Fail("list", "virtualmachines", "", fmt.Errorf("connection refused"))
	store := status.NewStore()
	store.KeepWhole(nil)
	f := &orphans.Finder{Supervisor: w.Supervisor.Client, Resolver: w.Resolver(target.Options{}), Store: store}
	rep, err := f.Find(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Orphans) != 1 || rep.Orphans[0].Name != "vm-gone" {
		t.Errorf("orphans: %+v", rep.Orphans)
	}
	if len(rep.Unreadable) != 1 || rep.Unreadable[0].Cluster != "kv-b" || !strings.Contains(rep.Unreadable[0].Error, "connection refused") {
		t.Errorf("unreadable: %+v", rep.Unreadable)
	}
}
