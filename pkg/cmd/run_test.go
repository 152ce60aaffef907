package cmd

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// machineDoc is a kubevirt Machine in namespace team on the remote kv-a.
func machineDoc(name string) string {
	return "apiVersion: vitistack.io/v1alpha1\nkind: Machine\nmetadata:\n  name: " + name + "\n  namespace: team\n" +
		"  annotations:\n    vitistack.io/kubevirt-config: kv-a\nspec:\n  provider: kubevirt\n"
}

// run runs the plugin's root command over fake clusters (the injected factory), with the
// kubeconfig of kubeconfigFile (current namespace team), and returns the exit code and output.
func runFake(t *testing.T, w *clustertest.World, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	clients := factory{
		supervisor: func(*rest.Config, cluster.Limits) (*cluster.Client, error) { return w.Supervisor.Client, nil },
		remote:     w.NewClient,
	}
	root := newRootCmd(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Env{}, clients)
	kc := "--kubeconfig=" + kubeconfigFile(t)
	if len(args) > 2 && args[0] == "__complete" {
		// The word to complete stays last.
		root.SetArgs(append([]string{args[0], args[1], kc}, args[2:]...))
	} else {
		root.SetArgs(append(args, kc))
	}
	err := root.Execute()
	if msg := ErrorMessage(err); msg != "" {
		errOut.WriteString("error: " + msg + "\n")
	}
	return ExitCode(err), out.String(), errOut.String()
}

func wantRun(t *testing.T, what string, code int, out string, wantCode int, wants ...string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("%s: exit %d, want %d\n%s", what, code, wantCode, out)
	}
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s: no %q in\n%s", what, w, out)
		}
	}
}

func TestCreateDiffDeleteThroughTheFactory(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"}, machineDoc("web"))
	file := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(file, []byte(machineDoc("web")), 0o600); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := runFake(t, w, "diff", "web")
	wantRun(t, "diff", code, out+errOut, 1, "+++ desired/kv-a/kubevirt.io.v1.VirtualMachine.team.vm-web")

	code, out, errOut = runFake(t, w, "create", "-f", file, "--dry-run=client")
	wantRun(t, "create --dry-run=client", code, out+errOut, 0, "would create", "(dry run: client)")
	if n := w.Remotes["kv-a"].Writes(); n != 0 {
		t.Errorf("a client dry run wrote %d objects", n)
	}

	code, out, errOut = runFake(t, w, "create", "web", "-o", "name")
	wantRun(t, "create -o name", code, out+errOut, 0, "virtualmachine.kubevirt.io/vm-web")

	code, out, errOut = runFake(t, w, "create", "web")
	wantRun(t, "create again", code, out+errOut, 0, "0 created, 3 unchanged, 0 failed")

	code, out, errOut = runFake(t, w, "diff", "web")
	wantRun(t, "diff after create", code, out+errOut, 0)

	code, out, errOut = runFake(t, w, "delete", "web", "--dry-run=client", "--diff")
	wantRun(t, "delete --dry-run=client", code, out+errOut, 0, "would delete", "virtualmachine.kubevirt.io/vm-web")

	code, out, errOut = runFake(t, w, "delete", "web")
	wantRun(t, "delete", code, out+errOut, 0, "deleted", "kept: namespaces are never deleted")
}

func TestStatusNSSyncVersionThroughTheFactory(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"}, machineDoc("web"), machineDoc("db"))

	code, out, errOut := runFake(t, w, "status")
	wantRun(t, "status", code, out+errOut, 0, "MACHINE", "web", "db", "NotProvisioned")

	code, out, errOut = runFake(t, w, "status", "-A", "-o", "json")
	wantRun(t, "status -o json", code, out+errOut, 0, `"machine"`)

	code, out, errOut = runFake(t, w, "ns-sync", "--dry-run=server")
	wantRun(t, "ns-sync --dry-run=server", code, out+errOut, 0, "kv-a", "team")

	code, out, errOut = runFake(t, w, "ns-sync")
	wantRun(t, "ns-sync", code, out+errOut, 0, "created")
	if w.Remotes["kv-a"].Writes() == 0 {
		t.Error("ns-sync created no namespace")
	}

	code, out, errOut = runFake(t, w, "version", "-o", "json")
	wantRun(t, "version", code, out+errOut, 0, `"supervisorVersion"`, `"kubevirtConfig": "kv-a"`)

	code, out, errOut = runFake(t, w, "status", "nope")
	wantRun(t, "status of a missing Machine", code, out+errOut, 2, "nope")
}

