package cmd

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
)

// completionTimeout bounds the API calls made while the user waits at a TAB.
const completionTimeout = 5 * time.Second

// completeMachines completes Machine names in the namespace from -n or the context.
func completeMachines(root *RootOptions) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		ns, _, err := root.ConfigFlags.ToRawKubeConfigLoader().Namespace()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return completeNames(root, cluster.Machines, ns, toComplete, args)
	}
}

// registerCompletions adds completion of the command's flags: the flags that name cluster objects
// from the supervisor, the enum flags with their values (never file names), -f with manifests and
// folders, --remote-context with the contexts of the kubeconfig it is looked up in.
func registerCompletions(c *cobra.Command, root *RootOptions) {
	if c.Flags().Lookup("filename") != nil {
		_ = c.MarkFlagFilename("filename", "yaml", "yml", "json")
	}
	if c.Flags().Lookup("remote-kubeconfig") != nil {
		_ = c.MarkFlagFilename("remote-kubeconfig")
	}
	if c.Flags().Lookup("remote-context") != nil {
		_ = c.RegisterFlagCompletionFunc("remote-context", func(c *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return completeContexts(c, root, toComplete), cobra.ShellCompDirectiveNoFileComp
		})
	}
	_ = c.RegisterFlagCompletionFunc("kubevirt-config", func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return completeNames(root, cluster.KubevirtConfigs, "", toComplete, nil)
	})
	for flag, values := range map[string][]string{
		"naming":      namings,
		"dry-run":     {"none", "client", "server"},
		"volume-mode": volumeModes,
		"access-mode": accessModes,
		"report":      printer.ReportFormats,
	} {
		if c.Flags().Lookup(flag) != nil {
			_ = c.RegisterFlagCompletionFunc(flag, completeValues(values))
		}
	}
}

// completeContexts lists the contexts --remote-context can name: those of --remote-kubeconfig, else
// of --kubeconfig, else of $KUBECONFIG or ~/.kube/config (where overrideConfig looks them up).
func completeContexts(c *cobra.Command, root *RootOptions, prefix string) []cobra.Completion {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if p, _ := c.Flags().GetString("remote-kubeconfig"); p != "" {
		rules.ExplicitPath = p
	} else if kc := root.ConfigFlags.KubeConfig; kc != nil && *kc != "" {
		rules.ExplicitPath = *kc
	}
	raw, err := rules.Load()
	if err != nil {
		return nil
	}
	var out []cobra.Completion
	for name := range raw.Contexts {
		if strings.HasPrefix(name, prefix) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// completeValues completes a flag to fixed values. A value ending in "=" (jsonpath=) is completed
// without a trailing space, so the template can follow.
func completeValues(values []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		directive := cobra.ShellCompDirectiveNoFileComp
		var out []cobra.Completion
		for _, v := range values {
			if strings.HasPrefix(v, toComplete) {
				out = append(out, v)
				if strings.HasSuffix(v, "=") {
					directive |= cobra.ShellCompDirectiveNoSpace
				}
			}
		}
		return out, directive
	}
}

// registerNamespaceCompletion completes -n with the supervisor's namespaces.
func registerNamespaceCompletion(root *cobra.Command, o *RootOptions) {
	_ = root.RegisterFlagCompletionFunc("namespace", func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return completeNames(o, cluster.Namespaces, "", toComplete, nil)
	})
}

func completeNames(root *RootOptions, r cluster.Resource, namespace, prefix string, exclude []string) ([]cobra.Completion, cobra.ShellCompDirective) {
	cfg, err := root.ConfigFlags.ToRESTConfig()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	c, err := root.clients.supervisor(cfg, cluster.DefaultLimits)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(context.Background(), completionTimeout)
	defer cancel()
	skip := map[string]bool{}
	for _, e := range exclude {
		skip[e] = true
	}
	var out []cobra.Completion
	_ = c.List(ctx, r, namespace, "", func(u *unstructured.Unstructured) error {
		if n := u.GetName(); strings.HasPrefix(n, prefix) && !skip[n] {
			out = append(out, n)
		}
		return nil
	})
	return out, cobra.ShellCompDirectiveNoFileComp
}
