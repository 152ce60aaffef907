package cmd

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
)

// TargetFlags choose the remote cluster of each Machine and how the plugin talks to clusters.
type TargetFlags struct {
	RemoteKubeconfig string
	RemoteContext    string
	KubevirtConfig   string
	AllowExec        []string
	AllowProxy       bool
	QPS              float32
	Burst            int
	// ClusterTimeout bounds each cluster's own work, the supervisor's included (cluster.Client.Bound).
	ClusterTimeout time.Duration
}

// clusterTimeoutHelp is --cluster-timeout's help, for every command that has the flag.
const clusterTimeoutHelp = "Deadline for each cluster's own reads and writes, the supervisor's included: the time its requests are in flight, not time spent on other clusters nor --wait; a cluster that misses it fails only its own Machines. 0 means no deadline"

// defaultClusterTimeout is --cluster-timeout's default.
const defaultClusterTimeout = 30 * time.Second

func newTargetFlags() *TargetFlags {
	return &TargetFlags{ClusterTimeout: defaultClusterTimeout}
}

// AddFlags registers the flags.
func (f *TargetFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.RemoteKubeconfig, "remote-kubeconfig", "", "Kubeconfig of the remote KubeVirt cluster for every Machine; skips discovery through KubevirtConfigs")
	fs.StringVar(&f.RemoteContext, "remote-context", "", "Context of the remote KubeVirt cluster (in --remote-kubeconfig, else in --kubeconfig or $KUBECONFIG); skips discovery")
	fs.StringVar(&f.KubevirtConfig, "kubevirt-config", "", "KubevirtConfig for Machines without the vitistack.io/kubevirt-config annotation (default $DEFAULT_KUBEVIRT_CONFIG)")
	fs.StringSliceVar(&f.AllowExec, "allow-exec-plugin", nil, "Exec credential plugin commands a kubeconfig from a KubevirtConfig Secret may run (refused by default)")
	fs.BoolVar(&f.AllowProxy, "allow-remote-proxy", false, "Allow a proxy-url in kubeconfigs from KubevirtConfig Secrets")
	fs.Float32Var(&f.QPS, "qps", f.QPS, "Client-side requests per second, per cluster (default: none toward servers with API Priority and Fairness, 50 toward others)")
	fs.IntVar(&f.Burst, "burst", f.Burst, "Client-side request burst, per cluster, with --qps (default: twice --qps)")
	fs.DurationVar(&f.ClusterTimeout, "cluster-timeout", f.ClusterTimeout, clusterTimeoutHelp)
}

// validate refuses combinations that would silently ignore a flag.
func (f *TargetFlags) validate() error {
	if (f.RemoteKubeconfig != "" || f.RemoteContext != "") && f.KubevirtConfig != "" {
		return fmt.Errorf("--remote-kubeconfig and --remote-context skip KubevirtConfigs; do not combine them with --kubevirt-config")
	}
	switch {
	case f.QPS < 0 || f.Burst < 0:
		return fmt.Errorf("--qps and --burst must not be negative")
	case f.Burst > 0 && f.QPS == 0:
		return fmt.Errorf("--burst needs --qps (without --qps there is no client-side rate limit toward servers with API Priority and Fairness)")
	}
	if f.ClusterTimeout < 0 {
		return fmt.Errorf("--cluster-timeout must not be negative")
	}
	return nil
}

// limits are --qps/--burst as an explicit limit, or the defaults (no client-side rate limit toward
// servers with API Priority and Fairness, a bounded number of requests in flight).
func (f *TargetFlags) limits() cluster.Limits {
	l := cluster.Limits{QPS: f.QPS, Burst: f.Burst}
	if l.QPS > 0 && l.Burst == 0 {
		l.Burst = max(int(2*l.QPS), 1)
	}
	return l
}

// requestTimeout is kubectl's --request-timeout ("0": none), parsed as kubectl parses it.
func requestTimeout(root *RootOptions) (time.Duration, error) {
	if root.ConfigFlags.Timeout == nil || *root.ConfigFlags.Timeout == "" {
		return 0, nil
	}
	d, err := clientcmd.ParseTimeout(*root.ConfigFlags.Timeout)
	if err != nil {
		return 0, fmt.Errorf("--request-timeout %q: %w", *root.ConfigFlags.Timeout, err)
	}
	return d, nil
}

