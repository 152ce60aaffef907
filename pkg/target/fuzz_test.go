package target_test

import (
	"strings"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/target"
)

// FuzzUntrustedConfig: a kubeconfig from a Secret is either refused with an error naming the
// KubevirtConfig and Secret, or accepted as a config that uses no file, no plugin and keeps TLS
// verification on. It never panics.
func FuzzUntrustedConfig(f *testing.F) {
	f.Add([]byte(kubeconfig("", "    token: abc\n")))
	f.Add([]byte(kubeconfig("    insecure-skip-tls-verify: true\n", "    token: abc\n")))
	f.Add([]byte(kubeconfig("", "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: aws\n")))
	f.Add([]byte(kubeconfig("    certificate-authority: /etc/ca\n", "    tokenFile: /t\n")))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := target.UntrustedConfig(data, src, target.Policy{})
		if err != nil {
			if !strings.HasPrefix(err.Error(), `KubevirtConfig "kv-1": Secret "vitistack/kv-1-kubeconfig"`) {
				t.Fatalf("error does not name its source: %v", err)
			}
			return
		}
		switch {
		case cfg.ExecProvider != nil, cfg.AuthProvider != nil:
			t.Fatal("accepted a credential plugin")
		case cfg.Insecure:
			t.Fatal("accepted insecure-skip-tls-verify")
		case cfg.CAFile != "", cfg.CertFile != "", cfg.KeyFile != "", cfg.BearerTokenFile != "":
			t.Fatalf("accepted a file path: %q %q %q %q", cfg.CAFile, cfg.CertFile, cfg.KeyFile, cfg.BearerTokenFile)
		case cfg.Proxy != nil:
			t.Fatal("accepted a proxy")
		}
	})
}
