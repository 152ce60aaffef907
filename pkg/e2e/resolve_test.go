package e2e

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// recorded is the Machine's vitistack.io/kubevirt-config annotation on the supervisor.
func recorded(t *testing.T, s *suite, ns, name string) string {
	t.Helper()
	m := s.get(t, s.env.Supervisor, cluster.Machines, ns, name)
	if m == nil {
		t.Fatalf("machine %s/%s not found", ns, name)
	}
	return m.GetAnnotations()["vitistack.io/kubevirt-config"]
}

func TestResolutionByFlagAndEnvIsRecordedInTheAnnotation(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.create(t, s.env.Supervisor, machineYAML(ns, "by-flag", "", "")+"---\n"+machineYAML(ns, "by-env", "", "")+"---\n"+machineYAML(ns, "dry", "", ""))

	mustSucceed(t, s.plugin(t, "create", "-n", ns, "dry", "--kubevirt-config", remoteB, "--dry-run=server"))
	if got := recorded(t, s, ns, "dry"); got != "" {
		t.Errorf("dry-run recorded the annotation %q", got)
	}

	r := mustSucceed(t, s.plugin(t, "create", "-n", ns, "by-flag", "--kubevirt-config", remoteB))
	wantAction(t, r, "machine.vitistack.io/by-flag", "annotated")
	if got := recorded(t, s, ns, "by-flag"); got != remoteB {
		t.Errorf("annotation = %q, want %q", got, remoteB)
	}
	if s.get(t, s.env.Remote(remoteB), cluster.VirtualMachines, ns, "vm-by-flag") == nil {
		t.Error("VM not on the flag's cluster")
	}

	r = mustSucceed(t, s.pluginWith(t, "", []string{"DEFAULT_KUBEVIRT_CONFIG=" + remoteA}, "create", "-n", ns, "by-env"))
	mustContain(t, "report", r.stdout, "chosen by DEFAULT_KUBEVIRT_CONFIG")
	if got := recorded(t, s, ns, "by-env"); got != remoteA {
		t.Errorf("annotation = %q, want %q", got, remoteA)
	}
	// The annotation now wins over the flag.
	r = mustSucceed(t, s.plugin(t, "create", "-n", ns, "by-env", "--kubevirt-config", remoteB))
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-by-env", "unchanged")
	if s.get(t, s.env.Remote(remoteB), cluster.VirtualMachines, ns, "vm-by-env") != nil {
		t.Error("the flag overrode the annotation")
	}
}

func TestResolutionFindsTheClusterThatHoldsTheVMOrAsks(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	b := s.env.Remote(remoteB)
	s.create(t, b, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	s.create(t, b, vmYAML(ns, "vm-found", "    vitistack.io/source-machine: found\n"))
	s.create(t, s.env.Supervisor, machineYAML(ns, "found", "", "")+"---\n"+machineYAML(ns, "lost", "", ""))

	r := mustSucceed(t, s.plugin(t, "create", "-n", ns, "found"))
	mustContain(t, "report", r.stdout, "chosen by VM found on its cluster")
	if got := recorded(t, s, ns, "found"); got != remoteB {
		t.Errorf("annotation = %q, want %q", got, remoteB)
	}

	r = mustExit(t, s.plugin(t, "create", "-n", ns, "lost"), 2)
	mustContain(t, "report", r.stdout, "2 KubevirtConfigs are available (kv-a, kv-b)", "set the annotation, --kubevirt-config or DEFAULT_KUBEVIRT_CONFIG")
}

func TestResolutionUsesTheOnlyKubevirtConfig(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	sup := s.client(t, s.env.Supervisor)
	ctx := context.Background()
	// Leave kv-a as the only KubevirtConfig for this test, and put kv-b back afterwards.
	if err := deleteObject(ctx, sup, cluster.KubevirtConfigs, "", remoteB); err != nil {
		t.Fatal(err)
	}
	if err := deleteObject(ctx, sup, cluster.Secrets, testenv.SecretNamespace, remoteB+"-kubeconfig"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := testenv.RegisterRemote(ctx, sup, remoteB, s.env.Remote(remoteB).Kubeconfig); err != nil {
			t.Fatal(err)
		}
	})
	file := writeFile(t, "m.yaml", machineYAML(ns, "solo", "", ""))
	r := mustSucceed(t, s.plugin(t, "create", "-f", file))
	mustContain(t, "report", r.stdout, "chosen by only KubevirtConfig")
	if got := recorded(t, s, ns, "solo"); got != remoteA {
		t.Errorf("annotation = %q, want %q", got, remoteA)
	}
}

func TestRemoteKubeconfigOverrideSkipsDiscovery(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.create(t, s.env.Supervisor, machineYAML(ns, "direct", "", ""))
	r := mustSucceed(t, s.plugin(t, "create", "-n", ns, "direct", "--remote-kubeconfig", s.env.Remote(remoteB).KubeconfigPath))
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-direct", "created")
	if got := recorded(t, s, ns, "direct"); got != "" {
		t.Errorf("the override was recorded as annotation %q", got)
	}
	if s.get(t, s.env.Remote(remoteB), cluster.VirtualMachines, ns, "vm-direct") == nil {
		t.Error("VM not on the override cluster")
	}
}

