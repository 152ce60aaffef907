package testenv

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	kubevirtv1 "kubevirt.io/api/core/v1"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// KubeVirtAPI stands in for KubeVirt's virt-api in front of a remote plane: it serves
// subresources.kubevirt.io/v1 (start, stop, restart, migrate on virtualmachines; pause, unpause,
// softreboot on virtualmachineinstances) and passes every other request through to the plane's
// kube-apiserver. Each handler applies to the real objects what KubeVirt's handler applies
// (kubevirt/kubevirt pkg/virt-api/rest/lifecycle.go, v1.9) and refuses as it refuses, with the
// same status codes and messages; the comments name the KubeVirt function each behaviour comes
// from. Every subresource call is recorded (Calls).
//
// What virt-controller and virt-handler would do afterwards (create or remove the VMI, act on
// state-change requests, pause, migrate, write the VM's printableStatus) is done by Controller, the
// stand-in for them (virtcontroller.go), kept apart from the API on purpose.
//
// Authentication: the server terminates TLS with its own certificate (in Kubeconfig) and asks for
// a client certificate, whose subject (CN user, O groups) it takes as the caller's identity
// without verifying it against the plane's CA (a test harness); requests are passed on as the
// plane's admin impersonating that identity (or carrying the caller's own Impersonate-* headers),
// so authorization and the audit log's userAgent stay the caller's. Subresource calls are
// authorized as kube-apiserver authorizes them before reaching virt-api: a SubjectAccessReview of
// verb update on subresources.kubevirt.io RESOURCE/SUBRESOURCE.
type KubeVirtAPI struct {
	// Kubeconfig is the plane's admin kubeconfig with this server as its server.
	Kubeconfig []byte
	// URL is the server's address.
	URL        string
	Controller *Controller

	plane *Plane
	dyn   dynamic.Interface
	kube  kubernetes.Interface
	srv   *httptest.Server
	proxy *httputil.ReverseProxy

	mu    sync.Mutex
	calls []Call

	streams streams
}

// Call is one subresource call the server answered.
type Call struct {
	// Subresource is start, stop, restart, migrate, pause, unpause or softreboot.
	Subresource string
	Resource    string
	Namespace   string
	Name        string
	// Body is the request body as sent ("" for none).
	Body string
	// Code is the answer's status code; Message the refusal's message.
	Code    int
	Message string
	// UserAgent is the caller's.
	UserAgent string
}

// Calls are the subresource calls made in a namespace ("" for all), in order.
func (k *KubeVirtAPI) Calls(namespace string) []Call {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []Call
	for _, c := range k.calls {
		if namespace == "" || c.Namespace == namespace {
			out = append(out, c)
		}
	}
	return out
}

// Close stops the server.
func (k *KubeVirtAPI) Close() {
	k.Controller.stop()
	k.srv.Close()
}

// StartKubeVirtAPI starts the stand-in virt-api in front of p.
func (p *Plane) StartKubeVirtAPI() (*KubeVirtAPI, error) {
	admin := rest.CopyConfig(p.Config)
	dyn, err := dynamic.NewForConfig(admin)
	if err != nil {
		return nil, err
	}
	kube, err := kubernetes.NewForConfig(admin)
	if err != nil {
		return nil, err
	}
	upstream, err := url.Parse(admin.Host)
	if err != nil {
		return nil, err
	}
	rt, err := rest.TransportFor(admin)
	if err != nil {
		return nil, err
	}
	k := &KubeVirtAPI{plane: p, dyn: dyn, kube: kube}
	k.Controller = newController(k)
	k.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(upstream)
			r.Out.Host = upstream.Host
			impersonate(r.In, r.Out)
		},
		Transport:     rt,
		FlushInterval: -1, // watches stream
	}
	k.srv = httptest.NewUnstartedServer(http.HandlerFunc(k.serve))
	k.srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	k.srv.StartTLS()
	k.URL = k.srv.URL
	k.Kubeconfig, err = pointAt(p.Kubeconfig, k.srv.URL, k.srv.Certificate().Raw)
	if err != nil {
		k.srv.Close()
		return nil, err
	}
	return k, nil
}

