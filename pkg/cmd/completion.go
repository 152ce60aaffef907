package cmd

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// kubectlShim is the script kubectl (>= 1.26) runs to complete `kubectl vitimachine <TAB>`: kubectl
// looks for an executable named kubectl_complete-<plugin> on PATH and passes it the words typed so far.
const kubectlShim = `#!/usr/bin/env sh
# kubectl_complete-vitimachine: lets "kubectl vitimachine <TAB>" complete through kubectl (>= 1.26).
exec kubectl-vitimachine __complete "$@"
`

// ShimName is the file name kubectl looks for on PATH.
const ShimName = "kubectl_complete-vitimachine"

// NewCmdCompletion builds `kubectl vitimachine completion SHELL`.
func NewCmdCompletion(root *RootOptions) *cobra.Command {
	var installDir string
	c := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell|kubectl-shim",
		Short: "Print a shell completion script, or the shim that completes through kubectl",
		Long: `Print a shell completion script for kubectl-vitimachine.

With "kubectl-shim", print (or with --install-dir, install) the kubectl_complete-vitimachine
script. kubectl 1.26 and later run it when you press TAB after "kubectl vitimachine", so
completion works through kubectl's own completion. Put it in a folder on PATH, for example
the krew bin folder (~/.krew/bin).`,
		Example: `  # Complete "kubectl vitimachine <TAB>" through kubectl's own completion
  kubectl vitimachine completion kubectl-shim --install-dir ~/.krew/bin

  # Bash completion for the kubectl-vitimachine binary
  source <(kubectl vitimachine completion bash)`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell", "kubectl-shim"},
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		RunE: func(c *cobra.Command, args []string) error {
			out := root.Out
			switch args[0] {
			case "bash":
				return c.Root().GenBashCompletionV2(out, true)
			case "zsh":
				return c.Root().GenZshCompletion(out)
			case "fish":
				return c.Root().GenFishCompletion(out, true)
			case "powershell":
				return c.Root().GenPowerShellCompletionWithDesc(out)
			}
			if installDir == "" {
				_, err := fmt.Fprint(out, kubectlShim)
				return err
			}
			path := filepath.Join(installDir, ShimName)
			if err := os.WriteFile(path, []byte(kubectlShim), 0o755); err != nil {
				return fmt.Errorf("install the completion shim: %w", err)
			}
			_, err := fmt.Fprintf(out, "installed %s\n", path)
			return err
		},
	}
	c.Flags().StringVar(&installDir, "install-dir", "", "With kubectl-shim: write the shim into this folder instead of printing it")
	return c
}
