// Package guest opens a Machine's guest: KubeVirt's streaming subresources of its running VMI
// (console, vnc, portforward), served by virt-api on the Machine's remote cluster, as virtctl
// opens them: a websocket GET of
// /apis/subresources.kubevirt.io/v1/namespaces/NS/virtualmachineinstances/VM/SUBRESOURCE with the
// plain.kubevirt.io subprotocol, whose binary messages carry the stream's bytes in order
// (kubevirt/kubevirt staging/src/kubevirt.io/client-go/kubecli/streamer.go and websocket.go).
//
// The Machine is resolved read-only, as status resolves it: nothing is recorded or written. The
// websocket is dialled with the remote cluster's own client configuration (TLS, credentials,
// proxy) through client-go's websocket transport; no stream byte and no credential is logged.
package guest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
)

// Instance is a Machine's running VMI on its cluster.
type Instance struct {
	Namespace, Machine string
	// VM is the VirtualMachine's (and its VMI's) name.
	VM string
	// Cluster is the remote cluster's client; ClusterName its display name.
	Cluster     *cluster.Client
	ClusterName string
}

// String names the instance for messages: machine ns/name (VM vm on cluster c).
func (i *Instance) String() string {
	return fmt.Sprintf("machine %s/%s (VM %s on cluster %s)", i.Namespace, i.Machine, i.VM, i.ClusterName)
}

// Path is the URL path of one of the VMI's streaming subresources ("console", "vnc",
// "portforward/22/tcp").
func (i *Instance) Path(sub string) string {
	return "/apis/" + cluster.SubresourceAPI + "/namespaces/" + url.PathEscape(i.Namespace) +
		"/virtualmachineinstances/" + url.PathEscape(i.VM) + "/" + sub
}

// ErrNoVM means the Machine has no VirtualMachine on its cluster.
var ErrNoVM = errors.New("has no VirtualMachine")

// NotRunningError means the Machine's VM has no running instance.
type NotRunningError struct {
	Namespace, Machine, VM string
	// Phase is the VMI's phase; "" without a VMI.
	Phase string
}

func (e *NotRunningError) Error() string {
	what := "it has no VirtualMachineInstance"
	if e.Phase != "" {
		what = "its VirtualMachineInstance is " + e.Phase
	}
	return fmt.Sprintf("machine %s/%s: VM %s not running: start it with kubectl vitimachine start %s -n %s (%s)",
		e.Namespace, e.Machine, e.VM, e.Machine, e.Namespace, what)
}

// Locator finds a Machine's running instance.
type Locator struct {
	Supervisor *cluster.Client
	// Resolver resolves Machines as status does (nothing recorded).
	Resolver *target.Resolver
	// Poll is how often Wait reads the VMI again (0: every second).
	Poll time.Duration
	// Progress, when set, is told once that Wait is waiting, and why.
	Progress func(msg string)
}

// Locate reads the Machine from the supervisor, resolves its cluster, and reads its VM (one list
// of the namespace's VMs) and VMI (one get). A VMI that is not Running is a *NotRunningError.
func (l *Locator) Locate(ctx context.Context, namespace, name string) (*Instance, error) {
	var m vitistackv1alpha1.Machine
	if err := l.Supervisor.Get(ctx, cluster.Machines, namespace, name, &m); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("machine %s/%s not found on the supervisor", namespace, name)
		}
		return nil, fmt.Errorf("machine %s/%s: %w", namespace, name, err)
	}
	t, err := l.Resolver.Resolve(ctx, &m)
	if err != nil {
		return nil, fmt.Errorf("machine %s/%s: %w", namespace, name, err)
	}
	var vms []*unstructured.Unstructured
	if err := t.Cluster.List(ctx, cluster.VirtualMachines, namespace, "", func(u *unstructured.Unstructured) error {
		vms = append(vms, u)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("machine %s/%s: list VirtualMachines on cluster %s: %w", namespace, name, t.Name(), err)
	}
	vm := render.MachineVM(m.Name, vms)
	if vm == nil {
		return nil, fmt.Errorf("machine %s/%s %w on cluster %s (namespace %s): create it with kubectl vitimachine create", namespace, name, ErrNoVM, t.Name(), namespace)
	}
	in := &Instance{Namespace: namespace, Machine: name, VM: vm.GetName(), Cluster: t.Cluster, ClusterName: t.Name()}
	return in, l.running(ctx, in)
}

// running reads the VMI: nil when it is Running.
func (l *Locator) running(ctx context.Context, in *Instance) error {
	vmi, err := in.Cluster.GetUnstructured(ctx, cluster.VirtualMachineInstances, in.Namespace, in.VM)
	if apierrors.IsNotFound(err) {
		return &NotRunningError{Namespace: in.Namespace, Machine: in.Machine, VM: in.VM}
	}
	if err != nil {
		return fmt.Errorf("%s: read its VirtualMachineInstance: %w", in, err)
	}
	phase, _, _ := unstructured.NestedString(vmi.Object, "status", "phase")
	if phase != "Running" {
		if phase == "" {
			phase = "Pending"
		}
		return &NotRunningError{Namespace: in.Namespace, Machine: in.Machine, VM: in.VM, Phase: phase}
	}
	return nil
}

// Wait is Locate that, while the VM is not running, reads its VMI again until it runs or timeout
// passes; then the last *NotRunningError, saying how long it waited.
func (l *Locator) Wait(ctx context.Context, namespace, name string, timeout time.Duration) (*Instance, error) {
	in, err := l.Locate(ctx, namespace, name)
	var nr *NotRunningError
	if timeout <= 0 || !errors.As(err, &nr) {
		return in, err
	}
	if l.Progress != nil {
		l.Progress(fmt.Sprintf("waiting up to %s for %s to run", timeout, in))
	}
	poll := l.Poll
	if poll <= 0 {
		poll = time.Second
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-deadline.C:
			return nil, fmt.Errorf("gave up after %s: %w", timeout, err)
		case <-tick.C:
		}
		if err = l.running(ctx, in); err == nil {
			return in, nil
		}
		if !errors.As(err, &nr) {
			return nil, err
		}
	}
}
