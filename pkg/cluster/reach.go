package cluster

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Doctor is the command that checks the kubeconfig, the supervisor and every remote cluster; the
// messages of this file name it as the next step.
const Doctor = "kubectl vitimachine doctor"

// KubeconfigError says that the kubeconfig names no supervisor: no file, an empty one, or no
// current context. Without it client-go would fall back to localhost:8080 and the user would read
// "connection refused" about a server they never configured.
type KubeconfigError struct {
	msg string
}

func (e *KubeconfigError) Error() string { return e.msg }

// IsKubeconfigError reports whether err is a *KubeconfigError.
func IsKubeconfigError(err error) bool {
	var ke *KubeconfigError
	return errors.As(err, &ke)
}

// CheckKubeconfig checks that the merged kubeconfig raw, loaded from paths (in kubectl's order:
// --kubeconfig, else $KUBECONFIG, else ~/.kube/config), names a supervisor: a current context, or
// the one --context gives. server says --server was given (it needs no kubeconfig); inCluster says
// client-go would use the pod's service account instead. A context that is named but missing is
// left to client-go, whose message names it.
func CheckKubeconfig(raw clientcmdapi.Config, paths []string, context string, server, inCluster bool) error {
	if server || context != "" {
		return nil
	}
	if raw.CurrentContext != "" {
		return nil
	}
	if len(raw.Contexts) == 0 {
		if inCluster {
			return nil
		}
		var found []string
		for _, p := range paths {
			if _, err := os.Stat(p); err == nil {
				found = append(found, p)
			}
		}
		if len(found) == 0 {
			return &KubeconfigError{msg: fmt.Sprintf("no kubeconfig found at %s: the supervisor is a kubectl context; give its kubeconfig with --kubeconfig FILE or the KUBECONFIG environment variable", strings.Join(paths, ", "))}
		}
		return &KubeconfigError{msg: fmt.Sprintf("the kubeconfig %s has no contexts: the supervisor is a kubectl context; give a kubeconfig that has it with --kubeconfig FILE or the KUBECONFIG environment variable", strings.Join(found, ", "))}
	}
	names := make([]string, 0, len(raw.Contexts))
	for n := range raw.Contexts {
		names = append(names, n)
	}
	slices.Sort(names)
	return &KubeconfigError{msg: fmt.Sprintf("no current context in the kubeconfig %s (it has %s): choose the supervisor with \"kubectl config use-context NAME\", or give --context NAME", strings.Join(paths, ", "), strings.Join(names, ", "))}
}

// UnreachableError says that a cluster could not be connected to at all: the connection was
// refused, timed out, or its host name did not resolve. It names the cluster, its kubeconfig
// context and server, and the command that checks them.
type UnreachableError struct {
	Cluster ID
	Context string
	Server  string
	err     error
}

func (e *UnreachableError) Error() string {
	where := "cluster " + e.Cluster.Name
	if e.Cluster.Role == Supervisor {
		where = "the supervisor"
	}
	var at []string
	if e.Context != "" {
		at = append(at, fmt.Sprintf("context %q", e.Context))
	}
	if e.Server != "" {
		at = append(at, "server "+e.Server)
	}
	if len(at) > 0 {
		where += " (" + strings.Join(at, ", ") + ")"
	}
	return fmt.Sprintf("cannot reach %s: %v; check the kubeconfig and the cluster with %q", where, e.err, Doctor)
}

func (e *UnreachableError) Unwrap() error { return e.err }

// Unreachable returns the *UnreachableError in err's chain, or nil.
func Unreachable(err error) *UnreachableError {
	var ue *UnreachableError
	if errors.As(err, &ue) {
		return ue
	}
	return nil
}

// ExplainUnreachable is a rest.Config transport wrapper: a request that cannot connect fails with an
// *UnreachableError that names the cluster, its context and server.
func ExplainUnreachable(id ID, context, server string) func(http.RoundTripper) http.RoundTripper {
	return func(rt http.RoundTripper) http.RoundTripper {
		return &reachTransport{rt: rt, id: id, context: context, server: server}
	}
}

type reachTransport struct {
	rt      http.RoundTripper
	id      ID
	context string
	server  string
}

func (t *reachTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.rt.RoundTrip(req)
	if err != nil && cannotConnect(err) {
		return nil, &UnreachableError{Cluster: t.id, Context: t.context, Server: t.server, err: err}
	}
	return resp, err
}

// WrappedRoundTripper lets client-go reach the transport underneath (to cancel requests).
func (t *reachTransport) WrappedRoundTripper() http.RoundTripper { return t.rt }

// cannotConnect reports whether err happened before a connection was made: dialing failed (refused,
// timed out, no route) or the host name did not resolve.
func cannotConnect(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
