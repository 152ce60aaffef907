package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vitistack/kubectl-vitimachine/pkg/guest"
)

// childExitError carries the exit status of a program the command ran in its place (ssh, scp),
// which has said what went wrong itself.
type childExitError struct{ code int }

func (e *childExitError) Error() string { return "" }

// SSHOptions carries `kubectl vitimachine ssh` and `scp`.
type SSHOptions struct {
	*guestFlags
	program    string
	Identity   string
	Login      string
	Port       int
	KnownHosts string

	args []string
	ssh  guest.SSH
}

// sshOwnFlag says whether a flag is ssh's and scp's own, not passed on to the ProxyCommand.
func sshOwnFlag(name string) bool {
	switch name {
	case "identity-file", "login", "port", "known-hosts", "namespace":
		return true
	}
	return false
}

// NewCmdSSH builds `kubectl vitimachine ssh`.
func NewCmdSSH(root *RootOptions) *cobra.Command {
	return newCmdOpenSSH(root, "ssh")
}

// NewCmdSCP builds `kubectl vitimachine scp`.
func NewCmdSCP(root *RootOptions) *cobra.Command {
	return newCmdOpenSSH(root, "scp")
}

func newCmdOpenSSH(root *RootOptions, program string) *cobra.Command {
	o := &SSHOptions{guestFlags: newGuestFlags(root), program: program, Port: 22}
	use, short, example := "ssh [USER@]NAME [-- SSH ARGS...]", "Log in to a Machine's guest with the local OpenSSH client",
		`  # A shell
  kubectl vitimachine ssh -n team-a fedora@web-1 -i ~/.ssh/id_ed25519

  # A command
  kubectl vitimachine ssh -n team-a web-1 -l fedora -- uptime

  # A local forward through ssh
  kubectl vitimachine ssh -n team-a web-1 -- -L 8080:localhost:80 -N`
	if program == "scp" {
		use, short, example = "scp SOURCE... TARGET (one side [USER@]NAME:PATH) [-- SCP ARGS...]", "Copy files to or from a Machine's guest with the local OpenSSH scp",
			`  # A file to the guest
  kubectl vitimachine scp -n team-a ./app.tar.gz fedora@web-1:/tmp/

  # A folder from the guest
  kubectl vitimachine scp -n team-a -- -r fedora@web-1:/var/log/app ./logs`
	}
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Long: short + `: the program runs with ProxyCommand set to this plugin's own
"port-forward --stdio" to the guest's --port (KubeVirt's port-forward stream on the Machine's remote
cluster, resolved as "status" resolves it; the cluster flags given here are passed on), so no
address of the guest needs to be reachable, and with HostKeyAlias vitimachine/NAMESPACE/NAME: the
guest's host key is known by its Machine, never by an address, in --known-hosts (default
~/.ssh/known_hosts, ssh's own file, so ssh's usual checks and prompts apply).

The Machine's VM must be running; that is checked before the program starts. Arguments after --
go to the program as they are. The exit status is the program's, or 2 when the Machine cannot be
reached. --token is refused: it would be visible in the ProxyCommand.`,
		Example:           example,
		ValidArgsFunction: completeMachines(root),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Validate(c, args); err != nil {
				return err
			}
			if err := o.Complete(c); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Identity, "identity-file", "i", "", "Private key file for the login")
	f.StringVarP(&o.Login, "login", "l", "", "User to log in as on the guest (also USER@NAME)")
	f.IntVarP(&o.Port, "port", "p", o.Port, "The guest's ssh port")
	f.StringVar(&o.KnownHosts, "known-hosts", "", "Known-hosts file for the guest's host key (default ~/.ssh/known_hosts)")
	o.Target.AddFlags(f)
	registerCompletions(c, root)
	return c
}

// Validate reads the Machine out of the arguments. It reads nothing else.
func (o *SSHOptions) Validate(c *cobra.Command, args []string) error {
	if err := o.validate(c); err != nil {
		return err
	}
	if o.Port < 1 || o.Port > 65535 {
		return newUsageError(c, fmt.Errorf("--port must be from 1 to 65535"))
	}
	if c.Flags().Changed("token") {
		return newUsageError(c, fmt.Errorf("--token would be visible in %s's ProxyCommand; use a kubeconfig with the credential", o.program))
	}
	var user, name string
	var err error
	if o.program == "ssh" {
		if len(args) == 0 {
			return newUsageError(c, fmt.Errorf("give the Machine: ssh [USER@]NAME"))
		}
		user, name, err = guest.ParseTarget(args[0])
	} else {
		user, name, err = guest.SCPArgs(args)
	}
	if err != nil {
		return newUsageError(c, err)
	}
	if o.Login != "" {
		if user != "" && user != o.Login {
			return newUsageError(c, fmt.Errorf("two users: %q before @ and -l %q", user, o.Login))
		}
		user = o.Login
	}
	o.args, o.name = args, name
	o.ssh = guest.SSH{Machine: name, Port: o.Port, User: user, Identity: o.Identity, KnownHosts: o.KnownHosts}
	return nil
}

// Complete builds the clients and the ProxyCommand: this binary's port-forward --stdio with every
// cluster flag given here.
func (o *SSHOptions) Complete(c *cobra.Command) error {
	if err := o.complete(o.name); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this program for %s's ProxyCommand: %w", o.program, err)
	}
	proxy := []string{self, "port-forward", "--stdio"}
	c.Flags().Visit(func(f *pflag.Flag) {
		if sshOwnFlag(f.Name) {
			return
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				proxy = append(proxy, "--"+f.Name+"="+v)
			}
			return
		}
		proxy = append(proxy, "--"+f.Name+"="+f.Value.String())
	})
	o.ssh.Namespace = o.namespace
	o.ssh.Proxy = append(proxy, "-n", o.namespace, o.name)
	if o.ssh.KnownHosts == "" {
		home := o.root.Env.get("HOME")
		if home == "" {
			return fmt.Errorf("no HOME for ~/.ssh/known_hosts; give --known-hosts")
		}
		o.ssh.KnownHosts = filepath.Join(home, ".ssh", "known_hosts")
	}
	return nil
}

// Run checks that the guest runs, then runs the program in the command's place.
func (o *SSHOptions) Run(ctx context.Context) error {
	path, err := exec.LookPath(o.program)
	if err != nil {
		return fmt.Errorf("%s is not on PATH: install the OpenSSH client (openssh-client)", o.program)
	}
	if _, err := o.locate(ctx); err != nil {
		return err
	}
	args := o.ssh.Options()
	if o.program == "ssh" {
		args = append(append(args, o.name), o.args[1:]...)
	} else {
		args = append(args, o.args...)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.root.In, o.root.Out, o.root.ErrOut
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &childExitError{code: ee.ExitCode()}
	}
	return err
}
