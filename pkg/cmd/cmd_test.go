package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

func TestExitCodesAndMessages(t *testing.T) {
	c := &cobra.Command{Use: "create NAME"}
	usage := newUsageError(c, errors.New(`invalid --naming "x"`))
	for _, tc := range []struct {
		err  error
		code int
		msg  string
	}{
		{nil, 0, ""},
		{ErrDifferences, 1, ""},
		{fmt.Errorf("wrapped: %w", ErrDifferences), 1, ""},
		{usage, 2, "invalid --naming \"x\"\n\nUsage:\n  create NAME\n\nSee 'create --help' for all flags and examples."},
		{&reportedError{msg: "2 failed"}, 2, "2 failed"},
		{errors.New("boom"), 2, "boom"},
	} {
		if got := ExitCode(tc.err); got != tc.code {
			t.Errorf("ExitCode(%v) = %d, want %d", tc.err, got, tc.code)
		}
		if got := ErrorMessage(tc.err); got != tc.msg {
			t.Errorf("ErrorMessage(%v) = %q, want %q", tc.err, got, tc.msg)
		}
	}
}

func TestColorPolicy(t *testing.T) {
	var buf bytes.Buffer // not a terminal
	for _, tc := range []struct {
		flag, noColor string
		want          bool
	}{
		{"always", "1", true}, {"never", "", false}, {"auto", "", false}, {"auto", "1", false},
	} {
		o := &RootOptions{Color: tc.flag, Env: Env{Getenv: func(k string) string {
			if k == "NO_COLOR" {
				return tc.noColor
			}
			return ""
		}}}
		if got := o.colorFor(&buf); got != tc.want {
			t.Errorf("--color=%s NO_COLOR=%q: %v, want %v", tc.flag, tc.noColor, got, tc.want)
		}
	}
}

func TestRedactBody(t *testing.T) {
	got := redactBody([]any{"verb", "POST", "body", `{"spec":{"userData":"secret"}}`})
	if got[1] != "POST" || strings.Contains(fmt.Sprint(got), "secret") || !strings.Contains(fmt.Sprint(got[3]), "30 bytes, not logged") {
		t.Errorf("redacted: %v", got)
	}
}

func TestHelpUsesTheKubectlName(t *testing.T) {
	var out bytes.Buffer
	root := NewRootCmd(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out}, Env{})
	root.SetArgs([]string{"create", "--help"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "kubectl vitimachine create (-f FILENAME [-R] | NAME... | -l SELECTOR | -A) [flags]") {
		t.Errorf("help:\n%s", out.String())
	}
}

// kubeconfigFile is a kubeconfig whose server nothing answers on: building clients from it needs no
// network, so flag checks after Complete can be tested.
func kubeconfigFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kubeconfig")
	const kc = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: team}}]
