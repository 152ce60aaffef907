package target_test

import (
	"strings"
	"testing"

	"github.com/vitistack/kubectl-vitimachine/pkg/target"
)

const caData = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJ2VENDQVdPZ0F3SUJBZ0lVZmFrZQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg=="

// kubeconfig builds a kubeconfig; cluster and user are YAML fragments under cluster: and user:.
func kubeconfig(cluster, user string) string {
	return `apiVersion: v1
kind: Config
current-context: c
contexts:
- name: c
  context: {cluster: k, user: u}
clusters:
- name: k
  cluster:
    server: https://10.0.0.1:6443
` + cluster + `users:
- name: u
  user:
` + user
}

var src = target.Source{KubevirtConfig: "kv-1", SecretRef: "vitistack/kv-1-kubeconfig", Key: "kubeconfig"}

func TestUntrustedConfigRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, data, want string
		policy           target.Policy
	}{
		{name: "exec plugin", data: kubeconfig("", "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: aws\n"), want: `users["u"].exec: exec credential plugin "aws" is refused (allow it with --allow-exec-plugin=aws)`},
		{name: "exec plugin not on the allow-list", data: kubeconfig("", "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: aws\n"), policy: target.Policy{AllowExec: []string{"gcloud"}}, want: `users["u"].exec`},
		{name: "auth-provider", data: kubeconfig("", "    auth-provider:\n      name: oidc\n"), want: `users["u"].auth-provider`},
		{name: "token file", data: kubeconfig("", "    tokenFile: /var/run/secrets/token\n"), want: `users["u"].tokenFile`},
		{name: "client certificate file", data: kubeconfig("", "    client-certificate: /etc/cert.pem\n"), want: `users["u"].client-certificate`},
		{name: "client key file", data: kubeconfig("", "    client-key: /etc/key.pem\n"), want: `users["u"].client-key`},
		{name: "CA file", data: kubeconfig("    certificate-authority: /etc/ca.pem\n", "    token: abc\n"), want: `clusters["k"].certificate-authority`},
		{name: "insecure-skip-tls-verify", data: kubeconfig("    insecure-skip-tls-verify: true\n", "    token: abc\n"), want: `clusters["k"].insecure-skip-tls-verify`},
		{name: "proxy-url", data: kubeconfig("    proxy-url: http://proxy:3128\n", "    token: abc\n"), want: `clusters["k"].proxy-url`},
		{name: "plain http", data: strings.Replace(kubeconfig("", "    token: abc\n"), "https://10.0.0.1:6443", "http://10.0.0.1:8080", 1), want: `clusters["k"].server: scheme "http" is refused`},
		{name: "metadata address", data: strings.Replace(kubeconfig("", "    token: abc\n"), "10.0.0.1:6443", "169.254.169.254", 1), want: `clusters["k"].server: address 169.254.169.254 is link-local`},
		{name: "empty", data: "", want: "the kubeconfig is empty"},
		{name: "binary", data: "\xff\xfe\x00garbage", want: "not text"},
		{name: "not a kubeconfig", data: "{{{", want: "not a valid kubeconfig"},
		{name: "current context names nothing", data: strings.Replace(kubeconfig("", "    token: abc\n"), "current-context: c", "current-context: nope", 1), want: `current-context "nope"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := target.UntrustedConfig([]byte(tc.data), src, tc.policy)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), `KubevirtConfig "kv-1": Secret "vitistack/kv-1-kubeconfig" key "kubeconfig": `) {
				t.Errorf("error does not name the KubevirtConfig, Secret and key: %v", err)
			}
		})
	}
}

func TestUntrustedConfigSeveralContextsNeedAnExplicitOne(t *testing.T) {
	data := strings.Replace(kubeconfig("", "    token: abc\n"), "current-context: c\n", "", 1)
	data = strings.Replace(data, "contexts:\n", "contexts:\n- name: other\n  context: {cluster: k, user: u}\n", 1)
	_, err := target.UntrustedConfig([]byte(data), src, target.Policy{})
	if err == nil || !strings.Contains(err.Error(), "2 contexts and no current-context") {
		t.Fatalf("error %v", err)
	}
}

func TestUntrustedConfigAccepts(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		policy     target.Policy
	}{
		{name: "embedded token", data: kubeconfig("    certificate-authority-data: "+caData+"\n", "    token: abc\n")},
		{name: "allowed exec plugin", data: kubeconfig("", "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: kubelogin\n      interactiveMode: Never\n"), policy: target.Policy{AllowExec: []string{"kubelogin"}}},
		{name: "allowed proxy", data: kubeconfig("    proxy-url: http://proxy:3128\n", "    token: abc\n"), policy: target.Policy{AllowProxy: true}},
		{name: "single context without current-context", data: strings.Replace(kubeconfig("", "    token: abc\n"), "current-context: c\n", "", 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := target.UntrustedConfig([]byte(tc.data), src, tc.policy)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Host != "https://10.0.0.1:6443" {
				t.Errorf("host %q", cfg.Host)
			}
		})
	}
}

func TestUntrustedConfigNeverEchoesTheInput(t *testing.T) {
	secret := "s3cr3t-token-value"
	for _, data := range []string{
		"token: " + secret + "\n  bad: [",
		kubeconfig("    insecure-skip-tls-verify: true\n", "    token: "+secret+"\n"),
		kubeconfig("", "    token: "+secret+"\n    exec:\n      command: x\n"),
	} {
		_, err := target.UntrustedConfig([]byte(data), src, target.Policy{})
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("error %v leaks the token or is nil", err)
		}
	}
}
