package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"github.com/spf13/cobra"
)

// kubectlShim is the script kubectl (>= 1.26) runs to complete `kubectl vitimachine <TAB>`: kubectl
// looks for an executable named kubectl_complete-<plugin> on PATH and passes it the words typed so far.
const kubectlShim = `#!/usr/bin/env sh
# kubectl_complete-vitimachine: lets "kubectl vitimachine <TAB>" complete through kubectl (>= 1.26).
exec kubectl-vitimachine __complete "$@"
`

// kubectlShimCmd is the same shim for Windows, where kubectl cannot run a sh script: a batch file
// kubectl_complete-vitimachine.cmd, which kubectl finds on PATH through PATHEXT.
const kubectlShimCmd = "@echo off\r\nrem kubectl_complete-vitimachine.cmd lets kubectl 1.26 and later complete kubectl vitimachine\r\n" +
	"kubectl-vitimachine __complete %*\r\n"

// ShimName is the file name kubectl looks for on PATH (with .cmd on Windows).
const ShimName = "kubectl_complete-vitimachine"

// shimFormats are the forms of the shim: a sh script, or a Windows batch file.
var shimFormats = []string{"sh", "cmd"}

// shim is the shim's file name and content in a format.
func shim(format string) (name, content string) {
	if format == "cmd" {
		return ShimName + ".cmd", kubectlShimCmd
	}
	return ShimName, kubectlShim
}

// defaultShimFormat is the shim this platform runs.
func defaultShimFormat() string {
	if runtime.GOOS == "windows" {
		return "cmd"
	}
	return "sh"
}

// completionShells are the arguments completion takes.
var completionShells = []string{"bash", "zsh", "fish", "powershell", "kubectl-shim"}

// completionArgs takes exactly one of completionShells and lists them otherwise.
func completionArgs(c *cobra.Command, args []string) error {
	switch {
	case len(args) == 0:
		return newUsageError(c, fmt.Errorf("give a shell: %s", orList(completionShells)))
	case len(args) > 1:
		return newUsageError(c, fmt.Errorf("give one shell, got %q (use %s)", args, orList(completionShells)))
	case !slices.Contains(completionShells, args[0]):
		return newUsageError(c, fmt.Errorf("unknown shell %q (use %s)", args[0], orList(completionShells)))
	}
	return nil
}

// NewCmdCompletion builds `kubectl vitimachine completion SHELL`.
func NewCmdCompletion(root *RootOptions) *cobra.Command {
	var installDir string
	format := defaultShimFormat()
	c := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell|kubectl-shim",
		Short: "Print a shell completion script, or the shim that completes through kubectl",
		Long: `Print a shell completion script for kubectl-vitimachine.

With "kubectl-shim", print (or with --install-dir, install) the kubectl_complete-vitimachine
script. kubectl 1.26 and later run it when you press TAB after "kubectl vitimachine", so
completion works through kubectl's own completion. Put it in a folder on PATH, for example
the krew bin folder (~/.krew/bin). On Windows the shim is a batch file,
kubectl_complete-vitimachine.cmd (--format cmd, the default there).`,
		Example: `  # Complete "kubectl vitimachine <TAB>" through kubectl's own completion
  kubectl vitimachine completion kubectl-shim --install-dir ~/.krew/bin

  # Bash completion for the kubectl-vitimachine binary
  source <(kubectl vitimachine completion bash)`,
		ValidArgs: completionShells,
		Args:      completionArgs,
		RunE: func(c *cobra.Command, args []string) error {
			out := root.Out
			if args[0] != "kubectl-shim" {
				for _, name := range []string{"install-dir", "format"} {
					if c.Flags().Changed(name) {
						return newUsageError(c, fmt.Errorf("--%s applies to kubectl-shim only; the %s script is printed: redirect it to a file, or source it (see the examples)", name, args[0]))
					}
				}
			}
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
			if !slices.Contains(shimFormats, format) {
				return newUsageError(c, fmt.Errorf("invalid --format %q (use sh or cmd)", format))
			}
			name, content := shim(format)
			if installDir == "" {
				_, err := fmt.Fprint(out, content)
				return err
			}
			path := filepath.Join(installDir, name)
			if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
				return fmt.Errorf("install the completion shim: %w", err)
			}
			_, err := fmt.Fprintf(out, "installed %s\n", path)
			return err
		},
	}
	c.Flags().StringVar(&installDir, "install-dir", "", "With kubectl-shim: write the shim into this folder instead of printing it")
	c.Flags().StringVar(&format, "format", format, "With kubectl-shim: sh (a script, "+ShimName+") or cmd (a Windows batch file, "+ShimName+".cmd)")
	_ = c.RegisterFlagCompletionFunc("format", completeValues(shimFormats))
	return c
}