current-context: x
`
	if err := os.WriteFile(p, []byte(kc), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFlagValidation(t *testing.T) {
	kubeconfig := kubeconfigFile(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"create", "x", "--dry-run=maybe"}, "invalid --dry-run \"maybe\" (use \"none\", \"client\" or \"server\")"},
		{[]string{"create", "x", "--naming=fancy"}, "invalid --naming \"fancy\" (use seed or operator)"},
		{[]string{"create", "x", "--volume-mode=Raw"}, "invalid --volume-mode \"Raw\" (use Block or Filesystem)"},
		{[]string{"create", "x", "--access-mode=RWX"}, "invalid --access-mode \"RWX\" (use ReadWriteOnce, ReadWriteMany, ReadOnlyMany or ReadWriteOncePod)"},
		{[]string{"create", "x", "--managed-by-label=novalue"}, "invalid --managed-by-label \"novalue\" (use KEY=VALUE)"},
		{[]string{"create", "x", "-f", "m.yaml"}, "give either Machine names or -f, not both"},
		{[]string{"create", "x", "-o", "yaml", "--diff"}, "--diff and --output both write to stdout; use one"},
		{[]string{"create", "x", "--wait", "--dry-run=server"}, "--wait needs real writes; drop --dry-run or --wait"},
		{[]string{"create", "x", "--remote-kubeconfig", "k", "--kubevirt-config", "kv"}, "--remote-kubeconfig and --remote-context skip KubevirtConfigs; do not combine them with --kubevirt-config"},
		{[]string{"create"}, "name Machines (NAME...), give -f FILE, or select them with -l SELECTOR or -A"},
		{[]string{"create", "x", "--remote-context", "c", "--kubevirt-config", "kv"}, "--remote-kubeconfig and --remote-context skip KubevirtConfigs; do not combine them with --kubevirt-config"},
		{[]string{"delete"}, "name Machines (NAME...) or give -f FILE"},
		{[]string{"delete", "x", "-f", "m.yaml"}, "give either Machine names or -f, not both"},
		{[]string{"delete", "x", "--dry-run=maybe"}, "invalid --dry-run \"maybe\" (use \"none\", \"client\" or \"server\")"},
		{[]string{"delete", "x", "--naming=fancy"}, "invalid --naming \"fancy\" (use seed or operator)"},
		{[]string{"delete", "x", "--managed-by-label=novalue"}, "invalid --managed-by-label \"novalue\" (use KEY=VALUE)"},
		{[]string{"delete", "x", "-o", "yaml"}, "invalid --output \"yaml\" (use name)"},
		{[]string{"delete", "x", "-o", "name", "--diff"}, "--diff and --output both write to stdout; use one"},
		{[]string{"delete", "x", "--wait", "--dry-run=client"}, "--wait needs real deletes; drop --dry-run or --wait"},
		{[]string{"delete", "x", "--storage-class", "fast"}, "unknown flag: --storage-class"},
		{[]string{"delete", "x", "--remote-kubeconfig", "k", "--kubevirt-config", "kv"}, "--remote-kubeconfig and --remote-context skip KubevirtConfigs; do not combine them with --kubevirt-config"},
		{[]string{"ns-sync", "--remote-context", "c", "--kubevirt-config", "kv"}, "--remote-kubeconfig and --remote-context skip KubevirtConfigs; do not combine them with --kubevirt-config"},
		{[]string{"ns-sync", "--qps", "-1"}, "--qps and --burst must not be negative"},
		{[]string{"ns-sync", "--burst", "10"}, "--burst needs --qps (without --qps there is no client-side rate limit toward servers with API Priority and Fairness)"},
		{[]string{"ns-sync", "--concurrency=0"}, "--concurrency must be at least 1"},
		{[]string{"version", "-o", "table"}, "invalid --output \"table\" (use json or yaml)"},
		{[]string{"--color=sometimes", "version", "--client"}, "invalid --color \"sometimes\" (use auto, always or never)"},
		{[]string{"delete", "x", "--mac-prefix", "zz"}, "unknown flag: --mac-prefix"},
		{[]string{"delete", "x", "--iso-size", "4Gi"}, "unknown flag: --iso-size"},
		{[]string{"delete", "x", "--volume-mode", "Raw"}, "unknown flag: --volume-mode"},
		{[]string{"delete", "x", "-l", "a=b"}, "unknown shorthand flag: 'l' in -l"},
	} {
		args := tc.args
		var out bytes.Buffer
		root := NewRootCmd(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out}, Env{})
		root.SetArgs(append(args, "--kubeconfig="+kubeconfig))
		err := root.Execute()
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: error %v, want a usage error", args, err)
		}
		if got, _, _ := strings.Cut(ErrorMessage(err), "\n"); got != tc.want {
			t.Errorf("%v: %q\nwant %q", args, got, tc.want)
		}
		if ExitCode(err) != 2 {
			t.Errorf("%v: exit %d, want 2", args, ExitCode(err))
		}
		if out.Len() != 0 {
			t.Errorf("%v: printed %q before refusing", args, out.String())
		}
	}
}

type refusingTransport struct{}

func (refusingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
}

// TestErrorMessageOfAnUnreachableSupervisor: the message is the cluster's, without the request's
// method and URL that client-go puts around it.
func TestErrorMessageOfAnUnreachableSupervisor(t *testing.T) {
	rt := cluster.ExplainUnreachable(cluster.SupervisorID, "sup", "https://10.0.0.1:6443")(refusingTransport{})
	req, _ := http.NewRequest(http.MethodGet, "https://10.0.0.1:6443/api", nil)
	_, err := rt.RoundTrip(req)
	err = fmt.Errorf("list machines on the supervisor: %w", &url.Error{Op: "Get", URL: req.URL.String(), Err: err})
	got := ErrorMessage(err)
	want := `cannot reach the supervisor (context "sup", server https://10.0.0.1:6443): dial tcp: connect: connection refused; check the kubeconfig and the cluster with "kubectl vitimachine doctor"`
	if got != want || ExitCode(err) != ExitError {
		t.Errorf("got %q (exit %d)\nwant %q", got, ExitCode(err), want)
	}
}

// TestFlagGroupsPerCommand: each command registers exactly the flag groups it reads; delete renders
// nothing, so it has no rendering or storage flags and no listing (-l, -A).
func TestFlagGroupsPerCommand(t *testing.T) {
	groups := map[string][]string{
		"selection": {"filename", "recursive"},
		"listing":   {"selector", "all-namespaces"},
		"naming":    {"naming", "managed-by-label"},
		"rendering": {"mac-prefix", "iso-size"},
		"storage":   {"storage-class", "access-mode", "volume-mode"},
		"target":    {"remote-kubeconfig", "remote-context", "kubevirt-config", "allow-exec-plugin", "allow-remote-proxy", "qps", "burst", "cluster-timeout"},
	}
	for cmd, tc := range map[string]struct{ want, absent []string }{
		"create":  {want: []string{"selection", "listing", "naming", "rendering", "storage", "target"}},
		"diff":    {want: []string{"selection", "listing", "naming", "rendering", "storage", "target"}},
		"delete":  {want: []string{"selection", "naming", "target"}, absent: []string{"listing", "rendering", "storage"}},
		"ns-sync": {want: []string{"target"}, absent: []string{"selection", "rendering", "storage"}},
		"doctor":  {want: []string{"target"}, absent: []string{"selection", "rendering"}},
		"status":  {want: []string{"target"}, absent: []string{"selection", "rendering", "storage"}},
	} {
		root := NewRootCmd(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, Env{})
		c, _, err := root.Find([]string{cmd})
		if err != nil {
			t.Fatal(err)
		}
		for g, flags := range groups {
			registered := slices.Contains(tc.want, g)
			if !registered && !slices.Contains(tc.absent, g) && tc.absent != nil {
				continue // a flag of its own with the same name (ns-sync's -l, doctor's --storage-class)
			}
			for _, f := range flags {
				if got := c.Flags().Lookup(f) != nil; got != registered {
					t.Errorf("%s --%s: registered %v, want %v (group %s)", cmd, f, got, registered, g)
				}
			}
		}
	}
}
