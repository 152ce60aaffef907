// Command demo is `make demo`: it starts a local supervisor and a remote KubeVirt control plane
// (real kube-apiserver and etcd), loads the examples, runs the plugin through kubectl against them,
// shows what was created, deletes one Machine's objects again, and tears everything down, also on
// Ctrl-C.
//
// It expects kubectl-vitimachine and kubectl on PATH and KUBEBUILDER_ASSETS set (the Makefile does
// both).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// remote is the demo's KubeVirt cluster; examples/kubevirtconfig.yaml registers the same name.
const remote = "kubevirt-1"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "vitimachine-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	step("Starting a supervisor and a remote KubeVirt control plane on 127.0.0.1 (kube-apiserver + etcd)")
	start := time.Now()
	env, err := testenv.Start(ctx, testenv.Options{Remotes: []string{remote}, Dir: dir, KubeVirtAPI: true})
	if err != nil {
		return err
	}
	defer func() {
		step("Tearing down the control planes")
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "demo: stop:", err)
		}
	}()
	fmt.Printf("   up in %s; supervisor kubeconfig %s, remote kubeconfig %s\n", time.Since(start).Round(100*time.Millisecond),
		env.Supervisor.KubeconfigPath, env.Remote(remote).KubeconfigPath)
	fmt.Printf("   KubevirtConfig %q and its Secret %s/%s-kubeconfig are registered on the supervisor\n", remote, testenv.SecretNamespace, remote)

	d := demo{ctx: ctx, dir: dir, supervisor: env.Supervisor.KubeconfigPath, remote: env.Remote(remote).KubeconfigPath, vmiFile: filepath.Join(dir, "vmi.yaml")}
	if err := os.WriteFile(d.vmiFile, []byte(vmi), 0o600); err != nil {
		return err
	}
	return d.script()
}

// vmi is the running instance virt-controller would make for default/vm-my-vm, with the address
// virt-handler would report (its CRD has no status subresource: the status is created with it).
const vmi = `apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata:
  name: vm-my-vm
  namespace: default
spec:
  domain:
    devices: {}
status:
  phase: Running
  nodeName: node-1
  interfaces:
  - name: default
    ipAddress: 10.244.0.12
    ipAddresses: [10.244.0.12]
`

type demo struct {
	ctx                context.Context
	dir                string
	supervisor, remote string
	vmiFile            string
}