// pointAt rewrites a kubeconfig's clusters to server, trusting the certificate der.
func pointAt(kubeconfig []byte, server string, der []byte) ([]byte, error) {
	cfg, err := clientcmd.Load(kubeconfig)
	if err != nil {
		return nil, err
	}
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	for _, c := range cfg.Clusters {
		c.Server = server
		c.CertificateAuthorityData = ca
		c.CertificateAuthority = ""
	}
	return clientcmd.Write(*cfg)
}

// impersonate makes the admin's forwarded request act as the caller: the caller's own
// Impersonate-* headers when it sent some, else its certificate's subject.
func impersonate(in, out *http.Request) {
	if in.Header.Get("Impersonate-User") != "" {
		return
	}
	user, groups := caller(in)
	if user == "" {
		return
	}
	out.Header.Set("Impersonate-User", user)
	out.Header.Del("Impersonate-Group")
	for _, g := range groups {
		out.Header.Add("Impersonate-Group", g)
	}
}

// caller is who the request comes from: its Impersonate-* headers, else its certificate's subject.
func caller(r *http.Request) (user string, groups []string) {
	if u := r.Header.Get("Impersonate-User"); u != "" {
		return u, r.Header.Values("Impersonate-Group")
	}
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return "", nil
	}
	subject := r.TLS.PeerCertificates[0].Subject
	return subject.CommonName, subject.Organization
}

// subresourcePrefix starts every path the server answers itself.
const subresourcePrefix = "/apis/" + cluster.SubresourceAPI + "/"

func (k *KubeVirtAPI) serve(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, subresourcePrefix) {
		k.proxy.ServeHTTP(w, r)
		return
	}
	// namespaces/NS/RESOURCE/NAME/SUBRESOURCE
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, subresourcePrefix), "/")
	if len(parts) >= 5 && parts[0] == "namespaces" && parts[2] == "virtualmachineinstances" &&
		(parts[4] == "console" && len(parts) == 5 || parts[4] == "vnc" && len(parts) == 5 || parts[4] == "portforward") {
		k.stream(w, r, parts[1:])
		return
	}
	if len(parts) != 5 || parts[0] != "namespaces" {
		writeStatus(w, apierrors.NewNotFound(schema.GroupResource{Group: "subresources.kubevirt.io"}, r.URL.Path))
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	call := Call{Namespace: parts[1], Resource: parts[2], Name: parts[3], Subresource: parts[4], Body: string(body), UserAgent: r.UserAgent()}
	code, err := k.handle(r, call, body)
	if err != nil {
		var st apierrors.APIStatus
		if errors.As(err, &st) {
			code = int(st.Status().Code)
		} else {
			err = apierrors.NewInternalError(err)
			code = http.StatusInternalServerError
		}
		call.Message = err.Error()
	}
	call.Code = code
	k.mu.Lock()
	k.calls = append(k.calls, call)
	k.mu.Unlock()
	if err != nil {
		writeStatus(w, err)
		return
	}
	w.WriteHeader(code)
}

func writeStatus(w http.ResponseWriter, err error) {
	var st apierrors.APIStatus
	if !errors.As(err, &st) {
		st = apierrors.NewInternalError(err)
	}
	s := st.Status()
	s.Kind, s.APIVersion = "Status", "v1"
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(int(s.Code))
	_ = json.NewEncoder(w).Encode(s)
}

// handle authorizes and runs one call; it returns the success status code.
func (k *KubeVirtAPI) handle(r *http.Request, c Call, body []byte) (int, error) {
	ctx := r.Context()
	if err := k.authorize(ctx, r, c); err != nil {
		return 0, err
	}
	if r.Method != http.MethodPut {
		return 0, apierrors.NewMethodNotSupported(schema.GroupResource{Group: "subresources.kubevirt.io", Resource: c.Resource}, r.Method)
	}
	switch c.Resource + "/" + c.Subresource {
	case "virtualmachines/start":
		return k.start(ctx, c, body)
	case "virtualmachines/stop":
		return k.stop(ctx, c, body)
	case "virtualmachines/restart":
		return k.restart(ctx, c, body)
	case "virtualmachines/migrate":
		return k.migrate(ctx, c, body)
	case "virtualmachineinstances/pause":
		return k.pause(ctx, c, body)
	case "virtualmachineinstances/unpause":
		return k.unpause(ctx, c, body)
	case "virtualmachineinstances/softreboot":
		return k.softReboot(ctx, c)
	}
	return 0, apierrors.NewNotFound(schema.GroupResource{Group: "subresources.kubevirt.io", Resource: c.Resource}, c.Subresource)
}

