package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/vitistack/kubectl-vitimachine/pkg/version"
)

// VersionOptions carries `kubectl vitimachine version`.
type VersionOptions struct {
	root       *RootOptions
	ClientOnly bool
	Output     string
}

// versionReport is the machine-readable form of `version -o json|yaml`.
type versionReport struct {
	ClientVersion     version.Info    `json:"clientVersion"`
	SupervisorVersion string          `json:"supervisorVersion,omitempty"`
	RemoteVersions    []remoteVersion `json:"remoteVersions,omitempty"`
}

// remoteVersion is one KubevirtConfig's cluster: its server version, or why it is not known.
type remoteVersion struct {
	KubevirtConfig string `json:"kubevirtConfig"`
	Version        string `json:"version,omitempty"`
	Error          string `json:"error,omitempty"`
}

// NewCmdVersion builds `kubectl vitimachine version`.
func NewCmdVersion(root *RootOptions) *cobra.Command {
	o := &VersionOptions{root: root}
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the client version and, with cluster access, the supervisor's and remote clusters' versions",
		Example: `  # Client and supervisor versions
  kubectl vitimachine version

  # Only the client, without contacting any cluster
  kubectl vitimachine version --client -o json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.Validate(c); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	c.Flags().BoolVar(&o.ClientOnly, "client", false, "Print only the client version; contact no cluster")
	c.Flags().StringVarP(&o.Output, "output", "o", "", "Output format: json or yaml")
	return c
}

// Validate checks the flags.
func (o *VersionOptions) Validate(c *cobra.Command) error {
	switch o.Output {
	case "", "json", "yaml":
		return nil
	}
	return newUsageError(c, fmt.Errorf("invalid --output %q (use json or yaml)", o.Output))
}

// Run prints the versions. Without any kubeconfig it prints the client version only; with a
// configured but unreachable supervisor it prints the client version and fails.
func (o *VersionOptions) Run(ctx context.Context) error {
	report := versionReport{ClientVersion: version.Get()}
	var serverErr error
	if !o.ClientOnly {
		report.SupervisorVersion, serverErr = o.supervisorVersion(ctx)
		if clientcmd.IsEmptyConfig(serverErr) {
			serverErr = nil
		}
		if report.SupervisorVersion != "" {
			report.RemoteVersions = o.remoteVersions(ctx)
		}
	}
	if err := printVersion(o.root.Out, o.Output, report); err != nil {
		return err
	}
	if serverErr != nil {
		return fmt.Errorf("get supervisor server version: %w", serverErr)
	}
	for _, r := range report.RemoteVersions {
		if r.Error != "" {
			return &reportedError{msg: fmt.Sprintf("KubevirtConfig %q: %s", r.KubevirtConfig, r.Error)}
		}
	}
	return nil
}

// remoteVersions asks every KubevirtConfig's cluster for its version, in parallel, each within
// remoteVersionTimeout. The kubeconfigs are checked as untrusted, exactly as for create.
func (o *VersionOptions) remoteVersions(ctx context.Context) []remoteVersion {
	tf := newTargetFlags()
	sup, err := tf.supervisor(o.root)
	if err != nil {
		return nil
	}
	res, err := tf.resolver(o.root, sup, "", remoteVersionTimeout, false)
	if err != nil {
		return nil
	}
	configs, err := res.Configs(ctx)
	if err != nil {
		return []remoteVersion{{KubevirtConfig: "*", Error: err.Error()}}
	}
	out := make([]remoteVersion, len(configs))
	var wg sync.WaitGroup
	for i, kc := range configs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = remoteVersion{KubevirtConfig: kc.Name}
			c, err := res.Client(ctx, kc.Name)
			if err == nil {
				out[i].Version, err = serverVersion(c.Config)
			}
			if err != nil {
				out[i].Error = err.Error()
			}
		}()
	}
	wg.Wait()
	return out
}

// remoteVersionTimeout bounds each remote's answer to `version`.
const remoteVersionTimeout = 10 * time.Second

func serverVersion(cfg *rest.Config) (string, error) {
	c := rest.CopyConfig(cfg)
	c.Timeout = remoteVersionTimeout
	dc, err := discovery.NewDiscoveryClientForConfig(c)
	if err != nil {
		return "", err
	}
	v, err := dc.ServerVersion()
	if err != nil {
		return "", err
	}
	return v.GitVersion, nil
}

func (o *VersionOptions) supervisorVersion(ctx context.Context) (string, error) {
	// No kubeconfig at all and no --server: there is no supervisor to ask (client-go would fall back
	// to localhost:8080).
	raw, err := o.root.ConfigFlags.ToRawKubeConfigLoader().RawConfig()
	if err == nil && len(raw.Contexts) == 0 && (o.root.ConfigFlags.APIServer == nil || *o.root.ConfigFlags.APIServer == "") {
		return "", clientcmd.ErrEmptyConfig
	}
	dc, err := o.root.ConfigFlags.ToDiscoveryClient()
	if err != nil {
		return "", err
	}
	_ = ctx // discovery's ServerVersion takes no context; --request-timeout bounds it
	v, err := dc.ServerVersion()
	if err != nil {
		return "", err
	}
	return v.GitVersion, nil
}

func printVersion(w io.Writer, format string, r versionReport) error {
	switch format {
	case "json":
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(b))
		return err
	case "yaml":
		b, err := yaml.Marshal(r)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	c := r.ClientVersion
	if _, err := fmt.Fprintf(w, "Client Version: %s (commit %s, built %s, %s, %s)\n", c.GitVersion, c.GitCommit, c.BuildDate, c.GoVersion, c.Platform); err != nil {
		return err
	}
	if r.SupervisorVersion != "" {
		if _, err := fmt.Fprintf(w, "Supervisor Version: %s\n", r.SupervisorVersion); err != nil {
			return err
		}
	}
	for _, rv := range r.RemoteVersions {
		v := rv.Version
		if rv.Error != "" {
			v = "<unknown>: " + rv.Error
		}
		if _, err := fmt.Fprintf(w, "Remote Version (KubevirtConfig %s): %s\n", rv.KubevirtConfig, v); err != nil {
			return err
		}
	}
	return nil
}
