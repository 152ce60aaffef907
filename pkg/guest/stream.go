package guest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	k8swebsocket "k8s.io/client-go/transport/websocket"
	"k8s.io/streaming/pkg/httpstream"
)

// PlainProtocol is KubeVirt's websocket subprotocol of the streaming subresources
// (kubecli.PlainStreamProtocolName): binary messages carry raw bytes.
const PlainProtocol = "plain.kubevirt.io"

// DefaultConnectTimeout bounds the websocket's connection and handshake without
// --request-timeout.
const DefaultConnectTimeout = 30 * time.Second

// Dialer opens streams to instances.
type Dialer struct {
	// ConnectTimeout bounds each connection and handshake (0: DefaultConnectTimeout); the stream
	// itself is not bounded.
	ConnectTimeout time.Duration
}

// Dial opens the instance's streaming subresource sub ("console", "vnc", "portforward/22/tcp")
// as a Stream. KubeVirt's refusals come back as their apierrors value (400 "VMI is not running",
// 409 "VMI is paused", 403, ...), wrapped with what was opened.
func (d Dialer) Dial(ctx context.Context, in *Instance, sub string) (*Stream, error) {
	timeout := d.ConnectTimeout
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}
	cfg := in.Cluster.Config
	if cfg == nil {
		return nil, fmt.Errorf("%s: %s needs a real API server", in, sub)
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := dial(cctx, cfg, in.Path(sub))
	if err != nil {
		if cctx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("no answer within %s (--request-timeout)", timeout)
		}
		return nil, fmt.Errorf("%s: open %s: %w", in, sub, unwrapUpgrade(err))
	}
	return newStream(conn), nil
}

// dial negotiates the websocket with the configuration's TLS, credentials and proxy; each call
// has its own round tripper (one holds one connection).
func dial(ctx context.Context, cfg *rest.Config, path string) (*websocket.Conn, error) {
	c := rest.CopyConfig(cfg)
	rt, holder, err := k8swebsocket.RoundTripperFor(c)
	if err != nil {
		return nil, err
	}
	host := c.Host
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	u, err := url.Parse(host)
	if err != nil {
		return nil, fmt.Errorf("server %q: %w", c.Host, err)
	}
	u.Path = strings.TrimRight(u.Path, "/") + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	return k8swebsocket.Negotiate(rt, holder, req, PlainProtocol)
}

// unwrapUpgrade returns the Status inside a failed upgrade, so that callers see KubeVirt's refusal.
func unwrapUpgrade(err error) error {
	var up *httpstream.UpgradeFailureError
	if errors.As(err, &up) {
		var st *apierrors.StatusError
		if errors.As(up.Cause, &st) {
			return st
		}
		return up.Cause
	}
	return err
}

// Stream is an open websocket stream as a byte stream: Read returns the bytes of the binary
// messages in order, Write sends each buffer as one binary message.
type Stream struct {
	ws     *websocket.Conn
	reader io.Reader
	wmu    sync.Mutex
	once   sync.Once
}

func newStream(ws *websocket.Conn) *Stream { return &Stream{ws: ws} }

func (s *Stream) Read(p []byte) (int, error) {
	for {
		if s.reader == nil {
			t, r, err := s.ws.NextReader()
			if err != nil {
				if websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived) {
					return 0, io.EOF
				}
				return 0, err
			}
			if t != websocket.BinaryMessage && t != websocket.TextMessage {
				continue
			}
			s.reader = r
		}
		n, err := s.reader.Read(p)
		if err == io.EOF {
			s.reader = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

func (s *Stream) Write(p []byte) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.ws.WriteMessage(websocket.BinaryMessage, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close says goodbye (a close message) and closes the connection.
func (s *Stream) Close() error {
	var err error
	s.once.Do(func() {
		s.wmu.Lock()
		_ = s.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		s.wmu.Unlock()
		err = s.ws.Close()
	})
	return err
}

// Splice copies between the stream and a local side until either ends: the local side's end
// (EOF on in) closes the stream, the stream's end closes nothing local but returns. It returns the
// first error that is not an end of either side.
func Splice(ctx context.Context, s *Stream, in io.Reader, out io.Writer) error {
	errs := make(chan error, 2)
	go func() {
		_, err := io.Copy(s, in)
		errs <- err
	}()
	go func() {
		_, err := io.Copy(out, s)
		errs <- err
	}()
	var err error
	select {
	case err = <-errs:
	case <-ctx.Done():
	}
	_ = s.Close()
	if err != nil && (errors.Is(err, io.EOF) || errors.Is(err, websocket.ErrCloseSent) || isClosed(err)) {
		err = nil
	}
	return err
}

func isClosed(err error) bool {
	return strings.Contains(err.Error(), "use of closed network connection")
}
