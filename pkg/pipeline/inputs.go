package pipeline

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"time"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
)

// What rendering a Machine reads besides its MachineClass and storage facts, each once per run:
// the NetworkNamespaces and NetworkConfigurations of its supervisor namespace (one list each per
// namespace), the Secret and ConfigMap keys of its cloud-init (one read per object), and the size of
// its ISO image (one HTTP HEAD per URL).

// The NetworkNamespaces and NetworkConfigurations are listed per supervisor namespace when the run's
// Machines are all in one namespace, and once across all namespaces otherwise, so that a batch costs
// one list of each, not one per namespace. NetworkConfigurations are listed only when a Machine needs
// a MAC (operator naming, or a static IP).

// networkScope is the namespace the supervisor's network objects are listed in for a Machine
// namespace: the namespace itself, or "" (all) when the run spans several.
func (p *Pipeline) networkScope(namespace string) string {
	if p.wideNetworkLists {
		return ""
	}
	return namespace
}

func (p *Pipeline) networkNamespaces(ctx context.Context, namespace string) ([]vitistackv1alpha1.NetworkNamespace, error) {
	all, err := p.networks.Get(p.networkScope(namespace), func() ([]vitistackv1alpha1.NetworkNamespace, error) {
		var out []vitistackv1alpha1.NetworkNamespace
		err := p.Supervisor.List(ctx, cluster.NetworkNamespaces, p.networkScope(namespace), "", func(u *unstructured.Unstructured) error {
			var nn vitistackv1alpha1.NetworkNamespace
			if err := cluster.FromUnstructured(u, &nn); err != nil {
				return fmt.Errorf("decode NetworkNamespace %q: %w", u.GetNamespace()+"/"+u.GetName(), err)
			}
			out = append(out, nn)
			return nil
		})
		if apierrors.IsNotFound(err) { // not served: there are none
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list NetworkNamespaces on the supervisor: %w", err)
		}
		return out, nil
	})
	var mine []vitistackv1alpha1.NetworkNamespace
	for _, nn := range all {
		if nn.Namespace == namespace {
			mine = append(mine, nn)
		}
	}
	return mine, err
}

// networkConfigs are the NetworkConfigurations of a scope by "namespace/name"; served is false when
// the supervisor does not serve them.
type networkConfigs struct {
	byKey  map[string]*vitistackv1alpha1.NetworkConfiguration
	served bool
}

func (p *Pipeline) networkConfig(ctx context.Context, namespace, name string) (*vitistackv1alpha1.NetworkConfiguration, bool, error) {
	cs, err := p.configs.Get(p.networkScope(namespace), func() (networkConfigs, error) {
		cs := networkConfigs{byKey: map[string]*vitistackv1alpha1.NetworkConfiguration{}, served: true}
		err := p.Supervisor.List(ctx, cluster.NetworkConfigurations, p.networkScope(namespace), "", func(u *unstructured.Unstructured) error {
			var nc vitistackv1alpha1.NetworkConfiguration
			if err := cluster.FromUnstructured(u, &nc); err != nil {
				return fmt.Errorf("decode NetworkConfiguration %q: %w", u.GetNamespace()+"/"+u.GetName(), err)
			}
			cs.byKey[nc.Namespace+"/"+nc.Name] = &nc
			return nil
		})
		switch {
		case apierrors.IsNotFound(err):
			cs.served = false
		case err != nil:
			return cs, fmt.Errorf("list NetworkConfigurations on the supervisor: %w", err)
		}
		return cs, nil
	})
	return cs.byKey[namespace+"/"+name], cs.served, err
}

// sourceKey is one Secret or ConfigMap on the supervisor.
type sourceKey struct{ kind, namespace, name string }

// cloudInit reads the Secret and ConfigMap keys the Machine's cloud-init names, in its namespace on
// the supervisor, and resolves it. A missing object or key refuses the Machine with the field.
func (p *Pipeline) cloudInit(ctx context.Context, m *vitistackv1alpha1.Machine) (*render.CloudInit, error) {
	values := map[render.CloudInitRef][]byte{}
	for _, ref := range render.CloudInitRefs(m) {
		data, err := p.sources.Get(sourceKey{ref.Kind, m.Namespace, ref.Name}, func() (map[string][]byte, error) {
			return p.readSource(ctx, ref.Kind, m.Namespace, ref.Name)
		})
		switch {
		case apierrors.IsNotFound(err):
			return nil, fmt.Errorf("%s: %s %q not found on the supervisor (create it, or fix %s.name)", ref.Field, ref.Kind, m.Namespace+"/"+ref.Name, ref.Field)
		case err != nil:
			return nil, fmt.Errorf("%s: read %s %q on the supervisor: %w", ref.Field, ref.Kind, m.Namespace+"/"+ref.Name, err)
		}
		if v, ok := data[ref.Key]; ok {
			values[ref] = v
		}
	}
	return render.ResolveCloudInit(m, values)
}

