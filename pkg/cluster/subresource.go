package cluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// SubresourceAPI is KubeVirt's API of actions on VMs and VMIs, served by virt-api: start, stop,
// restart, migrate (virtualmachines), pause, unpause, softreboot (virtualmachineinstances).
const SubresourceAPI = "subresources.kubevirt.io/v1"

// Action is one subresource call: PUT
// /apis/subresources.kubevirt.io/v1/namespaces/NAMESPACE/RESOURCE/NAME/SUBRESOURCE with Body.
type Action struct {
	// Resource is "virtualmachines" or "virtualmachineinstances".
	Resource    string
	Namespace   string
	Name        string
	Subresource string
	// Body is the JSON options (StopOptions, ...); nil sends no body.
	Body []byte
}

// Path is the action's URL path.
func (a Action) Path() string {
	return "/apis/" + SubresourceAPI + "/namespaces/" + url.PathEscape(a.Namespace) + "/" +
		a.Resource + "/" + url.PathEscape(a.Name) + "/" + a.Subresource
}

// Put sends a subresource action under the client's deadline. A non-2xx answer is returned as the
// apierrors value of its Status (409 Conflict for "VM is already running", ...). Only package write
// calls it: a subresource call changes the cluster.
func (c *Client) Put(ctx context.Context, a Action) error {
	h, ok := c.raw.(*httpReader)
	if !ok {
		return fmt.Errorf("cluster %s: subresource calls need a real API server", c.ID)
	}
	return c.do(ctx, func(ctx context.Context) error { return h.put(ctx, a) })
}

func (h *httpReader) put(ctx context.Context, a Action) error {
	u, err := url.Parse(h.cfg.Host)
	if err != nil {
		return fmt.Errorf("cluster %s: server %q: %w", h.id, h.cfg.Host, err)
	}
	if u.Scheme == "" {
		if u, err = url.Parse("https://" + h.cfg.Host); err != nil {
			return err
		}
	}
	u.Path = strings.TrimRight(u.Path, "/") + a.Path()
	var body io.Reader
	if a.Body != nil {
		body = bytes.NewReader(a.Body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u.String(), body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if a.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if h.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", h.cfg.UserAgent)
	}
	resp, err := h.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxRawBytes))
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return statusError(resp.StatusCode, answer, schema.GroupResource{Group: "kubevirt.io", Resource: a.Resource}, a.Name)
	}
	return nil
}