func (d demo) script() error {
	steps := []struct {
		title string
		args  []string
		codes []int // accepted exit codes
	}{
		{"The plugin, found by kubectl on PATH", []string{"plugin", "list", "--name-only"}, nil},
		{"Client and supervisor versions", []string{"vitimachine", "version"}, nil},
		{"Preflight: can you run the plugin against these clusters? Every check, with its fix when it fails", []string{"vitimachine", "doctor"}, nil},
		{"Load the example MachineClasses on the supervisor", []string{"apply", "-f", "examples/machineclasses.yaml"}, nil},
		{"The custom namespace must exist on the supervisor (never on the remote: that is the plugin's job)", []string{"create", "namespace", "test-namespace"}, nil},
		{"Preview: what create would do, with a diff (exit 1: differences)", []string{"vitimachine", "diff", "-f", "examples/machine-small.yaml", "-f", "examples/machine-custom-namespace.yaml"}, []int{1}},
		{"Server dry-run: every write sent with dryRun=All, nothing stored", []string{"vitimachine", "create", "-f", "examples/machine-small.yaml", "-f", "examples/machine-custom-namespace.yaml", "--dry-run=server"}, nil},
		{"Create for real: namespace first, then PVCs, then the VirtualMachine", []string{"vitimachine", "create", "-f", "examples/machine-small.yaml", "-f", "examples/machine-custom-namespace.yaml"}, nil},
		{"status: every Machine with its live VM, disks and address, one table across clusters (no controller runs here: the VMs have no status yet)", []string{"vitimachine", "status", "-A"}, nil},
		{"Play virt-controller and virt-handler: report default/vm-my-vm Running, bind its PVC, give it an instance with an address", []string{"--kubeconfig", d.remote, "patch", "virtualmachine", "vm-my-vm", "-n", "default", "--subresource=status", "--type=merge", "-p", `{"status":{"printableStatus":"Running","ready":true}}`}, nil},
		{"", []string{"--kubeconfig", d.remote, "patch", "pvc", "vm-my-vm-root-pvc", "-n", "default", "--subresource=status", "--type=merge", "-p", `{"status":{"phase":"Bound"}}`}, nil},
		{"", []string{"--kubeconfig", d.remote, "create", "-f", d.vmiFile}, nil},
		{"status -o wide: also the node, the Machine's own phase, and whether the VM drifted from what create renders", []string{"vitimachine", "status", "-A", "-o", "wide"}, nil},
		{"Day-2: stop a Machine with KubeVirt's own stop call (a stand-in virt-api and virt-controller answer it here), and wait until it is Stopped", []string{"vitimachine", "stop", "-n", "default", "my-vm", "--wait", "--timeout", "1m"}, nil},
		{"status shows it Stopped; stop again is a no-op", []string{"vitimachine", "status", "-n", "default"}, nil},
		{"", []string{"vitimachine", "stop", "-n", "default", "my-vm"}, nil},
		{"Start it again, and wait until it is Running", []string{"vitimachine", "start", "-n", "default", "my-vm", "--wait", "--timeout", "1m"}, nil},
		{"", []string{"vitimachine", "status", "-n", "default"}, nil},
		{"The namespaces on the remote KubeVirt cluster: test-namespace was created, with the managed-by label", []string{"--kubeconfig", d.remote, "get", "namespaces", "-L", "managed-by"}, nil},
		{"The PVCs and VirtualMachines on the remote, with their labels", []string{"--kubeconfig", d.remote, "get", "pvc,virtualmachines", "-A", "-L", "managed-by,vitistack.io/source-machine,disk-type"}, nil},
		{"The Machines on the supervisor now record their KubevirtConfig", []string{"get", "machines", "-A", "-o", "custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name,KUBEVIRT-CONFIG:.metadata.annotations.vitistack\\.io/kubevirt-config"}, nil},
		{"Run again: nothing to do, nothing written", []string{"vitimachine", "create", "-f", "examples/machine-small.yaml", "-f", "examples/machine-custom-namespace.yaml"}, nil},
		{"diff now finds no differences (exit 0)", []string{"vitimachine", "diff", "-f", "examples/machine-small.yaml", "-f", "examples/machine-custom-namespace.yaml"}, nil},
		{"Cloud-init from a Secret on the supervisor, as the example's comment says", []string{"create", "secret", "generic", "web-cloud-init", "--from-file=userdata=examples/cloud-config.yaml"}, nil},
		{"", []string{"vitimachine", "create", "-f", "examples/machine-cloudinit.yaml"}, nil},
		{"On the remote, the data sits in a Secret of its own (keys and sizes only here)", []string{"--kubeconfig", d.remote, "describe", "secret", "vm-web-ci-cloudinit"}, nil},
		{"The VirtualMachine only references it: the user data is not in the VM", []string{"--kubeconfig", d.remote, "get", "virtualmachine", "vm-web-ci", "-o", "jsonpath={.spec.template.spec.volumes}{\"\\n\"}"}, nil},
		{"ns-sync: a batch of Machines in two more namespaces, applied with plain kubectl", []string{"create", "namespace", "team-a"}, nil},
		{"", []string{"create", "namespace", "team-b"}, nil},
		{"", []string{"apply", "-f", "examples/machines-batch.yaml"}, nil},
		{"A namespace the plugin once created on the remote, whose Machines are gone (an orphan)", []string{"--kubeconfig", d.remote, "create", "namespace", "old-project"}, nil},
		{"", []string{"--kubeconfig", d.remote, "label", "namespace", "old-project", "managed-by=vitistack-kubevirt-operator"}, nil},
		{"ns-sync preview: one namespace list per cluster, nothing written", []string{"vitimachine", "ns-sync", "--dry-run=client"}, nil},
		{"ns-sync: every Machine's namespace on its cluster; the orphan is reported, never deleted", []string{"vitimachine", "ns-sync"}, nil},
		{"ns-sync again: nothing to do", []string{"vitimachine", "ns-sync", "-o", "yaml"}, nil},
		{"The remote's namespaces now", []string{"--kubeconfig", d.remote, "get", "namespaces", "-L", "managed-by"}, nil},
		{"delete preview: what delete would remove for one Machine, sent with dryRun=All", []string{"vitimachine", "delete", "-f", "examples/machine-custom-namespace.yaml", "--dry-run=server"}, nil},
		{"delete: the VirtualMachine first, then its PVCs; the namespace stays", []string{"vitimachine", "delete", "-f", "examples/machine-custom-namespace.yaml"}, nil},
		{"The remote: the namespace stays, the VM is gone; the PVCs wait for kubernetes.io/pvc-protection (no controller runs here to release them)", []string{"--kubeconfig", d.remote, "get", "namespace", "test-namespace"}, nil},
		{"", []string{"--kubeconfig", d.remote, "get", "pvc,virtualmachines", "-n", "test-namespace"}, nil},
		{"delete again: nothing more to delete", []string{"vitimachine", "delete", "-f", "examples/machine-custom-namespace.yaml"}, nil},
	}
	for _, s := range steps {
		if err := d.ctx.Err(); err != nil {
			return errors.New("interrupted")
		}
		if s.title != "" {
			step(s.title)
		}
		if err := d.kubectl(s.args, s.codes); err != nil {
			return err
		}
	}
	step("Done")
	return nil
}

// kubectl runs kubectl with the supervisor as the current context and prints the command first.
func (d demo) kubectl(args []string, accept []int) error {
	shown := make([]string, len(args))
	for i, a := range args {
		shown[i] = strings.ReplaceAll(a, d.dir+string(filepath.Separator), "$DEMO/")
		if strings.ContainsAny(shown[i], ` {}"\*`) {
			shown[i] = "'" + shown[i] + "'" // as a shell would need it
		}
	}
	fmt.Printf("\n$ kubectl %s\n", strings.Join(shown, " "))
	cmd := exec.CommandContext(d.ctx, "kubectl", args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+d.supervisor, "HOME="+d.dir)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		for _, c := range accept {
			if ee.ExitCode() == c {
				fmt.Printf("(exit %d)\n", c)
				return nil
			}
		}
	}
	if err != nil {
		return fmt.Errorf("kubectl %s: %w", strings.Join(shown, " "), err)
	}
	return nil
}

func step(s string) {
	fmt.Printf("\n==> %s\n", s)
}
