package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
	"github.com/vitistack/kubectl-vitimachine/pkg/version"
)

// VersionOptions carries `kubectl vitimachine version`.
type VersionOptions struct {
	root       *RootOptions
	Target     *TargetFlags
	ClientOnly bool
	Output     OutputFlag

	supervisor *cluster.Client
	resolver   *target.Resolver
}

// versionReport is the machine-readable form of `version -o json|yaml`.
type versionReport struct {
	ClientVersion     version.Info           `json:"clientVersion"`
	SupervisorVersion string                 `json:"supervisorVersion,omitempty"`
	RemoteVersions    []target.RemoteVersion `json:"remoteVersions,omitempty"`
}

// NewCmdVersion builds `kubectl vitimachine version`.
func NewCmdVersion(root *RootOptions) *cobra.Command {
	o := &VersionOptions{root: root, Target: newTargetFlags(), Output: OutputFlag{Allowed: []string{"json", "yaml"}, Help: "Output format: json or yaml"}}
	o.Target.ClusterTimeout = remoteVersionTimeout
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the client version and, with cluster access, the supervisor's and remote clusters' versions",
		Long: `Print the client version. With a kubeconfig, also the supervisor's server version and, for every
KubevirtConfig on the supervisor, the version of its remote cluster: this lists KubevirtConfigs and
reads their Secrets, and the kubeconfigs in them are checked exactly as for create.

Exit status: 0 when every version could be read, 2 when the supervisor or any remote could not.`,
		Example: `  # Client, supervisor and remote versions
  kubectl vitimachine version

  # Only the client, without contacting any cluster
  kubectl vitimachine version --client -o json`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.Complete(c); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	c.Flags().BoolVar(&o.ClientOnly, "client", false, "Print only the client version; contact no cluster")
	o.Output.AddFlag(c)
	c.Flags().StringSliceVar(&o.Target.AllowExec, "allow-exec-plugin", nil, "Exec credential plugin commands a kubeconfig from a KubevirtConfig Secret may run (refused by default)")
	c.Flags().BoolVar(&o.Target.AllowProxy, "allow-remote-proxy", false, "Allow a proxy-url in kubeconfigs from KubevirtConfig Secrets")
	c.Flags().DurationVar(&o.Target.ClusterTimeout, "cluster-timeout", o.Target.ClusterTimeout, clusterTimeoutHelp)
	return c
}

// Complete parses the flags and, unless --client, builds the supervisor client and the resolver.
// Without any kubeconfig (and no --server) there is no supervisor: client-go would fall back to
// localhost:8080, so version prints the client only.
func (o *VersionOptions) Complete(c *cobra.Command) error {
	if err := o.Output.Validate(c); err != nil {
		return err
	}
	if err := o.Target.validate(); err != nil {
		return newUsageError(c, err)
	}
	if o.ClientOnly {
		return nil
	}
	raw, err := o.root.ConfigFlags.ToRawKubeConfigLoader().RawConfig()
	if err == nil && len(raw.Contexts) == 0 && (o.root.ConfigFlags.APIServer == nil || *o.root.ConfigFlags.APIServer == "") {
		return nil
	}
	if o.supervisor, err = o.Target.supervisor(o.root); err != nil {
		if clientcmd.IsEmptyConfig(err) || cluster.IsKubeconfigError(err) {
			return nil
		}
		return fmt.Errorf("get supervisor server version: %w", err)
	}
	o.resolver, err = o.Target.resolver(o.root, o.supervisor, "", false)
	return err
}

// remoteVersionTimeout is version's --cluster-timeout: a remote has this long to answer.
const remoteVersionTimeout = 10 * time.Second

// Run prints the versions.
func (o *VersionOptions) Run(ctx context.Context) error {
	report := versionReport{ClientVersion: version.Get()}
	var serverErr error
	if o.supervisor != nil {
		report.SupervisorVersion, serverErr = o.supervisor.ServerVersion(ctx)
		if serverErr == nil {
			report.RemoteVersions = o.resolver.RemoteVersions(ctx)
		}
	}
	if err := printVersion(o.root.Out, o.Output.Value, report); err != nil {
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

func printVersion(w io.Writer, format string, r versionReport) error {
	switch format {
	case "json":
		b, err := json.MarshalIndent(r, "", "    ")
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