// authorize asks the plane, as kube-apiserver does before it forwards a call to virt-api, whether
// the caller may update RESOURCE/SUBRESOURCE in subresources.kubevirt.io.
func (k *KubeVirtAPI) authorize(ctx context.Context, r *http.Request, c Call) error {
	user, groups := caller(r)
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: user, Groups: groups,
		ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: c.Namespace, Verb: "update",
			Group: "subresources.kubevirt.io", Resource: c.Resource, Subresource: c.Subresource, Name: c.Name}}}
	got, err := k.kube.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	if !got.Status.Allowed {
		return apierrors.NewForbidden(schema.GroupResource{Group: "subresources.kubevirt.io", Resource: c.Resource + "/" + c.Subresource}, c.Name,
			//lint:ignore ST1005 kube-apiserver's own wording of a refusal
			fmt.Errorf("User %q cannot update resource %q in API group %q in the namespace %q", user, c.Resource+"/"+c.Subresource, "subresources.kubevirt.io", c.Namespace))
	}
	return nil
}

// conflict is KubeVirt's errors.NewConflict(v1.Resource(kind), name, msg).
func conflict(kind, name, msg string) error {
	return apierrors.NewConflict(schema.GroupResource{Group: "kubevirt.io", Resource: kind}, name, errors.New(msg))
}

// decode reads an options body as KubeVirt's decodeBody does (lifecycle.go: a bad body is 400).
func decode(body []byte, into any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, into); err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("Can not unmarshal Request body to struct, error: %s", err))
	}
	return nil
}

// getVM is fetchVirtualMachine: the VM, or its NotFound.
func (k *KubeVirtAPI) getVM(ctx context.Context, ns, name string) (*kubevirtv1.VirtualMachine, error) {
	u, err := k.dyn.Resource(cluster.VirtualMachines.GVR).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	var vm kubevirtv1.VirtualMachine
	return &vm, cluster.FromUnstructured(u, &vm)
}

// getVMI is the VMI, nil when there is none.
func (k *KubeVirtAPI) getVMI(ctx context.Context, ns, name string) (*kubevirtv1.VirtualMachineInstance, error) {
	u, err := k.dyn.Resource(cluster.VirtualMachineInstances.GVR).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var vmi kubevirtv1.VirtualMachineInstance
	return &vmi, cluster.FromUnstructured(u, &vmi)
}

// final is VirtualMachineInstance.IsFinal: Succeeded or Failed.
func final(vmi *kubevirtv1.VirtualMachineInstance) bool {
	return vmi.Status.Phase == kubevirtv1.Succeeded || vmi.Status.Phase == kubevirtv1.Failed
}

// patchVM sends a JSON patch to the VM (or its status subresource), as KubeVirt does; a failed
// "test" operation is a 409 Conflict (lifecycle.go: jsonpatchTestErr), anything else a 500.
func (k *KubeVirtAPI) patchVM(ctx context.Context, vm *kubevirtv1.VirtualMachine, ops []map[string]any, dryRun []string, sub ...string) error {
	patch, err := json.Marshal(ops)
	if err != nil {
		return err
	}
	_, err = k.dyn.Resource(cluster.VirtualMachines.GVR).Namespace(vm.Namespace).Patch(ctx, vm.Name, types.JSONPatchType, patch, metav1.PatchOptions{DryRun: dryRun}, sub...)
	if err != nil {
		if strings.Contains(err.Error(), "test operation does not apply") {
			return conflict("virtualmachine", vm.Name, err.Error())
		}
		return apierrors.NewInternalError(err)
	}
	return nil
}

// runningPatch is getRunningPatch: runStrategy (or the deprecated spec.running) set to Always or
// Halted, under a test of its current value.
func runningPatch(vm *kubevirtv1.VirtualMachine, running bool) []map[string]any {
	rs := kubevirtv1.RunStrategyHalted
	if running {
		rs = kubevirtv1.RunStrategyAlways
	}
	if vm.Spec.RunStrategy != nil {
		return []map[string]any{{"op": "test", "path": "/spec/runStrategy", "value": *vm.Spec.RunStrategy}, {"op": "replace", "path": "/spec/runStrategy", "value": rs}}
	}
	return []map[string]any{{"op": "test", "path": "/spec/running", "value": vm.Spec.Running}, {"op": "replace", "path": "/spec/running", "value": running}}
}

