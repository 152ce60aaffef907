// Package cmd is the cobra layer of kubectl vitimachine: it turns flags into typed requests, calls the
// domain packages and hands their results to printers. It holds no business logic.
package cmd

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// Env is the process environment, injected so that commands never read it directly.
type Env struct {
	Getenv func(string) string
}

func (e Env) get(key string) string {
	if e.Getenv == nil {
		return ""
	}
	return e.Getenv(key)
}

// RootOptions holds what every command shares: the supervisor's kubeconfig flags, the colour policy
// and the environment.
type RootOptions struct {
	ConfigFlags *ConfigFlags
	Color       string
	Env         Env
	genericiooptions.IOStreams
	// clients builds the clients of a run.
	clients factory
}

// factory builds the clients of a run from their configurations, as kubectl's cmdutil.Factory:
// the plugin's connects to the servers; pkg/cmd's tests inject clients over fake clusters
// (clustertest), as kubectl's cmdtesting.TestFactory does.
type factory struct {
	// supervisor builds the supervisor's client.
	supervisor func(cfg *rest.Config, limits cluster.Limits) (*cluster.Client, error)
	// remote builds a remote cluster's client (target.Options.NewClient); nil builds it with
	// cluster.New and the run's limits.
	remote func(id cluster.ID, cfg *rest.Config) (*cluster.Client, error)
}

// serverFactory connects to the servers.
func serverFactory() factory {
	return factory{supervisor: func(cfg *rest.Config, limits cluster.Limits) (*cluster.Client, error) {
		return cluster.New(cluster.SupervisorID, cfg, limits)
	}}
}

// NewRootCmd builds `kubectl vitimachine` with all its subcommands.
func NewRootCmd(streams genericiooptions.IOStreams, env Env) *cobra.Command {
	return newRootCmd(streams, env, serverFactory())
}

// newRootCmd is NewRootCmd with the factory that builds the clients.
func newRootCmd(streams genericiooptions.IOStreams, env Env, clients factory) *cobra.Command {
	o := &RootOptions{
		ConfigFlags: NewConfigFlags(),
		Color:       "auto",
		Env:         env,
		IOStreams:   streams,
		clients:     clients,
	}
	root := &cobra.Command{
		Use:   "kubectl-vitimachine",
		Short: "Provision vitistack Machines on their KubeVirt clusters",
		Long: `Provision vitistack Machines on their remote KubeVirt clusters.

The current kubectl context is the supervisor cluster, where Machines, KubevirtConfigs and
MachineClasses live. For each Machine the plugin finds the remote KubeVirt cluster and runs the
provisioning pipeline there: the namespace first, then the PersistentVolumeClaims, then the
VirtualMachine. Existing objects are not updated, but for the Machine's NetworkConfiguration
(the VM's interface appended) and the Machine's kubevirt-config annotation. Only "delete"
deletes, and only what create made for the Machines it is given; never a namespace.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Annotations: map[string]string{
			cobra.CommandDisplayNameAnnotation: "kubectl vitimachine",
		},
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			c.SetContext(withRedactedBodies(c.Context()))
			return o.validateColor(c)
		},
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return newUsageError(c, err) })

	flags := root.PersistentFlags()
	o.ConfigFlags.AddFlags(flags)
	flags.StringVar(&o.Color, "color", o.Color, "When to colour output: auto, always or never (auto honours NO_COLOR and colours only terminals)")
	_ = root.RegisterFlagCompletionFunc("color", completeValues([]string{"auto", "always", "never"}))
	addKlogFlags(flags)
	registerNamespaceCompletion(root, o)

	root.AddCommand(
		NewCmdVersion(o),
		NewCmdCompletion(o),
		NewCmdCreate(o),
		NewCmdDiff(o),
		NewCmdNSSync(o),
		NewCmdDelete(o),
		NewCmdResize(o),
		NewCmdStatus(o),
		NewCmdDoctor(o),
		NewCmdDescribe(o),
		NewCmdOrphans(o),
	)
	root.AddCommand(NewCmdPower(o)...)
	root.AddCommand(NewCmdPortForward(o), NewCmdConsole(o), NewCmdSSH(o), NewCmdSCP(o), NewCmdVNC(o))
	return root
}

// addKlogFlags exposes klog's -v and --vmodule, the verbosity flags kubectl users know.
func addKlogFlags(flags *pflag.FlagSet) {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	for _, name := range []string{"v", "vmodule"} {
		f := fs.Lookup(name)
		pf := pflag.PFlagFromGoFlag(f)
		if name == "v" {
			pf.Shorthand = "v"
		}
		flags.AddFlag(pf)
	}
}

func (o *RootOptions) validateColor(c *cobra.Command) error {
	switch o.Color {
	case "auto", "always", "never":
		return nil
	}
	return newUsageError(c, fmt.Errorf("invalid --color %q (use auto, always or never)", o.Color))
}

// colorFor decides once whether a writer gets colour: --color=always/never win, then NO_COLOR, then
// whether the writer is a terminal.
func (o *RootOptions) colorFor(w io.Writer) bool {
	switch o.Color {
	case "always":
		return true
	case "never":
		return false
	}
	if o.Env.get("NO_COLOR") != "" {
		return false
	}
	return isTerminal(w)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
