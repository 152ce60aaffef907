package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// TestHangingRemoteFailsOnlyItsOwnMachines: create and diff bound each remote cluster's work with
// --cluster-timeout, so a remote that never answers fails its own Machines, naming the cluster,
// and the Machines of the healthy cluster finish. The KubevirtConfig is registered on the second
// supervisor, for this test only, and the runs write nothing there (client dry run, diff).
func TestHangingRemoteFailsOnlyItsOwnMachines(t *testing.T) {
	s := needEnv(t)
	hang := fmt.Sprintf("kv-hang-%d", nsCounter.Add(1))
	s.registerTemporarily(t, hang, withServer(t, s.env.Remote(remoteA).Kubeconfig, hangingServer(t)))
	ns := fmt.Sprintf("%s-ns", hang)
	file := writeFile(t, "m.yaml", machineYAML(ns, "stuck", annotation(hang), "")+"---\n"+machineYAML(ns, "fine", annotation(remoteA), "")+
		"---\n"+machineYAML(ns, "stuck-too", annotation(hang), ""))

	const timeout = 3 * time.Second
	for _, args := range [][]string{
		{"create", "-f", file, "--dry-run=client", "--cluster-timeout", timeout.String()},
		{"diff", "-f", file, "--cluster-timeout", timeout.String()},
	} {
		start := time.Now()
		r := s.kubectl(t, call{args: append([]string{"vitimachine"}, args...), supervisor: s.nsSup})
		took := time.Since(start)
		mustExit(t, r, 2)
		want := "cluster " + hang + " (context " + currentContext(t, s.env.Remote(remoteA).Kubeconfig) + ") did not answer within --cluster-timeout=3s"
		if args[0] == "create" {
			for _, m := range []string{"stuck", "stuck-too"} {
				if got := reportRow(r.stdout, ns+"/"+m); !strings.Contains(got, "error: cluster "+hang+": ") || !strings.Contains(got, want) {
					t.Errorf("create: row of %s: %q\n%s", m, got, r)
				}
			}
			if got := action(r.stdout, "virtualmachine.kubevirt.io/vm-fine", remoteA); got != "would create" {
				t.Errorf("create: the healthy cluster's VM: %q\n%s", got, r)
			}
			mustContain(t, "create", r.stdout, "2 failed")
		} else {
			mustContain(t, "diff", r.stdout, "+++ desired/kv-a/kubevirt.io.v1.VirtualMachine."+ns+".vm-fine")
			mustContain(t, "diff", r.stderr, "cluster "+hang+": ", want)
		}
		// The cluster costs its deadline once, not once per Machine or per request; the bound is
		// loose on purpose (start-up, a loaded machine).
		if took > 3*timeout {
			t.Errorf("%s took %s with --cluster-timeout=%s", args[0], took.Round(time.Millisecond), timeout)
		}
	}
}

// TestRequestTimeoutReachesRemoteClusters: kubectl's --request-timeout bounds each request to a
// remote cluster too (it used to reach only the supervisor, and a hanging remote hung the run).
func TestRequestTimeoutReachesRemoteClusters(t *testing.T) {
	s := needEnv(t)
	hang := fmt.Sprintf("kv-hang-%d", nsCounter.Add(1))
	s.registerTemporarily(t, hang, withServer(t, s.env.Remote(remoteA).Kubeconfig, hangingServer(t)))
	ns := fmt.Sprintf("%s-ns", hang)
	file := writeFile(t, "m.yaml", machineYAML(ns, "slow", annotation(hang), ""))
	start := time.Now()
	r := s.kubectl(t, call{args: []string{"vitimachine", "create", "-f", file, "--dry-run=client", "--cluster-timeout=1h", "--request-timeout=2s"}, supervisor: s.nsSup})
	mustExit(t, r, 2)
	if got := reportRow(r.stdout, ns+"/slow"); !strings.Contains(got, "error: cluster "+hang+": ") {
		t.Errorf("row: %q\n%s", got, r)
	}
	// client-go cancels the timed-out requests through the plugin's transports (issue #20, bug 6).
	if strings.Contains(r.stderr, "unable to cancel request") {
		t.Errorf("klog warned about a request it could not cancel\n%s", r)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("--request-timeout=2s: the run took %s", took.Round(time.Millisecond))
	}
}

// reportRow is the first report row of a Machine ("namespace/name"), or "".
func reportRow(report, machine string) string {
	for _, line := range strings.Split(report, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == machine {
			return line
		}
	}
	return ""
}

// TestVersionBoundsEachRemote: version talks to every remote, each within --cluster-timeout.
func TestVersionBoundsEachRemote(t *testing.T) {
	s := needEnv(t)
	hang := fmt.Sprintf("kv-hang-%d", nsCounter.Add(1))
	s.registerTemporarily(t, hang, withServer(t, s.env.Remote(remoteA).Kubeconfig, hangingServer(t)))
	start := time.Now()
	r := mustExit(t, s.kubectl(t, call{args: []string{"vitimachine", "version", "--cluster-timeout", "2s"}, supervisor: s.nsSup}), 2)
	mustContain(t, "version", r.stdout, "Remote Version (KubevirtConfig kv-a): v1.37.2", "Remote Version (KubevirtConfig "+hang+"): <unknown>: ")
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("version with --cluster-timeout=2s took %s", took.Round(time.Millisecond))
	}
}

