package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
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
	ClientVersion     version.Info `json:"clientVersion"`
	SupervisorVersion string       `json:"supervisorVersion,omitempty"`
}

// NewCmdVersion builds `kubectl vitimachine version`.
func NewCmdVersion(root *RootOptions) *cobra.Command {
	o := &VersionOptions{root: root}
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the client version and, with cluster access, the supervisor's server version",
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
	}
	if err := printVersion(o.root.Out, o.Output, report); err != nil {
		return err
	}
	if serverErr != nil {
		return fmt.Errorf("get supervisor server version: %w", serverErr)
	}
	return nil
}

func (o *VersionOptions) supervisorVersion(ctx context.Context) (string, error) {
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
		_, err := fmt.Fprintf(w, "Supervisor Version: %s\n", r.SupervisorVersion)
		return err
	}
	return nil
}
