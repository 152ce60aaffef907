package target

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"unicode/utf8"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Policy says which risky kubeconfig features an untrusted kubeconfig (one read from a Secret) may use.
// The zero value refuses them all.
type Policy struct {
	// AllowExec lists exec credential plugin commands that may run (exact match on the command).
	AllowExec []string
	// AllowProxy permits a proxy-url.
	AllowProxy bool
}

// Source names where an untrusted kubeconfig came from, for error messages.
type Source struct {
	KubevirtConfig string
	SecretRef      string // "namespace/name"
	Key            string
}

func (s Source) String() string {
	return fmt.Sprintf("KubevirtConfig %q: Secret %q key %q", s.KubevirtConfig, s.SecretRef, s.Key)
}

// UntrustedConfig parses a kubeconfig read from a Secret and refuses, before any connection or process
// start, everything that would make the plugin read local files, run programs or drop TLS checks:
// exec credential plugins (unless allowed), auth-provider plugins, token, certificate, key and CA
// files, insecure-skip-tls-verify, proxy-url (unless allowed), and an ambiguous current context.
func UntrustedConfig(data []byte, src Source, p Policy) (*rest.Config, error) {
	cfg, _, err := untrustedConfig(data, src, p)
	return cfg, err
}

// untrustedConfig is UntrustedConfig that also returns the name of the context it used.
func untrustedConfig(data []byte, src Source, p Policy) (*rest.Config, string, error) {
	if len(data) == 0 {
		return nil, "", fmt.Errorf("%s: the kubeconfig is empty", src)
	}
	if !utf8.Valid(data) {
		return nil, "", fmt.Errorf("%s: the kubeconfig is not text (binary data)", src)
	}
	cfg, err := clientcmd.Load(data)
	if err != nil {
		// The decoder's message can quote the input; the input may hold credentials, so it is not shown.
		return nil, "", fmt.Errorf("%s: not a valid kubeconfig (it does not decode as kubeconfig YAML or JSON)", src)
	}
	ctxName, err := currentContext(cfg)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", src, err)
	}
	kctx := cfg.Contexts[ctxName]
	if err := checkCluster(cfg, kctx.Cluster, p); err != nil {
		return nil, "", fmt.Errorf("%s: %w", src, err)
	}
	if err := checkUser(cfg, kctx.AuthInfo, p); err != nil {
		return nil, "", fmt.Errorf("%s: %w", src, err)
	}
	rc, err := clientcmd.NewNonInteractiveClientConfig(*cfg, ctxName, &clientcmd.ConfigOverrides{}, nil).ClientConfig()
	if err != nil {
		return nil, "", fmt.Errorf("%s: %s", src, firstLine(err.Error()))
	}
	return rc, ctxName, nil
}

// currentContext is the context the kubeconfig names, or its only context. Several contexts without
// an explicit current-context are refused rather than guessed.
func currentContext(cfg *clientcmdapi.Config) (string, error) {
	if cfg.CurrentContext != "" {
		if _, ok := cfg.Contexts[cfg.CurrentContext]; !ok {
			return "", fmt.Errorf("current-context %q names no context in the kubeconfig", cfg.CurrentContext)
		}
		return cfg.CurrentContext, nil
	}
	switch len(cfg.Contexts) {
	case 0:
		return "", fmt.Errorf("the kubeconfig has no contexts")
	case 1:
		for name := range cfg.Contexts {
			return name, nil
		}
	}
	return "", fmt.Errorf("the kubeconfig has %d contexts and no current-context (set current-context)", len(cfg.Contexts))
}

func checkCluster(cfg *clientcmdapi.Config, name string, p Policy) error {
	c, ok := cfg.Clusters[name]
	if !ok {
		return fmt.Errorf("contexts: the current context names cluster %q, which is not in the kubeconfig", name)
	}
	field := fmt.Sprintf("clusters[%q]", name)
	switch {
	case c.InsecureSkipTLSVerify:
		return refused(field+".insecure-skip-tls-verify", "TLS verification must stay on")
	case c.CertificateAuthority != "":
		return refused(field+".certificate-authority", "file paths are refused; embed certificate-authority-data")
	case c.ProxyURL != "" && !p.AllowProxy:
		return refused(field+".proxy-url", "proxies are refused unless --allow-remote-proxy is given")
	case c.Server == "":
		return refused(field+".server", "no server address")
	}
	return checkServer(field+".server", c.Server)
}

// checkServer refuses plain http (credentials would travel in clear) and link-local addresses (cloud
// metadata services live there, a classic target for a planted address).
func checkServer(field, server string) error {
	u, err := url.Parse(server)
	if err != nil || u.Host == "" {
		return refused(field, "not a URL")
	}
	if u.Scheme != "https" {
		return refused(field, fmt.Sprintf("scheme %q is refused; only https keeps the credentials private", u.Scheme))
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil && (ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified()) {
		return refused(field, fmt.Sprintf("address %s is link-local or unspecified (cloud metadata services live there)", ip))
	}
	return nil
}

func checkUser(cfg *clientcmdapi.Config, name string, p Policy) error {
	if name == "" {
		return nil
	}
	u, ok := cfg.AuthInfos[name]
	if !ok {
		return fmt.Errorf("contexts: the current context names user %q, which is not in the kubeconfig", name)
	}
	field := fmt.Sprintf("users[%q]", name)
	switch {
	case u.Exec != nil && !slices.Contains(p.AllowExec, u.Exec.Command):
		return refused(field+".exec", fmt.Sprintf("exec credential plugin %q is refused (allow it with --allow-exec-plugin=%s)", u.Exec.Command, u.Exec.Command))
	case u.AuthProvider != nil:
		return refused(field+".auth-provider", "auth-provider plugins are refused")
	case u.TokenFile != "":
		return refused(field+".tokenFile", "file paths are refused; embed the token")
	case u.ClientCertificate != "":
		return refused(field+".client-certificate", "file paths are refused; embed client-certificate-data")
	case u.ClientKey != "":
		return refused(field+".client-key", "file paths are refused; embed client-key-data")
	}
	return nil
}

func refused(field, why string) error {
	return fmt.Errorf("%s: %s", field, why)
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