// TestHangingClusterDoesNotFailAHealthyOne: a cluster's --cluster-timeout measures its own requests
// only. Real create and delete plan every Machine before they write, so the healthy cluster's
// writes come after the hanging one's deadline; they must not fail for it (issue #20, bug 1).
func TestHangingClusterDoesNotFailAHealthyOne(t *testing.T) {
	s := needEnv(t)
	hang := fmt.Sprintf("kv-hang-%d", nsCounter.Add(1))
	s.registerTemporarily(t, hang, withServer(t, s.env.Remote(remoteA).Kubeconfig, hangingServer(t)))
	stuckNS, fineNS := hang+"-ns", fmt.Sprintf("h-%d", nsCounter.Add(1))
	for _, ns := range []string{stuckNS, fineNS} {
		s.create(t, s.nsSup, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n")
	}
	// The Machines go with the test, so that later unfiltered runs on this supervisor do not trip
	// over the one of a cluster that is gone.
	t.Cleanup(func() {
		_ = deleteObject(context.Background(), s.client(t, s.nsSup), cluster.Machines, stuckNS, "stuck")
		_ = deleteObject(context.Background(), s.client(t, s.nsSup), cluster.Machines, fineNS, "fine")
	})
	file := writeFile(t, "m.yaml", machineYAML(stuckNS, "stuck", annotation(hang), "")+"---\n"+machineYAML(fineNS, "fine", annotation(remoteA), ""))
	const timeout = 5 * time.Second
	a := s.env.Remote(remoteA)

	r := mustExit(t, s.kubectl(t, call{args: []string{"vitimachine", "create", "-f", file, "--cluster-timeout", timeout.String()}, supervisor: s.nsSup}), 2)
	for _, o := range []string{"namespace/" + fineNS, "persistentvolumeclaim/vm-fine-root-pvc", "virtualmachine.kubevirt.io/vm-fine"} {
		if got := action(r.stdout, o, remoteA); got != "created" {
			t.Errorf("create: %s on the healthy cluster: %q\n%s", o, got, r)
		}
	}
	if got := reportRow(r.stdout, stuckNS+"/stuck"); !strings.Contains(got, "did not answer within --cluster-timeout=5s") {
		t.Errorf("create: row of the stuck Machine: %q\n%s", got, r)
	}
	if s.get(t, a, cluster.VirtualMachines, fineNS, "vm-fine") == nil {
		t.Fatalf("create: the healthy cluster's VM was not created\n%s", r)
	}

	r = mustExit(t, s.kubectl(t, call{args: []string{"vitimachine", "delete", "-f", file, "--cluster-timeout", timeout.String()}, supervisor: s.nsSup}), 2)
	for _, o := range []string{"persistentvolumeclaim/vm-fine-root-pvc", "virtualmachine.kubevirt.io/vm-fine"} {
		if got := action(r.stdout, o, remoteA); got != "deleted" {
			t.Errorf("delete: %s on the healthy cluster: %q\n%s", o, got, r)
		}
	}
	if !s.gone(t, a, cluster.VirtualMachines, fineNS, "vm-fine") {
		t.Errorf("delete: the healthy cluster's VM is still there\n%s", r)
	}
}

// TestSilentSupervisorIsBoundedByClusterTimeout: --cluster-timeout bounds the supervisor too, so a
// supervisor that accepts connections and never answers fails every command after the deadline,
// naming the cluster, its context and the flag, instead of hanging.
func TestSilentSupervisorIsBoundedByClusterTimeout(t *testing.T) {
	s := needEnv(t)
	good := s.env.Supervisor.Kubeconfig
	kubeconfig := writeFile(t, "silent.kubeconfig", string(withServer(t, good, hangingServer(t))))
	want := "cluster supervisor (context " + currentContext(t, good) + ") did not answer within --cluster-timeout=2s"
	for _, args := range [][]string{
		{"status", "-A"},
		{"ns-sync"},
		{"doctor"},
		{"version"},
	} {
		t.Run(args[0], func(t *testing.T) {
			start := time.Now()
			r := s.kubectl(t, call{args: append([]string{"vitimachine"}, append(args, "--cluster-timeout", "2s")...), env: []string{"KUBECONFIG=" + kubeconfig}})
			took := time.Since(start)
			mustExit(t, r, 2)
			mustContain(t, args[0], r.stdout+r.stderr, want)
			if strings.Contains(r.stderr, "unable to cancel request") {
				t.Errorf("klog warned about a request it could not cancel\n%s", r)
			}
			// One deadline, not one per request, and well before client-go's own 10s TLS handshake
			// timeout (loose bound: start-up, a loaded machine).
			if took > 8*time.Second {
				t.Errorf("%s took %s with --cluster-timeout=2s", args[0], took.Round(time.Millisecond))
			}
		})
	}
}