// supervisor builds the supervisor client from the kubectl flags, bounded by --cluster-timeout as
// every remote is. The supervisor's own kubeconfig is the user's and trusted: exec and auth-provider
// plugins work as in kubectl. A kubeconfig that names no supervisor is refused saying what is
// missing, and a supervisor that cannot be connected to is named with its context and server.
func (f *TargetFlags) supervisor(root *RootOptions) (*cluster.Client, error) {
	if _, err := requestTimeout(root); err != nil {
		return nil, err
	}
	if err := checkKubeconfig(root); err != nil {
		return nil, err
	}
	cfg, err := root.ConfigFlags.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("supervisor: %w", err)
	}
	limits := f.limits()
	if limits.RequestTimeout, err = requestTimeout(root); err != nil {
		return nil, err
	}
	name := supervisorContext(root)
	cfg = rest.CopyConfig(cfg)
	cfg.Wrap(cluster.ExplainUnreachable(cluster.SupervisorID, name, cfg.Host))
	c, err := root.clients.supervisor(cfg, limits)
	if err != nil {
		return nil, err
	}
	c.Context = name
	c.Bound(f.ClusterTimeout)
	return c, nil
}

// checkKubeconfig refuses a kubeconfig that names no supervisor (see cluster.CheckKubeconfig).
func checkKubeconfig(root *RootOptions) error {
	loader := root.ConfigFlags.ToRawKubeConfigLoader()
	raw, err := loader.RawConfig()
	if err != nil {
		return nil // client-go's own message says what is wrong with the file
	}
	flag := func(p *string) bool { return p != nil && *p != "" }
	context := ""
	if flag(root.ConfigFlags.Context) {
		context = *root.ConfigFlags.Context
	}
	inCluster := root.Env.get("KUBERNETES_SERVICE_HOST") != "" && root.Env.get("KUBERNETES_SERVICE_PORT") != ""
	return cluster.CheckKubeconfig(raw, loader.ConfigAccess().GetLoadingPrecedence(), context, flag(root.ConfigFlags.APIServer), inCluster)
}

// supervisorContext is the kubeconfig context of the supervisor (--context, else the current
// one), for messages.
func supervisorContext(root *RootOptions) string {
	if root.ConfigFlags.Context != nil && *root.ConfigFlags.Context != "" {
		return *root.ConfigFlags.Context
	}
	raw, err := root.ConfigFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return ""
	}
	return raw.CurrentContext
}

// resolver builds the target resolver. An empty naming searches VMs under both naming schemes.
// with adjusts the options a command needs beyond the flags (status shares its VM lists). Every
// remote client it builds is bounded by --cluster-timeout (cluster.Client.Bound), and each of its
// requests by kubectl's --request-timeout, as the supervisor's are.
func (f *TargetFlags) resolver(root *RootOptions, supervisor *cluster.Client, naming render.Naming, indexVMs bool, with ...func(*target.Options)) (*target.Resolver, error) {
	limits := f.limits()
	var err error
	if limits.RequestTimeout, err = requestTimeout(root); err != nil {
		return nil, err
	}
	opts := target.Options{
		IndexVMs:       indexVMs,
		Default:        f.KubevirtConfig,
		DefaultBy:      target.ByFlag,
		Policy:         target.Policy{AllowExec: f.AllowExec, AllowProxy: f.AllowProxy},
		Limits:         limits,
		ClusterTimeout: f.ClusterTimeout,
		VMNames: func(machine string) []string {
			if naming == "" {
				return []string{render.VMName(render.NamingSeed, machine), render.VMName(render.NamingOperator, machine)}
			}
			return []string{render.VMName(naming, machine)}
		},
	}
	if opts.Default == "" {
		opts.Default, opts.DefaultBy = root.Env.get("DEFAULT_KUBEVIRT_CONFIG"), target.ByEnv
	}
	if f.RemoteKubeconfig != "" || f.RemoteContext != "" {
		cfg, name, err := f.overrideConfig(root)
		if err != nil {
			return nil, err
		}
		opts.Override, opts.OverrideName = cfg, name
	}
	if root.clients.remote != nil {
		opts.NewClient = root.clients.remote
	}
	for _, w := range with {
		w(&opts)
	}
	return target.NewResolver(supervisor, opts), nil
}

// overrideConfig loads --remote-kubeconfig/--remote-context. The context is looked up in
// --remote-kubeconfig, else where kubectl looks: --kubeconfig, else $KUBECONFIG or ~/.kube/config.
// It is the user's own file, so it is trusted like the supervisor's kubeconfig.
func (f *TargetFlags) overrideConfig(root *RootOptions) (*rest.Config, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	switch {
	case f.RemoteKubeconfig != "":
		rules.ExplicitPath = f.RemoteKubeconfig
	case root.ConfigFlags.KubeConfig != nil && *root.ConfigFlags.KubeConfig != "":
		rules.ExplicitPath = *root.ConfigFlags.KubeConfig
	}
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: f.RemoteContext})
	cfg, err := loader.ClientConfig()
	if err != nil {
		return nil, "", fmt.Errorf("--remote-kubeconfig/--remote-context: %w", err)
	}
	name := f.RemoteContext
	if name == "" {
		raw, err := loader.RawConfig()
		if err == nil {
			name = raw.CurrentContext
		}
	}
	if name == "" {
		name = "remote"
	}
	return cfg, name, nil
}
