package cluster

import (
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NotServedError says that a cluster does not serve a resource at all: its CRD is not installed
// (a 404 for the resource, not for an object). It unwraps to the API server's NotFound, so callers
// that treat an absent optional resource as absent (CDI's StorageProfiles) keep working; callers
// for which the resource is required check IsNotServed first.
type NotServedError struct {
	Cluster  ID
	Context  string
	Server   string
	Resource Resource
	err      error
}

func (e *NotServedError) Error() string {
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
	return fmt.Sprintf("%s is not served by %s: %s", e.Resource.GVR.GroupResource(), where, installHint(e.Resource.GVR.Group))
}

func (e *NotServedError) Unwrap() error { return e.err }

// IsNotServed reports whether err says a resource is not served (its CRD is missing).
func IsNotServed(err error) bool {
	var ns *NotServedError
	return errors.As(err, &ns)
}

// installHint says what provides the resources of an API group.
func installHint(group string) string {
	switch group {
	case Machines.GVR.Group:
		return "the vitistack CRDs are not installed there (install the CRDs of github.com/vitistack/common, its crds/ folder; see the README's \"First run against your own clusters\")"
	case VirtualMachines.GVR.Group:
		return "KubeVirt is not installed there (install KubeVirt on the remote cluster, or point the KubevirtConfig at one that has it)"
	case StorageProfiles.GVR.Group:
		return "CDI is not installed there"
	case NetworkAttachmentDefinitions.GVR.Group:
		return "Multus (NetworkAttachmentDefinitions) is not installed there"
	}
	return "its CRD is not installed there"
}

// served turns a 404 for the resource itself into a *NotServedError. An API server answers a
// request for a resource it does not serve with a NotFound whose details name no object (or, from
// a proxy, with a body that is not a Status at all); a missing object's NotFound names it.
func (c *Client) served(r Resource, err error) error {
	if err == nil || !apierrors.IsNotFound(err) {
		return err
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return err
	}
	d := status.Status().Details
	unexpected := false
	if d != nil {
		for _, cause := range d.Causes {
			unexpected = unexpected || cause.Type == metav1.CauseTypeUnexpectedServerResponse
		}
	}
	if d != nil && d.Name != "" && !unexpected {
		return err
	}
	out := &NotServedError{Cluster: c.ID, Context: c.Context, Resource: r, err: err}
	if c.Config != nil {
		out.Server = c.Config.Host
	}
	return out
}
