package clustertest

import (
	"fmt"
	"net/url"
	"strings"

	"k8s.io/client-go/rest"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/target"
)

// SecretNamespace is where a World keeps the KubevirtConfig Secrets on its supervisor.
const SecretNamespace = "vitistack"

// World is a fake supervisor and fake remote clusters, each remote registered on the supervisor as
// vitistack installs do: a Secret holding its kubeconfig and a KubevirtConfig of the remote's name.
// Every remote has a default StorageClass "standard".
type World struct {
	Supervisor *Cluster
	Remotes    map[string]*Cluster
	// byHost finds a remote from the server address of its kubeconfig.
	byHost map[string]*Cluster
}

// NewWorld builds a supervisor holding objs and the named remotes.
func NewWorld(remotes []string, objs ...any) *World {
	w := &World{Remotes: map[string]*Cluster{}, byHost: map[string]*Cluster{}}
	var sup []any
	sup = append(sup, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+SecretNamespace+"\n")
	for _, name := range remotes {
		r := New(cluster.RemoteID(name), `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: example.com/none
`)
		w.Remotes[name] = r
		w.byHost[Server(name)] = r
		sup = append(sup, SecretYAML(SecretNamespace, name+"-kubeconfig", "kubeconfig", Kubeconfig(Server(name))),
			fmt.Sprintf("apiVersion: vitistack.io/v1alpha1\nkind: KubevirtConfig\nmetadata:\n  name: %s\nspec:\n  name: %s\n  secretNamespace: %s\n  kubeconfigSecretRef: %s-kubeconfig\n",
				name, name, SecretNamespace, name))
	}
	w.Supervisor = New(cluster.SupervisorID, append(sup, objs...)...)
	return w
}

// Server is the address a World gives a remote.
func Server(name string) string { return "https://" + name + ".test:6443" }

// Kubeconfig is a kubeconfig for server with an embedded token: what the untrusted-kubeconfig policy
// accepts.
func Kubeconfig(server string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: %q, certificate-authority-data: %q}}]
users: [{name: u, user: {token: secret-token}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`, server, "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJBREFOQmdrcWhraUc5dzBCQVFFRkFBT0NBUThBTUlJQkNnS0NBUUVBCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K")
}

// SecretYAML is a Secret with one string key.
func SecretYAML(namespace, name, key, value string) string {
	indented := "    " + strings.ReplaceAll(strings.TrimRight(value, "\n"), "\n", "\n    ")
	return fmt.Sprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: %s\nstringData:\n  %s: |\n%s\n", name, namespace, key, indented)
}

// NewClient is a target.Options.NewClient that connects to the World's remotes by their server
// address: the client a run builds for a KubevirtConfig is the fake of that remote, under the ID the
// run gives it.
func (w *World) NewClient(id cluster.ID, cfg *rest.Config) (*cluster.Client, error) {
	u, err := url.Parse(cfg.Host)
	if err != nil {
		return nil, err
	}
	r, ok := w.byHost["https://"+u.Host]
	if !ok {
		return nil, fmt.Errorf("dial tcp %s: connect: connection refused", u.Host)
	}
	c := *r.Client
	c.ID = id
	return &c, nil
}

// Resolver is a target.Resolver of the World, with opts.
func (w *World) Resolver(opts target.Options) *target.Resolver {
	opts.NewClient = w.NewClient
	return target.NewResolver(w.Supervisor.Client, opts)
}

// Reset forgets every cluster's recorded requests.
func (w *World) Reset() {
	w.Supervisor.Reset()
	for _, r := range w.Remotes {
		r.Reset()
	}
}
