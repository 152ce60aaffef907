package cluster

import (
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

func TestCheckKubeconfig(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	withContexts := clientcmdapi.Config{Contexts: map[string]*clientcmdapi.Context{"b": {}, "a": {}}}
	for _, tc := range []struct {
		name      string
		raw       clientcmdapi.Config
		paths     []string
		context   string
		server    bool
		inCluster bool
		want      string // "" for no error
	}{
		{name: "no file", paths: []string{missing}, want: "no kubeconfig found at " + missing + ": the supervisor is a kubectl context; give its kubeconfig with --kubeconfig FILE or the KUBECONFIG environment variable"},
		{name: "empty file", paths: []string{missing, empty}, want: "the kubeconfig " + empty + " has no contexts"},
		{name: "no current context", raw: withContexts, paths: []string{empty}, want: `no current context in the kubeconfig ` + empty + ` (it has a, b): choose the supervisor with "kubectl config use-context NAME", or give --context NAME`},
		{name: "current context", raw: clientcmdapi.Config{CurrentContext: "a", Contexts: withContexts.Contexts}, paths: []string{empty}},
		{name: "--context", raw: withContexts, paths: []string{empty}, context: "b"},
		{name: "--server", paths: []string{missing}, server: true},
		{name: "in a pod", paths: []string{missing}, inCluster: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckKubeconfig(tc.raw, tc.paths, tc.context, tc.server, tc.inCluster)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !IsKubeconfigError(err)):
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

type failingTransport struct{ err error }

func (f failingTransport) RoundTrip(*http.Request) (*http.Response, error) { return nil, f.err }

func TestExplainUnreachable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	rt := ExplainUnreachable(SupervisorID, "sup", "https://10.0.0.1:6443")(failingTransport{refused})
	req, _ := http.NewRequest(http.MethodGet, "https://10.0.0.1:6443/version", nil)
	_, err := rt.RoundTrip(req)
	ue := Unreachable(err)
	if ue == nil || !errors.Is(err, refused) {
		t.Fatalf("not an UnreachableError wrapping the dial error: %v", err)
	}
	want := `cannot reach the supervisor (context "sup", server https://10.0.0.1:6443): dial tcp: connect: connection refused; check the kubeconfig and the cluster with "kubectl vitimachine doctor"`
	if err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}
	if w, ok := rt.(interface{ WrappedRoundTripper() http.RoundTripper }); !ok || w.WrappedRoundTripper() == nil {
		t.Error("the wrapper hides the transport underneath from client-go")
	}
	// An error after the connection was made is left alone.
	other := errors.New("http2: stream closed")
	rt = ExplainUnreachable(SupervisorID, "sup", "https://10.0.0.1:6443")(failingTransport{other})
	if _, err := rt.RoundTrip(req); Unreachable(err) != nil {
		t.Errorf("%v reported as unreachable", err)
	}
}