// readSource reads a Secret's data (without client-go's body logging) or a ConfigMap's data and
// binaryData.
func (p *Pipeline) readSource(ctx context.Context, kind, namespace, name string) (map[string][]byte, error) {
	if kind == "Secret" {
		return p.Supervisor.SecretData(ctx, namespace, name)
	}
	var cm corev1.ConfigMap
	if err := p.Supervisor.Get(ctx, cluster.ConfigMaps, namespace, name, &cm); err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(cm.Data)+len(cm.BinaryData))
	for k, v := range cm.Data {
		out[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		out[k] = v
	}
	return out, nil
}

// ISOSizeTimeout bounds the HTTP HEAD that sizes an ISO image, as the operator's.
const ISOSizeTimeout = 10 * time.Second

// iso sizes the Machine's ISO image: --iso-size when given, else an HTTP HEAD of its URL (+10 %,
// whole Gi; DefaultISOSize without a Content-Length), else for a registry image DefaultISOSize. An
// image that cannot be reached refuses the Machine, with the flag that skips the request.
//
// With Options.ISOFromLive the size is the live VM's (liveVM), and no request is made.
func (p *Pipeline) iso(ctx context.Context, m *vitistackv1alpha1.Machine, facts storageFacts, liveVM map[string]any) (*render.ISO, error) {
	wants, src, err := render.WantsISO(m)
	if err != nil || !wants {
		return nil, err
	}
	iso := &render.ISO{Source: src, AccessMode: facts.isoAccessMode, StorageClass: p.Options.StorageClass}
	switch {
	case p.Options.ISOSize != nil:
		iso.Size = p.Options.ISOSize.DeepCopy()
	case src == render.ISOFromRegistry:
		iso.Size = render.ISOSizeFor(0)
	case p.Options.ISOFromLive:
		iso.Size = liveISOSize(liveVM)
	default:
		url := m.Spec.OS.ImageID
		n, err := p.isoSizes.Get(url, func() (int64, error) { return p.headSize(ctx, url) })
		if err != nil {
			return nil, fmt.Errorf("spec.os.imageID: cannot read the size of %s: %v (pass --iso-size, for example --iso-size=%s)", url, err, render.DefaultISOSize)
		}
		iso.Size = render.ISOSizeFor(n)
	}
	return iso, nil
}

// liveISOSize is the storage request of a live VM's ISO DataVolumeTemplate ("<vm>-iso"), or
// DefaultISOSize when the VM has none (or none is given).
func liveISOSize(vm map[string]any) resource.Quantity {
	name, _, _ := unstructured.NestedString(vm, "metadata", "name")
	templates, _, _ := unstructured.NestedSlice(vm, "spec", "dataVolumeTemplates")
	for _, t := range templates {
		dvt, ok := t.(map[string]any)
		if !ok {
			continue
		}
		if n, _, _ := unstructured.NestedString(dvt, "metadata", "name"); name == "" || n != render.ISOName(name) {
			continue
		}
		for _, spec := range [][]string{{"spec", "storage"}, {"spec", "pvc"}} {
			s, _, _ := unstructured.NestedString(dvt, append(spec, "resources", "requests", "storage")...)
			if q, err := resource.ParseQuantity(s); err == nil {
				return q
			}
		}
	}
	return render.ISOSizeFor(0)
}

// headSize asks the image's server for its size; -1 when it does not say.
func (p *Pipeline) headSize(ctx context.Context, url string) (int64, error) {
	hc := p.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: ISOSizeTimeout}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("HEAD answered %s", resp.Status)
	}
	return resp.ContentLength, nil
}

// defaultMACPrefix is render.MACPrefix as octets.
var defaultMACPrefix = func() []byte {
	b, err := render.ParseMACPrefix(render.MACPrefix)
	if err != nil {
		panic(err)
	}
	return b
}()

// newMAC generates a MAC as the operator does: the prefix (default render.MACPrefix: locally
// administered, unicast, MAC_SET 12), then random octets.
func (p *Pipeline) newMAC() (string, error) {
	prefix := p.Options.MACPrefix
	if len(prefix) == 0 {
		prefix = defaultMACPrefix
	}
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate a MAC address: %w", err)
	}
	copy(b, prefix)
	return render.FormatMAC(b), nil
}