func TestUntrustedKubeconfigInASecretIsRefusedBeforeConnecting(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	sup := s.client(t, s.env.Supervisor)
	bad := withUser(t, s.env.Remote(remoteA).Kubeconfig, "evil", func(u *clientcmdapi.AuthInfo) {
		u.Exec = &clientcmdapi.ExecConfig{APIVersion: "client.authentication.k8s.io/v1", Command: "/bin/steal-things"}
	})
	if err := testenv.RegisterRemote(context.Background(), sup, "kv-evil", bad); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = deleteObject(context.Background(), sup, cluster.KubevirtConfigs, "", "kv-evil")
		_ = deleteObject(context.Background(), sup, cluster.Secrets, testenv.SecretNamespace, "kv-evil-kubeconfig")
	})
	s.create(t, s.env.Supervisor, machineYAML(ns, "victim", annotation("kv-evil"), ""))
	r := mustExit(t, s.plugin(t, "create", "-n", ns, "victim"), 2)
	mustContain(t, "report", r.stdout, `KubevirtConfig "kv-evil"`, `Secret "vitistack/kv-evil-kubeconfig"`, `users["evil"].exec`, "--allow-exec-plugin")
	if s.get(t, s.env.Remote(remoteA), cluster.Namespaces, "", ns) != nil {
		t.Error("refused kubeconfig was used")
	}
}

// withUser rewrites a kubeconfig so that its current context uses a new user, a copy of the old one
// changed by edit.
func withUser(t *testing.T, kubeconfig []byte, name string, edit func(*clientcmdapi.AuthInfo)) []byte {
	t.Helper()
	cfg, err := clientcmd.Load(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	u := cfg.AuthInfos[ctx.AuthInfo].DeepCopy()
	edit(u)
	cfg.AuthInfos[name] = u
	ctx.AuthInfo = name
	out, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// updateStatus writes an object's status subresource, as a controller would.
func (s *suite) updateStatus(t *testing.T, p *testenv.Plane, r cluster.Resource, u *unstructured.Unstructured) {
	t.Helper()
	dyn, err := dynamic.NewForConfig(p.Config)
	if err != nil {
		t.Fatal(err)
	}
	ri := dynamic.ResourceInterface(dyn.Resource(r.GVR))
	if r.Namespaced {
		ri = dyn.Resource(r.GVR).Namespace(u.GetNamespace())
	}
	if _, err := ri.UpdateStatus(context.Background(), u, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// deleteObject deletes through a plain dynamic client: the plugin's cluster.Client has no delete, on
// purpose.
func deleteObject(ctx context.Context, c *cluster.Client, r cluster.Resource, namespace, name string) error {
	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		return err
	}
	ri := dynamic.ResourceInterface(dyn.Resource(r.GVR))
	if r.Namespaced {
		ri = dyn.Resource(r.GVR).Namespace(namespace)
	}
	return ri.Delete(ctx, name, metav1.DeleteOptions{})
}

func TestKubevirtConfigSecretProblemsAreNamed(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	sup := s.client(t, s.env.Supervisor)
	s.create(t, s.env.Supervisor, `apiVersion: v1
kind: Secret
metadata:
  name: kv-wrongkey-kubeconfig
  namespace: vitistack
stringData:
  config: "not here"
---
apiVersion: vitistack.io/v1alpha1
kind: KubevirtConfig
metadata:
  name: kv-wrongkey
spec: {name: kv-wrongkey, secretNamespace: vitistack, kubeconfigSecretRef: kv-wrongkey-kubeconfig}
---
apiVersion: vitistack.io/v1alpha1
kind: KubevirtConfig
metadata:
  name: kv-nosecret
spec: {name: kv-nosecret, secretNamespace: vitistack, kubeconfigSecretRef: kv-nosecret-kubeconfig}
`)
	t.Cleanup(func() {
		ctx := context.Background()
		_ = deleteObject(ctx, sup, cluster.KubevirtConfigs, "", "kv-wrongkey")
		_ = deleteObject(ctx, sup, cluster.KubevirtConfigs, "", "kv-nosecret")
		_ = deleteObject(ctx, sup, cluster.Secrets, testenv.SecretNamespace, "kv-wrongkey-kubeconfig")
	})
	s.create(t, s.env.Supervisor, machineYAML(ns, "wk", annotation("kv-wrongkey"), "")+"---\n"+machineYAML(ns, "ns", annotation("kv-nosecret"), ""))
	r := mustExit(t, s.plugin(t, "create", "-n", ns, "wk", "ns"), 2)
	mustContain(t, "report", r.stdout,
		`KubevirtConfig "kv-wrongkey": Secret "vitistack/kv-wrongkey-kubeconfig" has no "kubeconfig" key (keys: config)`,
		`KubevirtConfig "kv-nosecret": Secret "vitistack/kv-nosecret-kubeconfig" not found on the supervisor`)
	if strings.Contains(r.stdout+r.stderr, "not here") {
		t.Error("a Secret value reached the output")
	}
}