// changeRequests is getChangeRequestJson: the state-change requests added to a VM's status (the
// whole status when it has none), under a test of the current ones; a stop request alone replaces
// pending ones, anything else is refused while some are pending.
func changeRequests(vm *kubevirtv1.VirtualMachine, changes ...kubevirtv1.VirtualMachineStateChangeRequest) ([]map[string]any, error) {
	var ops []map[string]any
	if isZeroStatus(vm.Status) {
		ops = append(ops, map[string]any{"op": "add", "path": "/status", "value": kubevirtv1.VirtualMachineStatus{StateChangeRequests: changes}})
	} else {
		ops = append(ops, map[string]any{"op": "test", "path": "/status/stateChangeRequests", "value": vm.Status.StateChangeRequests})
		switch {
		case len(vm.Status.StateChangeRequests) == 0:
			ops = append(ops, map[string]any{"op": "add", "path": "/status/stateChangeRequests", "value": changes})
		case len(changes) == 1 && changes[0].Action == kubevirtv1.StopRequest:
			ops = append(ops, map[string]any{"op": "replace", "path": "/status/stateChangeRequests", "value": changes})
		default:
			return nil, fmt.Errorf("unable to complete request: stop/start already underway")
		}
	}
	if vm.Status.StartFailure != nil {
		ops = append(ops, map[string]any{"op": "remove", "path": "/status/startFailure"})
	}
	return ops, nil
}

func isZeroStatus(s kubevirtv1.VirtualMachineStatus) bool {
	b, _ := json.Marshal(s)
	return string(b) == "{}"
}

// start is StartVMRequestHandler (lifecycle.go).
func (k *KubeVirtAPI) start(ctx context.Context, c Call, body []byte) (int, error) {
	vm, err := k.getVM(ctx, c.Namespace, c.Name)
	if err != nil {
		return 0, err
	}
	vmi, err := k.getVMI(ctx, c.Namespace, c.Name)
	if err != nil {
		return 0, err
	}
	if vmi != nil && !final(vmi) && vmi.Status.Phase != kubevirtv1.Unknown && vmi.Status.Phase != kubevirtv1.VmPhaseUnset {
		return 0, conflict("virtualmachine", c.Name, "VM is already running")
	}
	var opts kubevirtv1.StartOptions
	if err := decode(body, &opts); err != nil {
		return 0, err
	}
	rs, err := vm.RunStrategy()
	if err != nil {
		return 0, apierrors.NewInternalError(err)
	}
	// KubeVirt's handler names these strategies and refuses the rest in its default.
	//exhaustive:ignore
	switch rs {
	case kubevirtv1.RunStrategyHalted:
		err = k.patchVM(ctx, vm, runningPatch(vm, true), opts.DryRun)
	case kubevirtv1.RunStrategyRerunOnFailure, kubevirtv1.RunStrategyManual:
		if rs == kubevirtv1.RunStrategyRerunOnFailure && vmi != nil && vmi.Status.Phase == kubevirtv1.Failed {
			return 0, conflict("virtualmachine", c.Name, fmt.Sprintf("%v does not support starting VM from failed state", rs))
		}
		changes := []kubevirtv1.VirtualMachineStateChangeRequest{{Action: kubevirtv1.StartRequest}}
		if vmi != nil && ((rs == kubevirtv1.RunStrategyRerunOnFailure && vmi.Status.Phase == kubevirtv1.Succeeded) || (rs == kubevirtv1.RunStrategyManual && final(vmi))) {
			changes = append([]kubevirtv1.VirtualMachineStateChangeRequest{{Action: kubevirtv1.StopRequest, UID: &vmi.UID}}, changes...)
		}
		ops, cerr := changeRequests(vm, changes...)
		if cerr != nil {
			return 0, apierrors.NewInternalError(cerr)
		}
		err = k.patchVM(ctx, vm, ops, opts.DryRun, "status")
	default: // Always, Once
		return 0, conflict("virtualmachine", c.Name, fmt.Sprintf("%v does not support manual start requests", rs))
	}
	if err != nil {
		return 0, err
	}
	k.Controller.after(c, opts.DryRun)
	return http.StatusAccepted, nil
}

