package testenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kubevirtv1 "kubevirt.io/api/core/v1"
)

// PlainProtocol is KubeVirt's websocket subprotocol of its streaming subresources (console, vnc,
// portforward): every binary message carries raw bytes of the stream, in order
// (kubevirt/kubevirt staging/src/kubevirt.io/client-go/kubecli: PlainStreamProtocolName, CopyTo and
// CopyFrom; pkg/virt-api/rest/streamer.go: NewWebsocketStreamer).
const PlainProtocol = "plain.kubevirt.io"

// RFBBanner is what the stand-in VNC endpoint sends first, as a VNC server does (RFB 3.8).
const RFBBanner = "RFB 003.008\n"

// streams is the stand-in's state of the streaming subresources.
type streams struct {
	mu sync.Mutex
	// forwards: "NS/VMI/PORT" to the local TCP address a port-forward connects to.
	forwards map[string]string
	open     int
}

// Forward makes port-forwards to port of VMI namespace/name connect to addr (a local TCP
// server of the test), standing in for the guest's port.
func (k *KubeVirtAPI) Forward(namespace, name string, port int, addr string) {
	k.streams.mu.Lock()
	defer k.streams.mu.Unlock()
	if k.streams.forwards == nil {
		k.streams.forwards = map[string]string{}
	}
	k.streams.forwards[namespace+"/"+name+"/"+strconv.Itoa(port)] = addr
}

// OpenStreams is how many streams are open now.
func (k *KubeVirtAPI) OpenStreams() int {
	k.streams.mu.Lock()
	defer k.streams.mu.Unlock()
	return k.streams.open
}

func (k *KubeVirtAPI) forwardTo(namespace, name, port string) string {
	k.streams.mu.Lock()
	defer k.streams.mu.Unlock()
	return k.streams.forwards[namespace+"/"+name+"/"+port]
}

// stream serves GET …/virtualmachineinstances/NAME/(console|vnc|portforward/PORT[/PROTOCOL]) as
// virt-api does (pkg/virt-api/rest/streamer.go Streamer.Handle, console.go, vnc.go,
// portforward.go): authorize (kube-apiserver asks for verb get on the subresource before it
// forwards a streaming call), fetch and validate the VMI, then upgrade to a websocket with
// plain.kubevirt.io and stream. parts are NS, RESOURCE, NAME, SUBRESOURCE[, PORT[, PROTOCOL]].
func (k *KubeVirtAPI) stream(w http.ResponseWriter, r *http.Request, parts []string) {
	c := Call{Namespace: parts[0], Resource: parts[1], Name: parts[2], Subresource: parts[3], UserAgent: r.UserAgent()}
	var port string
	if c.Subresource == "portforward" {
		if len(parts) < 5 || len(parts) > 6 || (len(parts) == 6 && parts[5] != "tcp" && parts[5] != "udp") {
			k.refuse(w, c, apierrors.NewNotFound(schema.GroupResource{Group: "subresources.kubevirt.io"}, r.URL.Path))
			return
		}
		port = parts[4]
		c.Subresource += "/" + port
	}
	if err := k.authorizeVerb(r.Context(), r, c, "get", parts[3]); err != nil {
		k.refuse(w, c, err)
		return
	}
	if r.Method != http.MethodGet {
		k.refuse(w, c, apierrors.NewMethodNotSupported(schema.GroupResource{Group: "subresources.kubevirt.io", Resource: c.Resource}, r.Method))
		return
	}
	vmi, err := k.runningVMI(r.Context(), c)
	if err != nil {
		k.refuse(w, c, err)
		return
	}
	if err := validateStream(vmi, parts[3]); err != nil {
		k.refuse(w, c, err)
		return
	}
	var guest net.Conn
	if parts[3] == "portforward" {
		// netDial (portforward.go) connects to the port in the virt-launcher Pod; here to the
		// address the test gave, and a failure is virt-api's 500 "Cannot dial".
		addr := k.forwardTo(c.Namespace, c.Name, port)
		if addr == "" {
			k.refuse(w, c, apierrors.NewInternalError(fmt.Errorf("can't dial VMI port %s: nothing listens there", port)))
			return
		}
		if guest, err = net.DialTimeout("tcp", addr, 5*time.Second); err != nil {
			k.refuse(w, c, apierrors.NewInternalError(fmt.Errorf("can't dial VMI port %s: %v", port, err)))
			return
		}
		defer guest.Close()
	}
	up := websocket.Upgrader{Subprotocols: []string{PlainProtocol}, HandshakeTimeout: 10 * time.Second,
		CheckOrigin: func(*http.Request) bool { return true }, ReadBufferSize: 32 << 10, WriteBufferSize: 32 << 10}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade answered the client itself
	}
	defer ws.Close()
	c.Code = http.StatusSwitchingProtocols
	k.record(c)
	k.streams.mu.Lock()
	k.streams.open++
	k.streams.mu.Unlock()
	defer func() {
		k.streams.mu.Lock()
		k.streams.open--
		k.streams.mu.Unlock()
	}()
	switch parts[3] {
	case "console":
		// The serial console of the stand-in guest echoes what it is sent.
		echo(ws)
	case "vnc":
		if err := ws.WriteMessage(websocket.BinaryMessage, []byte(RFBBanner)); err != nil {
			return
		}
		echo(ws)
	default:
		splice(ws, guest)
	}
}

