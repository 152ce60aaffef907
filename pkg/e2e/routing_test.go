package e2e

import (
	"context"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// remoteWrites counts the creates of remote kinds (namespaces, PVCs, VMs) a plane received.
func remoteWrites(events []auditEvent) int {
	n := 0
	for _, e := range events {
		if e.Verb == "create" && e.ObjectRef != nil {
			switch e.ObjectRef.Resource {
			case "namespaces", "persistentvolumeclaims", "virtualmachines":
				n++
			}
		}
	}
	return n
}

// TestARemoteCalledSupervisorGetsItsObjects: clusters are identities, names are for display. A
// KubevirtConfig named "supervisor", and a --remote-context named "supervisor", are remotes: they
// get the namespace, the PVC and the VM, and the supervisor gets none of them.
func TestARemoteCalledSupervisorGetsItsObjects(t *testing.T) {
	s := needEnv(t)
	sup := s.client(t, s.env.Supervisor)
	if err := testenv.RegisterRemote(context.Background(), sup, "supervisor", s.env.Remote(remoteA).Kubeconfig); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = deleteObject(context.Background(), sup, cluster.KubevirtConfigs, "", "supervisor")
		_ = deleteObject(context.Background(), sup, cluster.Secrets, testenv.SecretNamespace, "supervisor-kubeconfig")
	})

	t.Run("KubevirtConfig named supervisor", func(t *testing.T) {
		ns := s.namespace(t)
		file := writeFile(t, "m.yaml", machineYAML(ns, "routed", annotation("supervisor"), ""))
		m := s.mark(t)
		r := mustSucceed(t, s.plugin(t, "create", "-f", file))
		wantAction(t, r, "virtualmachine.kubevirt.io/vm-routed", "created")
		a := s.env.Remote(remoteA)
		if s.get(t, a, cluster.Namespaces, "", ns) == nil || s.get(t, a, cluster.PVCs, ns, "vm-routed-root-pvc") == nil || s.get(t, a, cluster.VirtualMachines, ns, "vm-routed") == nil {
			t.Errorf("the remote behind KubevirtConfig supervisor lacks its objects\n%s", r)
		}
		if n := remoteWrites(s.requests(t, m, s.env.Supervisor)); n != 0 {
			t.Errorf("the supervisor received %d creates of remote objects", n)
		}
		if n := s.count(t, s.env.Supervisor, cluster.PVCs, ns); n != 0 {
			t.Errorf("%d PVCs on the supervisor", n)
		}
	})

	t.Run("--remote-context supervisor", func(t *testing.T) {
		cfg, err := clientcmd.Load(s.env.Remote(remoteB).Kubeconfig)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Contexts["supervisor"] = cfg.Contexts[cfg.CurrentContext]
		delete(cfg.Contexts, cfg.CurrentContext)
		cfg.CurrentContext = "supervisor"
		out, err := clientcmd.Write(*cfg)
		if err != nil {
			t.Fatal(err)
		}
		kc := writeFile(t, "remote.kubeconfig", string(out))
		ns := s.namespace(t)
		file := writeFile(t, "m.yaml", machineYAML(ns, "ctx", "", ""))
		m := s.mark(t)
		r := mustSucceed(t, s.plugin(t, "create", "-f", file, "--remote-kubeconfig", kc, "--remote-context", "supervisor"))
		wantAction(t, r, "virtualmachine.kubevirt.io/vm-ctx", "created")
		b := s.env.Remote(remoteB)
		if s.get(t, b, cluster.VirtualMachines, ns, "vm-ctx") == nil || s.get(t, b, cluster.PVCs, ns, "vm-ctx-root-pvc") == nil {
			t.Errorf("the remote of context supervisor lacks its objects\n%s", r)
		}
		if n := remoteWrites(s.requests(t, m, s.env.Supervisor)); n != 0 {
			t.Errorf("the supervisor received %d creates of remote objects", n)
		}
	})
}
