package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/client-go/util/homedir"
)

// ErrEmptyConfig is the error kubectl gives when no kubeconfig is found, word for word.
var ErrEmptyConfig = clientcmd.NewEmptyConfigError(`Missing or incomplete configuration info.  Please point to an existing, complete config file:


  1. Via the command-line flag --kubeconfig
  2. Via the KUBECONFIG environment variable
  3. In your home directory as ~/.kube/config

To view or setup config directly use the 'config' command.`)

// ConfigFlags are kubectl's connection flags (--kubeconfig, --context, -n, -s, --as, ...), with the
// names, defaults, help texts and meaning of cli-runtime's genericclioptions.ConfigFlags. They are
// kept here rather than imported because genericclioptions links cli-runtime's resource builder,
// kustomize, discovery and every built-in API type's scheme registration, whose package
// initialisation ran on every start (every --help and every <TAB>) though the plugin uses none of it.
type ConfigFlags struct {
	CacheDir   *string
	KubeConfig *string

	ClusterName          *string
	AuthInfoName         *string
	Context              *string
	Namespace            *string
	APIServer            *string
	TLSServerName        *string
	Insecure             *bool
	CertFile             *string
	KeyFile              *string
	CAFile               *string
	BearerToken          *string
	Impersonate          *string
	ImpersonateUID       *string
	ImpersonateGroup     *[]string
	ImpersonateUserExtra *[]string
	Timeout              *string
	DisableCompression   *bool
	ProxyURL             *string

	lock   sync.Mutex
	loader clientcmd.ClientConfig
}

// NewConfigFlags returns the flags with kubectl's defaults.
func NewConfigFlags() *ConfigFlags {
	str := func(s string) *string { return &s }
	no := func() *bool { b := false; return &b }
	list := func() *[]string { l := []string{}; return &l }
	return &ConfigFlags{
		CacheDir:             str(defaultCacheDir()),
		KubeConfig:           str(""),
		ClusterName:          str(""),
		AuthInfoName:         str(""),
		Context:              str(""),
		Namespace:            str(""),
		APIServer:            str(""),
		TLSServerName:        str(""),
		Insecure:             no(),
		CertFile:             str(""),
		KeyFile:              str(""),
		CAFile:               str(""),
		BearerToken:          str(""),
		Impersonate:          str(""),
		ImpersonateUID:       str(""),
		ImpersonateGroup:     list(),
		ImpersonateUserExtra: list(),
		Timeout:              str("0"),
		DisableCompression:   no(),
		ProxyURL:             str(""),
	}
}

// defaultCacheDir is kubectl's: $KUBECACHEDIR, else ~/.kube/cache.
func defaultCacheDir() string {
	if d := os.Getenv("KUBECACHEDIR"); d != "" {
		return d
	}
	return filepath.Join(homedir.HomeDir(), ".kube", "cache")
}

// AddFlags adds the flags to flags, in kubectl's order with kubectl's help texts.
func (f *ConfigFlags) AddFlags(flags *pflag.FlagSet) {
	flags.StringVar(f.KubeConfig, "kubeconfig", *f.KubeConfig, "Path to the kubeconfig file to use for CLI requests.")
	flags.StringVar(f.CacheDir, "cache-dir", *f.CacheDir, "Default cache directory")
	flags.StringVar(f.CertFile, "client-certificate", *f.CertFile, "Path to a client certificate file for TLS")
	flags.StringVar(f.KeyFile, "client-key", *f.KeyFile, "Path to a client key file for TLS")
	flags.StringVar(f.BearerToken, "token", *f.BearerToken, "Bearer token for authentication to the API server")
	flags.StringVar(f.Impersonate, "as", *f.Impersonate, "Username to impersonate for the operation. User could be a regular user or a service account in a namespace.")
	flags.StringVar(f.ImpersonateUID, "as-uid", *f.ImpersonateUID, "UID to impersonate for the operation.")
	flags.StringArrayVar(f.ImpersonateGroup, "as-group", *f.ImpersonateGroup, "Group to impersonate for the operation, this flag can be repeated to specify multiple groups.")
	flags.StringArrayVar(f.ImpersonateUserExtra, "as-user-extra", *f.ImpersonateUserExtra, "User extras to impersonate for the operation, this flag can be repeated to specify multiple values for the same key.")
	flags.StringVar(f.ClusterName, "cluster", *f.ClusterName, "The name of the kubeconfig cluster to use")
	flags.StringVar(f.AuthInfoName, "user", *f.AuthInfoName, "The name of the kubeconfig user to use")
	flags.StringVarP(f.Namespace, "namespace", "n", *f.Namespace, "If present, the namespace scope for this CLI request")
	flags.StringVar(f.Context, "context", *f.Context, "The name of the kubeconfig context to use")
	flags.StringVarP(f.APIServer, "server", "s", *f.APIServer, "The address and port of the Kubernetes API server")
	flags.StringVar(f.TLSServerName, "tls-server-name", *f.TLSServerName, "Server name to use for server certificate validation. If it is not provided, the hostname used to contact the server is used")
	flags.BoolVar(f.Insecure, "insecure-skip-tls-verify", *f.Insecure, "If true, the server's certificate will not be checked for validity. This will make your HTTPS connections insecure")
	flags.StringVar(f.CAFile, "certificate-authority", *f.CAFile, "Path to a cert file for the certificate authority")
	flags.StringVar(f.Timeout, "request-timeout", *f.Timeout, "The length of time to wait before giving up on a single server request. Non-zero values should contain a corresponding time unit (e.g. 1s, 2m, 3h). A value of zero means don't timeout requests.")
	flags.BoolVar(f.DisableCompression, "disable-compression", *f.DisableCompression, "If true, opt-out of response compression for all requests to the server")
	flags.StringVar(f.ProxyURL, "proxy-url", *f.ProxyURL, "Proxy URL to use for requests to the API server")
}