// validateStream is validateVMIForConsole / validateVMIForVNC / validateVMIForPortForward
// (console.go, vnc.go, portforward.go) with fetchVMI's running check: a failed VMI's console is a
// Conflict, a VMI that is not running a BadRequest "VMI is not running", a paused VMI cannot be
// port-forwarded to.
func validateStream(vmi *kubevirtv1.VirtualMachineInstance, sub string) error {
	if sub == "console" && vmi.Status.Phase == kubevirtv1.Failed {
		return conflict("virtualmachineinstance", vmi.Name, "VMI is in failed status")
	}
	if vmi.Status.Phase != kubevirtv1.Running {
		return apierrors.NewBadRequest("VMI is not running")
	}
	if sub == "portforward" && hasCondition(vmi, kubevirtv1.VirtualMachineInstancePaused) {
		return conflict("virtualmachineinstance", vmi.Name, "VMI is paused")
	}
	return nil
}

func (k *KubeVirtAPI) refuse(w http.ResponseWriter, c Call, err error) {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		c.Code = int(st.Status().Code)
	} else {
		c.Code = http.StatusInternalServerError
	}
	c.Message = err.Error()
	k.record(c)
	writeStatus(w, err)
}

func (k *KubeVirtAPI) record(c Call) {
	k.mu.Lock()
	k.calls = append(k.calls, c)
	k.mu.Unlock()
}

// echo sends every message back as it came.
func echo(ws *websocket.Conn) {
	for {
		t, b, err := ws.ReadMessage()
		if err != nil {
			return
		}
		if err := ws.WriteMessage(t, b); err != nil {
			return
		}
	}
}

// splice copies between the websocket and the guest's connection until either side ends, as
// KubeVirt's CopyTo/CopyFrom: one binary message per read.
func splice(ws *websocket.Conn, guest net.Conn) {
	done := make(chan struct{}, 2)
	go func() {
		defer func() { done <- struct{}{} }()
		for {
			_, rd, err := ws.NextReader()
			if err != nil {
				if tc, ok := guest.(*net.TCPConn); ok {
					_ = tc.CloseWrite()
				}
				return
			}
			if _, err := io.Copy(guest, rd); err != nil {
				return
			}
		}
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		buf := make([]byte, 32<<10)
		for {
			n, err := guest.Read(buf)
			if n > 0 {
				if werr := ws.WriteMessage(websocket.BinaryMessage, buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
				return
			}
		}
	}()
	<-done
	<-done
}

// authorizeVerb asks the plane whether the caller may VERB RESOURCE/SUBRESOURCE in
// subresources.kubevirt.io.
func (k *KubeVirtAPI) authorizeVerb(ctx context.Context, r *http.Request, c Call, verb, sub string) error {
	user, groups := caller(r)
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: user, Groups: groups,
		ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: c.Namespace, Verb: verb,
			Group: "subresources.kubevirt.io", Resource: c.Resource, Subresource: sub, Name: c.Name}}}
	got, err := k.kube.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	if !got.Status.Allowed {
		return apierrors.NewForbidden(schema.GroupResource{Group: "subresources.kubevirt.io", Resource: c.Resource + "/" + sub}, c.Name,
			//lint:ignore ST1005 kube-apiserver's own wording
			fmt.Errorf("User %q cannot %s resource %q in API group %q in the namespace %q", user, verb, c.Resource+"/"+sub, "subresources.kubevirt.io", c.Namespace))
	}
	return nil
}

// KubeconfigFor rewrites a kubeconfig of the plane (from AddUser) to go through this server, so
// that the server sees that user.
func (k *KubeVirtAPI) KubeconfigFor(kubeconfig []byte) ([]byte, error) {
	return pointAt(kubeconfig, k.srv.URL, k.srv.Certificate().Raw)
}
