package e2e

import (
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// TestRemoteContextLooksInKubeconfigFlag: --remote-context is looked up in --kubeconfig, as kubectl
// looks up --context (it used to look only in $KUBECONFIG and ~/.kube/config).
func TestRemoteContextLooksInKubeconfigFlag(t *testing.T) {
	s := needEnv(t)
	sup, err := clientcmd.Load(s.env.Supervisor.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	remote, err := clientcmd.Load(s.env.Remote(remoteB).Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	// One file: the supervisor as the current context, and kv-b's cluster under a context of its own.
	rc := remote.Contexts[remote.CurrentContext]
	sup.Clusters["remote-b"] = remote.Clusters[rc.Cluster]
	sup.AuthInfos["remote-b"] = remote.AuthInfos[rc.AuthInfo]
	sup.Contexts["remote-b"] = &clientcmdapi.Context{Cluster: "remote-b", AuthInfo: "remote-b"}
	out, err := clientcmd.Write(*sup)
	if err != nil {
		t.Fatal(err)
	}
	both := writeFile(t, "both.kubeconfig", string(out))
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "via-flag", "", ""))
	// KUBECONFIG (set by the harness) names the supervisor's file only, which has no remote-b.
	r := mustSucceed(t, s.plugin(t, "create", "-f", file, "--kubeconfig", both, "--remote-context", "remote-b"))
	if got := action(r.stdout, "virtualmachine.kubevirt.io/vm-via-flag", "remote-b"); got != "created" {
		t.Errorf("VM on remote-b: %q\n%s", got, r)
	}
	if s.get(t, s.env.Remote(remoteB), cluster.VirtualMachines, ns, "vm-via-flag") == nil {
		t.Errorf("kv-b lacks the VM\n%s", r)
	}
}

// TestFlagsGoAfterThePluginName: the README says kubectl refuses flags before a plugin's name.
func TestFlagsGoAfterThePluginName(t *testing.T) {
	s := needEnv(t)
	r := s.kubectl(t, call{args: []string{"-n", "team-a", "vitimachine", "version", "--client"}})
	if r.code == 0 || !strings.Contains(r.stderr, "flags cannot be placed before plugin name: -n") {
		t.Errorf("kubectl -n team-a vitimachine:\n%s", r)
	}
	mustSucceed(t, s.plugin(t, "version", "--client", "-n", "team-a"))
}