// stop is StopVMRequestHandler (lifecycle.go).
func (k *KubeVirtAPI) stop(ctx context.Context, c Call, body []byte) (int, error) {
	var opts kubevirtv1.StopOptions
	if err := decode(body, &opts); err != nil {
		return 0, err
	}
	vm, err := k.getVM(ctx, c.Namespace, c.Name)
	if err != nil {
		return 0, err
	}
	rs, err := vm.RunStrategy()
	if err != nil {
		return 0, apierrors.NewInternalError(err)
	}
	vmi, err := k.getVMI(ctx, c.Namespace, c.Name)
	if err != nil {
		return 0, apierrors.NewInternalError(err)
	}
	running := vmi != nil && !final(vmi)
	var oldGrace int64
	if running && opts.GracePeriod != nil {
		// A shorter grace period is written to the VMI first, under a test of the old one.
		test := map[string]any{"op": "test", "path": "/spec/terminationGracePeriodSeconds", "value": nil}
		if vmi.Spec.TerminationGracePeriodSeconds != nil {
			oldGrace = *vmi.Spec.TerminationGracePeriodSeconds
			test["value"] = oldGrace
		}
		patch, _ := json.Marshal([]map[string]any{test, {"op": "replace", "path": "/spec/terminationGracePeriodSeconds", "value": *opts.GracePeriod}})
		if _, err := k.dyn.Resource(cluster.VirtualMachineInstances.GVR).Namespace(c.Namespace).Patch(ctx, c.Name, types.JSONPatchType, patch, metav1.PatchOptions{DryRun: opts.DryRun}); err != nil {
			return 0, apierrors.NewInternalError(err)
		}
	}
	stopRequest := func() error {
		ops, err := changeRequests(vm, kubevirtv1.VirtualMachineStateChangeRequest{Action: kubevirtv1.StopRequest, UID: &vmi.UID})
		if err != nil {
			return apierrors.NewInternalError(err)
		}
		return k.patchVM(ctx, vm, ops, opts.DryRun, "status")
	}
	// KubeVirt's handler names these strategies and handles the rest in its default.
	//exhaustive:ignore
	switch rs {
	case kubevirtv1.RunStrategyHalted:
		if !running {
			return 0, conflict("virtualmachine", c.Name, "VM is not running")
		}
		if opts.GracePeriod == nil || (vmi.Spec.TerminationGracePeriodSeconds != nil && *opts.GracePeriod >= oldGrace) {
			return 0, conflict("virtualmachine", c.Name, fmt.Sprintf("%v only supports manual stop requests with a shorter graceperiod", rs))
		}
		err = stopRequest()
	case kubevirtv1.RunStrategyRerunOnFailure, kubevirtv1.RunStrategyManual:
		if !running {
			return 0, conflict("virtualmachine", c.Name, "VM is not running")
		}
		err = stopRequest()
	default: // Always, Once
		err = k.patchVM(ctx, vm, runningPatch(vm, false), opts.DryRun)
	}
	if err != nil {
		return 0, err
	}
	k.Controller.after(c, opts.DryRun)
	return http.StatusAccepted, nil
}

