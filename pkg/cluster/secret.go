package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kversion "k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// maxRawBytes caps what is read of a raw answer; Kubernetes itself caps a Secret at 1 MiB.
const maxRawBytes = 2 << 20

// rawReader reads what must not, or cannot, go through the dynamic client: Secrets, /version and
// discovery documents.
type rawReader interface {
	secretData(ctx context.Context, namespace, name string) (map[string][]byte, error)
	serverVersion(ctx context.Context) (string, error)
	servedResources(ctx context.Context, gv schema.GroupVersion) (map[string]bool, error)
}

// httpReader reads with plain HTTP requests on the client's transport.
//
// Secrets do not go through client-go's REST client on purpose: that client logs response bodies at
// -v=8 and above, and a Secret's body must never reach a log. The HTTP client used here logs at most
// the URL, the status and headers (with the bearer token masked).
type httpReader struct {
	id  ID
	cfg *rest.Config
	// hc is the client's HTTP client, shared with its dynamic client (New).
	hc *http.Client
}

func (h *httpReader) secretData(ctx context.Context, namespace, name string) (map[string][]byte, error) {
	body, err := h.get(ctx, "/api/v1/namespaces/"+url.PathEscape(namespace)+"/secrets/"+url.PathEscape(name), Secrets.GVR.GroupResource(), name)
	if err != nil {
		return nil, err
	}
	var s corev1.Secret
	if err := json.Unmarshal(body, &s); err != nil {
		return nil, fmt.Errorf("decode secret %q: not a Secret", namespace+"/"+name)
	}
	return s.Data, nil
}

func (h *httpReader) serverVersion(ctx context.Context) (string, error) {
	body, err := h.get(ctx, "/version", schema.GroupResource{}, "")
	if err != nil {
		return "", err
	}
	var v kversion.Info
	if err := json.Unmarshal(body, &v); err != nil || v.GitVersion == "" {
		return "", fmt.Errorf("cluster %s: /version did not answer with a version", h.id)
	}
	return v.GitVersion, nil
}

// get reads path; gr and name describe what is read, for the error of a non-Status answer.
func (h *httpReader) get(ctx context.Context, path string, gr schema.GroupResource, name string) ([]byte, error) {
	u, err := url.Parse(h.cfg.Host)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: server %q: %w", h.id, h.cfg.Host, err)
	}
	if u.Scheme == "" {
		if u, err = url.Parse("https://" + h.cfg.Host); err != nil {
			return nil, err
		}
	}
	u.Path = strings.TrimRight(u.Path, "/") + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if h.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", h.cfg.UserAgent)
	}
	resp, err := h.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRawBytes))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, statusError(resp.StatusCode, body, gr, name)
	}
	return body, nil
}

// statusError turns an API error response into the apierrors value client-go would return, so
// callers can use apierrors.IsNotFound and friends. Only the Status object is decoded.
func statusError(code int, body []byte, gr schema.GroupResource, name string) error {
	var st metav1.Status
	if json.Unmarshal(body, &st) == nil && st.Kind == "Status" {
		return &apierrors.StatusError{ErrStatus: st}
	}
	return apierrors.NewGenericServerResponse(code, http.MethodGet, gr, name, "", 0, false)
}

// dynamicReader reads Secrets through a dynamic.Interface, for clients built with NewFromDynamic.
type dynamicReader struct {
	dyn       dynamic.Interface
	version   string
	discovery Discovery
}

func (d *dynamicReader) secretData(ctx context.Context, namespace, name string) (map[string][]byte, error) {
	u, err := d.dyn.Resource(Secrets.GVR).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	var s corev1.Secret
	if err := FromUnstructured(u, &s); err != nil {
		return nil, err
	}
	if s.Data == nil && len(s.StringData) > 0 {
		s.Data = map[string][]byte{}
	}
	for k, v := range s.StringData {
		s.Data[k] = []byte(v)
	}
	return s.Data, nil
}

func (d *dynamicReader) serverVersion(context.Context) (string, error) {
	if d.version == "" {
		return "", fmt.Errorf("no server version")
	}
	return d.version, nil
}
