package e2e

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

func TestConcurrentCreatesOfTheSameMachinesAllSucceedAndCreateEachObjectOnce(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	var docs []string
	for i := range 3 {
		docs = append(docs, machineYAML(ns, fmt.Sprintf("c%d", i), annotation(remoteB), ""))
	}
	file := writeFile(t, "m.yaml", strings.Join(docs, "---\n"))
	m := s.mark(t)
	const runs = 4
	results := make([]result, runs)
	var wg sync.WaitGroup
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.plugin(t, "create", "-f", file)
		}()
	}
	wg.Wait()
	for _, r := range results {
		mustSucceed(t, r)
	}
	stored := map[string]int{}
	for _, p := range s.planes() {
		for _, e := range s.requests(t, m, p) {
			if e.Verb == "create" && e.ResponseStatus != nil && e.ResponseStatus.Code == 201 && e.ObjectRef != nil {
				stored[p.Name+" "+e.ObjectRef.Resource+" "+e.ObjectRef.Name]++
			}
		}
	}
	// 3 Machines on the supervisor; the namespace, 3 PVCs and 3 VMs on kv-b.
	if len(stored) != 10 {
		t.Errorf("%d distinct objects stored, want 10: %v", len(stored), stored)
	}
	for obj, n := range stored {
		if n != 1 {
			t.Errorf("%s stored %d times", obj, n)
		}
	}
}

// TestSupervisorKubeconfigMayUseExecPlugins: the user's own kubeconfig is trusted as kubectl trusts
// it; only kubeconfigs read from Secrets are refused exec plugins.
func TestSupervisorKubeconfigMayUseExecPlugins(t *testing.T) {
	s := needEnv(t)
	cfg, err := clientcmd.Load(s.env.Supervisor.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	user := cfg.AuthInfos[ctx.AuthInfo]
	dir := t.TempDir()
	plugin := filepath.Join(dir, "credential-plugin")
	cred := fmt.Sprintf(`{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":%q,"clientKeyData":%q}}`,
		string(user.ClientCertificateData), string(user.ClientKeyData))
	script := "#!/bin/sh\necho " + base64.StdEncoding.EncodeToString([]byte(cred)) + " | base64 -d\n"
	if err := os.WriteFile(plugin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg.AuthInfos["exec-user"] = &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{
		APIVersion: "client.authentication.k8s.io/v1", Command: plugin, InteractiveMode: clientcmdapi.NeverExecInteractiveMode}}
	ctx.AuthInfo = "exec-user"
	path := filepath.Join(dir, "exec.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	r := mustSucceed(t, s.plugin(t, "version", "--kubeconfig", path))
	mustContain(t, "version", r.stdout, "Supervisor Version: v1.37.2")
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "via-exec", annotation(remoteA), ""))
	mustSucceed(t, s.plugin(t, "create", "-f", file, "--kubeconfig", path, "--dry-run=server"))
}