// restart is RestartVMRequestHandler (lifecycle.go).
func (k *KubeVirtAPI) restart(ctx context.Context, c Call, body []byte) (int, error) {
	var opts kubevirtv1.RestartOptions
	if err := decode(body, &opts); err != nil {
		return 0, err
	}
	if g := opts.GracePeriodSeconds; g != nil && *g > 0 {
		return 0, apierrors.NewBadRequest("For force restart, only gracePeriod=0 is supported for now")
	} else if g != nil && *g < 0 {
		return 0, apierrors.NewBadRequest("gracePeriod has to be greater or equal to 0")
	}
	vm, err := k.getVM(ctx, c.Namespace, c.Name)
	if err != nil {
		return 0, err
	}
	rs, err := vm.RunStrategy()
	if err != nil {
		return 0, apierrors.NewInternalError(err)
	}
	if rs == kubevirtv1.RunStrategyHalted || rs == kubevirtv1.RunStrategyOnce {
		return 0, conflict("virtualmachine", c.Name, fmt.Sprintf("RunStategy %v does not support manual restart requests", rs))
	}
	vmi, err := k.getVMI(ctx, c.Namespace, c.Name)
	if err != nil {
		return 0, apierrors.NewInternalError(err)
	}
	if vmi == nil {
		return 0, conflict("virtualmachine", c.Name, fmt.Sprintf("VM is not running: %v", kubevirtv1.RunStrategyHalted))
	}
	ops, err := changeRequests(vm, kubevirtv1.VirtualMachineStateChangeRequest{Action: kubevirtv1.StopRequest, UID: &vmi.UID},
		kubevirtv1.VirtualMachineStateChangeRequest{Action: kubevirtv1.StartRequest})
	if err != nil {
		return 0, apierrors.NewInternalError(err)
	}
	if err := k.patchVM(ctx, vm, ops, opts.DryRun, "status"); err != nil {
		return 0, err
	}
	// With gracePeriodSeconds 0 KubeVirt deletes the VMI's virt-launcher Pod (findPod: labels
	// kubevirt.io=virt-launcher, kubevirt.io/created-by=<VMI uid>, phase Running). The test planes
	// run no Pods, so there is none to delete unless a test made one.
	if g := opts.GracePeriodSeconds; g != nil && *g == 0 && len(opts.DryRun) == 0 {
		pods, err := k.kube.CoreV1().Pods(c.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "kubevirt.io=virt-launcher,kubevirt.io/created-by=" + string(vmi.UID)})
		if err != nil {
			return 0, apierrors.NewInternalError(err)
		}
		if len(pods.Items) > 0 {
			one := int64(1)
			if err := k.kube.CoreV1().Pods(c.Namespace).Delete(ctx, pods.Items[0].Name, metav1.DeleteOptions{GracePeriodSeconds: &one}); err != nil && !apierrors.IsNotFound(err) {
				return 0, apierrors.NewInternalError(err)
			}
		}
	}
	k.Controller.after(c, opts.DryRun)
	return http.StatusAccepted, nil
}

// migrate is MigrateVMRequestHandler (lifecycle.go): a VirtualMachineInstanceMigration
// "kubevirt-migrate-vm-*" for a running VMI.
func (k *KubeVirtAPI) migrate(ctx context.Context, c Call, body []byte) (int, error) {
	var opts kubevirtv1.MigrateOptions
	if err := decode(body, &opts); err != nil {
		return 0, err
	}
	if _, err := k.getVM(ctx, c.Namespace, c.Name); err != nil {
		return 0, err
	}
	vmi, err := k.getVMI(ctx, c.Namespace, c.Name)
	if err != nil {
		return 0, err
	}
	if vmi == nil {
		return 0, apierrors.NewNotFound(schema.GroupResource{Group: "kubevirt.io", Resource: "virtualmachineinstance"}, c.Name)
	}
	if vmi.Status.Phase != kubevirtv1.Running {
		return 0, conflict("virtualmachine", c.Name, "VM is not running")
	}
	m := Object("kubevirt.io/v1", "VirtualMachineInstanceMigration", c.Namespace, "")
	m.SetGenerateName("kubevirt-migrate-vm-")
	m.Object["spec"] = map[string]any{"vmiName": c.Name}
	if len(opts.AddedNodeSelector) > 0 {
		sel := map[string]any{}
		for key, v := range opts.AddedNodeSelector {
			sel[key] = v
		}
		m.Object["spec"].(map[string]any)["addedNodeSelector"] = sel
	}
	if _, err := k.dyn.Resource(cluster.VirtualMachineInstanceMigrations.GVR).Namespace(c.Namespace).Create(ctx, m, metav1.CreateOptions{DryRun: opts.DryRun}); err != nil {
		return 0, apierrors.NewInternalError(err)
	}
	k.Controller.after(c, opts.DryRun)
	return http.StatusAccepted, nil
}

// hasCondition is the condition managers' HasCondition (any status) of a VMI.
func hasCondition(vmi *kubevirtv1.VirtualMachineInstance, t kubevirtv1.VirtualMachineInstanceConditionType) bool {
	for _, c := range vmi.Status.Conditions {
		if c.Type == t {
			return true
		}
	}
	return false
}