// ToRESTConfig is the REST config the flags and the kubeconfig give.
func (f *ConfigFlags) ToRESTConfig() (*rest.Config, error) {
	return f.ToRawKubeConfigLoader().ClientConfig()
}

// ToRawKubeConfigLoader is the kubeconfig loader with the flags as overrides, built once on first use.
func (f *ConfigFlags) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	f.lock.Lock()
	defer f.lock.Unlock()
	if f.loader == nil {
		f.loader = f.newLoader()
	}
	return f.loader
}

func (f *ConfigFlags) newLoader() clientcmd.ClientConfig {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.DefaultClientConfig = &clientcmd.DefaultClientConfig
	rules.ExplicitPath = *f.KubeConfig

	o := &clientcmd.ConfigOverrides{ClusterDefaults: clientcmd.ClusterDefaults}
	o.AuthInfo.ClientCertificate = *f.CertFile
	o.AuthInfo.ClientKey = *f.KeyFile
	o.AuthInfo.Token = *f.BearerToken
	o.AuthInfo.Impersonate = *f.Impersonate
	if len(*f.ImpersonateUserExtra) > 0 {
		extra := map[string][]string{}
		for _, kv := range *f.ImpersonateUserExtra {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			extra[k] = append(extra[k], v)
		}
		o.AuthInfo.ImpersonateUserExtra = extra
	}
	o.AuthInfo.ImpersonateUID = *f.ImpersonateUID
	o.AuthInfo.ImpersonateGroups = *f.ImpersonateGroup

	o.ClusterInfo.Server = *f.APIServer
	o.ClusterInfo.TLSServerName = *f.TLSServerName
	o.ClusterInfo.CertificateAuthority = *f.CAFile
	o.ClusterInfo.InsecureSkipTLSVerify = *f.Insecure
	o.ClusterInfo.DisableCompression = *f.DisableCompression
	o.ClusterInfo.ProxyURL = *f.ProxyURL

	o.CurrentContext = *f.Context
	o.Context.Cluster = *f.ClusterName
	o.Context.AuthInfo = *f.AuthInfoName
	o.Context.Namespace = *f.Namespace
	o.Timeout = *f.Timeout

	return emptyConfigAsKubectl{clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, o)}
}

// emptyConfigAsKubectl reports a missing kubeconfig with kubectl's words (ErrEmptyConfig).
type emptyConfigAsKubectl struct{ base clientcmd.ClientConfig }

func (c emptyConfigAsKubectl) RawConfig() (clientcmdapi.Config, error) {
	cfg, err := c.base.RawConfig()
	if clientcmd.IsEmptyConfig(err) {
		return cfg, ErrEmptyConfig
	}
	return cfg, err
}

func (c emptyConfigAsKubectl) ClientConfig() (*rest.Config, error) {
	cfg, err := c.base.ClientConfig()
	if clientcmd.IsEmptyConfig(err) {
		return cfg, ErrEmptyConfig
	}
	return cfg, err
}

func (c emptyConfigAsKubectl) Namespace() (string, bool, error) {
	ns, explicit, err := c.base.Namespace()
	if clientcmd.IsEmptyConfig(err) {
		return ns, explicit, ErrEmptyConfig
	}
	return ns, explicit, err
}

func (c emptyConfigAsKubectl) ConfigAccess() clientcmd.ConfigAccess { return c.base.ConfigAccess() }