func TestDoctorThroughTheFactory(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"}, machineDoc("web"))
	code, out, errOut := runFake(t, w, "doctor")
	wantRun(t, "doctor", code, out+errOut, 0, "default storageclass                                kv-a        ok      standard", "38 ok, 0 warn, 0 fail")
	w.Remotes["kv-a"].Fail("list", "storageclasses", "", errors.New("boom"))
	code, out, errOut = runFake(t, w, "doctor", "-o", "json")
	wantRun(t, "doctor with a failing remote", code, out+errOut, 2, `"check": "default storageclass"`, "boom")
}

func TestMoreRunsThroughTheFactory(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"}, machineDoc("web"), machineDoc("db"))

	code, out, errOut := runFake(t, w, "create", "-l", "nope=x")
	wantRun(t, "create -l matching nothing", code, out+errOut, 0, "No Machines found in team namespace matching -l nope=x.")
	code, out, errOut = runFake(t, w, "status", "-l", "nope=x")
	wantRun(t, "status -l matching nothing", code, out+errOut, 0, "No Machines found")

	code, out, errOut = runFake(t, w, "version")
	wantRun(t, "version", code, out+errOut, 0, "Supervisor Version: v1.37.2", "Remote Version (KubevirtConfig kv-a): v1.37.2")
	code, out, errOut = runFake(t, w, "version", "-o", "yaml")
	wantRun(t, "version -o yaml", code, out+errOut, 0, "supervisorVersion: v1.37.2")

	code, out, errOut = runFake(t, w, "ns-sync", "-o", "json")
	wantRun(t, "ns-sync -o json", code, out+errOut, 0, `"namespace": "team"`)

	// The fake VM never runs: --wait gives up after --timeout, naming the VM.
	code, out, errOut = runFake(t, w, "create", "web", "--wait", "--timeout", "1s")
	wantRun(t, "create --wait", code, out+errOut, 2, "vm-web")
	// The fake deletes at once: --wait returns when everything is gone.
	code, out, errOut = runFake(t, w, "delete", "web", "--wait", "--timeout", "10s")
	wantRun(t, "delete --wait", code, out+errOut, 0, "deleted")

	code, out, errOut = runFake(t, w, "__complete", "create", "")
	wantRun(t, "complete Machine names", code, out+errOut, 0, "db", "web")
	code, out, errOut = runFake(t, w, "__complete", "create", "--naming", "")
	wantRun(t, "complete --naming", code, out+errOut, 0, "seed", "operator")
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		code, out, errOut = runFake(t, w, "completion", shell)
		wantRun(t, "completion "+shell, code, out+errOut, 0, "vitimachine")
	}
}

// refusing is create's actor that refuses at the confirmation: the runner writes nothing.
type refusing struct{ creator }

func (refusing) confirm(context.Context, []*pipeline.Plan) error { return errors.New("not confirmed") }

func TestRunnerConfirmsBeforeApplying(t *testing.T) {
	w := clustertest.NewWorld([]string{"kv-a"}, machineDoc("web"))
	var out, errOut bytes.Buffer
	kc := kubeconfigFile(t)
	root := &RootOptions{ConfigFlags: NewConfigFlags(), Color: "never",
		IOStreams: genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		clients: factory{
			supervisor: func(*rest.Config, cluster.Limits) (*cluster.Client, error) { return w.Supervisor.Client, nil },
			remote:     w.NewClient,
		}}
	root.ConfigFlags.KubeConfig = &kc
	o := &CreateOptions{root: root, Pipeline: newPipelineFlags(), Report: "table"}
	c := &cobra.Command{Use: "create"}
	o.Pipeline.AddFlags(c.Flags(), "")
	run, err := o.Pipeline.complete(c, root, []string{"web"}, write.Writer{})
	if err != nil {
		t.Fatal(err)
	}
	o.run = run
	if err := o.RunFlags.run(context.Background(), root, refusing{creator{o}}); err == nil || err.Error() != "not confirmed" {
		t.Fatalf("run: %v", err)
	}
	if n := w.Supervisor.Writes() + w.Remotes["kv-a"].Writes(); n != 0 {
		t.Errorf("%d writes after a refused confirmation", n)
	}
	if out.Len() != 0 {
		t.Errorf("printed %q", out.String())
	}
}