// runningVMI is FetchVirtualMachineInstance: the VMI, or its NotFound.
func (k *KubeVirtAPI) runningVMI(ctx context.Context, c Call) (*kubevirtv1.VirtualMachineInstance, error) {
	vmi, err := k.getVMI(ctx, c.Namespace, c.Name)
	if err != nil {
		return nil, err
	}
	if vmi == nil {
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: "kubevirt.io", Resource: "virtualmachineinstance"}, c.Name)
	}
	return vmi, nil
}

// pause is PauseVMIRequestHandler (lifecycle.go). virt-handler pauses the guest and its VMI gets
// the Paused condition: the Controller does that.
func (k *KubeVirtAPI) pause(ctx context.Context, c Call, body []byte) (int, error) {
	vmi, err := k.runningVMI(ctx, c)
	if err != nil {
		return 0, err
	}
	switch {
	case vmi.Status.Phase != kubevirtv1.Running:
		return 0, conflict("virtualmachineinstance", c.Name, "VM is not running")
	case vmi.Spec.LivenessProbe != nil:
		//lint:ignore ST1005 KubeVirt's message, verbatim
		return 0, apierrors.NewForbidden(schema.GroupResource{Group: "kubevirt.io", Resource: "virtualmachineinstance"}, c.Name, errors.New("Pausing VMIs with LivenessProbe is currently not supported"))
	case hasCondition(vmi, kubevirtv1.VirtualMachineInstancePaused):
		return 0, conflict("virtualmachineinstance", c.Name, "VMI is already paused")
	case vmi.Status.MigrationState != nil && !vmi.Status.MigrationState.Completed:
		return 0, conflict("virtualmachineinstance", c.Name, fmt.Sprintf("Cannot pause VM '%s' because it is currently being migrated", c.Name))
	}
	var opts kubevirtv1.PauseOptions
	if err := decode(body, &opts); err != nil {
		return 0, err
	}
	k.Controller.after(c, opts.DryRun)
	return http.StatusOK, nil
}

// unpause is UnpauseVMIRequestHandler (lifecycle.go).
func (k *KubeVirtAPI) unpause(ctx context.Context, c Call, body []byte) (int, error) {
	vm, err := k.getVM(ctx, c.Namespace, c.Name)
	switch {
	case err != nil && !apierrors.IsNotFound(err):
		return 0, err
	case err == nil && vm.Status.SnapshotInProgress != nil:
		return 0, conflict("virtualmachine", c.Name, "VM snapshot is in progress")
	}
	vmi, err := k.runningVMI(ctx, c)
	if err != nil {
		return 0, err
	}
	switch {
	case vmi.Status.Phase != kubevirtv1.Running:
		return 0, conflict("virtualmachineinstance", c.Name, "VMI is not running")
	case !hasCondition(vmi, kubevirtv1.VirtualMachineInstancePaused):
		return 0, conflict("virtualmachineinstance", c.Name, "VMI is not paused")
	}
	var opts kubevirtv1.UnpauseOptions
	if err := decode(body, &opts); err != nil {
		return 0, err
	}
	k.Controller.after(c, opts.DryRun)
	return http.StatusOK, nil
}

// softReboot is SoftRebootVMIRequestHandler (lifecycle.go): no options, no dry run.
func (k *KubeVirtAPI) softReboot(ctx context.Context, c Call) (int, error) {
	vmi, err := k.runningVMI(ctx, c)
	if err != nil {
		return 0, err
	}
	if vmi.Status.Phase != kubevirtv1.Running {
		return 0, conflict("virtualmachineinstance", c.Name, "VM is not running")
	}
	for _, cond := range vmi.Status.Conditions {
		if cond.Type == kubevirtv1.VirtualMachineInstancePaused && cond.Status == "True" {
			return 0, conflict("virtualmachineinstance", c.Name, "VMI is paused")
		}
	}
	if !hasCondition(vmi, kubevirtv1.VirtualMachineInstanceAgentConnected) {
		if f := vmi.Spec.Domain.Features; f != nil && f.ACPI.Enabled != nil && !*f.ACPI.Enabled {
			return 0, conflict("virtualmachineinstance", c.Name, "VMI neither have the agent connected nor the ACPI feature enabled")
		}
	}
	return http.StatusOK, nil
}

// settle is how long after a call the Controller acts, by default.
const settle = 300 * time.Millisecond
