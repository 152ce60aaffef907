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
	"k8s.io/client-go/rest"
)

// maxSecretBytes caps what is read of a Secret; Kubernetes itself caps a Secret at 1 MiB.
const maxSecretBytes = 2 << 20

// SecretData reads the data of a Secret.
//
// It does not go through client-go's REST client on purpose: that client logs response bodies at
// -v=8 and above, and a Secret's body must never reach a log. The HTTP client used here logs at most
// the URL, the status and headers (with the bearer token masked).
func (c *Client) SecretData(ctx context.Context, namespace, name string) (map[string][]byte, error) {
	hc, err := rest.HTTPClientFor(c.Config)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(c.Config.Host)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: server %q: %w", c.Name, c.Config.Host, err)
	}
	if u.Scheme == "" {
		u, err = url.Parse("https://" + c.Config.Host)
		if err != nil {
			return nil, err
		}
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/api/v1/namespaces/" + url.PathEscape(namespace) + "/secrets/" + url.PathEscape(name)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if c.Config.UserAgent != "" {
		req.Header.Set("User-Agent", c.Config.UserAgent)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSecretBytes))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, statusError(resp.StatusCode, body, name)
	}
	var s corev1.Secret
	if err := json.Unmarshal(body, &s); err != nil {
		return nil, fmt.Errorf("decode secret %q: not a Secret", namespace+"/"+name)
	}
	return s.Data, nil
}

// statusError turns an API error response into the apierrors value client-go would return, so
// callers can use apierrors.IsNotFound and friends. Only the Status object is decoded.
func statusError(code int, body []byte, name string) error {
	var st metav1.Status
	if json.Unmarshal(body, &st) == nil && st.Kind == "Status" {
		return &apierrors.StatusError{ErrStatus: st}
	}
	return apierrors.NewGenericServerResponse(code, http.MethodGet, schema.GroupResource{Resource: "secrets"}, name, "", 0, false)
}
