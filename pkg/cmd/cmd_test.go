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
	for _, args := range [][]string{
		{"create", "x", "--dry-run=maybe"},
		{"create", "x", "--naming=fancy"},
		{"create", "x", "--volume-mode=Raw"},
		{"create", "x", "--access-mode=RWX"},
		{"create", "x", "--managed-by-label=novalue"},
		{"create", "x", "-f", "m.yaml"},
		{"create", "x", "-o", "yaml", "--diff"},
		{"create", "x", "--wait", "--dry-run=server"},
		{"create", "x", "--remote-kubeconfig", "k", "--kubevirt-config", "kv"},
		{"create"},
		{"create", "x", "--remote-context", "c", "--kubevirt-config", "kv"},
		{"delete"},
		{"delete", "x", "-f", "m.yaml"},
		{"delete", "x", "--dry-run=maybe"},
		{"delete", "x", "--naming=fancy"},
		{"delete", "x", "--managed-by-label=novalue"},
		{"delete", "x", "-o", "yaml"},
		{"delete", "x", "-o", "name", "--diff"},
		{"delete", "x", "--wait", "--dry-run=client"},
		{"delete", "x", "--storage-class", "fast"},
		{"delete", "x", "--remote-kubeconfig", "k", "--kubevirt-config", "kv"},
		{"ns-sync", "--remote-context", "c", "--kubevirt-config", "kv"},
		{"ns-sync", "--qps", "-1"},
		{"ns-sync", "--burst", "10"},
		{"ns-sync", "--concurrency=0"},
		{"version", "-o", "table"},
		{"--color=sometimes", "version", "--client"},
	} {
		var out bytes.Buffer
		root := NewRootCmd(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out}, Env{})
		root.SetArgs(append(args, "--kubeconfig="+kubeconfig))
		err := root.Execute()
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: error %v, want a usage error", args, err)
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
