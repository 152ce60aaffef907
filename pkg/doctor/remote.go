package doctor

import (
	"context"
	"fmt"
	"sync"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/facts"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// remote checks one remote cluster, all within --cluster-timeout (the cluster's client is bound,
// cluster.Client.Bound; the Secret read is the supervisor's): its kubeconfig (read and checked
// exactly as create does), the server and its version, then in parallel its CRDs, the default
// StorageClass and the permissions. A cluster that cannot be reached gets no further checks, so a
// dead cluster costs its deadline once.
func (d *Doctor) remote(ctx context.Context, s *survey, r remoteTarget) []Check {
	c, row := d.remoteClient(ctx, r)
	if c == nil {
		return []Check{row}
	}
	name := c.ID.Name
	row.Cluster = name
	rows := []Check{row}
	bypass := "or pass --remote-kubeconfig/--remote-context with your own access to it"
	if r.config == nil {
		bypass = "or pass another --remote-kubeconfig/--remote-context"
	}
	server := d.serverCheck(ctx, c, "check the server address and that this machine can reach it, "+bypass)
	rows = append(rows, server)
	if server.Result == Fail {
		return rows
	}
	var crds, storage, perms []Check
	var wg sync.WaitGroup
	for _, check := range []func(){
		func() { crds = d.remoteCRDs(ctx, c, s.machinesOn(r), s) },
		func() { storage = []Check{d.storageRow(ctx, c)} },
		func() {
			who, file := "the identity in Secret "+secretRef(r.config), "examples/rbac-remote.yaml"
			if r.config == nil {
				who = "the identity of --remote-kubeconfig/--remote-context"
			}
			perms = d.permissions(ctx, c, cluster.Remote, remoteScopes(s, r, d.Options), who, file)
		},
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			check()
		}()
	}
	wg.Wait()
	rows = append(rows, crds...)
	rows = append(rows, storage...)
	return append(rows, perms...)
}

// remoteClient builds the cluster's client through the resolver, which reads the KubevirtConfig's
// Secret and refuses an unsafe kubeconfig with create's own messages.
func (d *Doctor) remoteClient(ctx context.Context, r remoteTarget) (*cluster.Client, Check) {
	row := Check{Check: "kubeconfig", Cluster: r.name}
	if r.config == nil {
		t, err := d.Resolver.Resolve(ctx, &vitistackv1alpha1.Machine{})
		if err != nil {
			row.Result, row.Detail = Fail, err.Error()+"; check --remote-kubeconfig/--remote-context"
			return nil, row
		}
		row.Cluster, row.Result, row.Detail = t.Name(), OK, "--remote-kubeconfig/--remote-context: your own kubeconfig, trusted as kubectl does"
		return t.Cluster, row
	}
	c, err := d.Resolver.Client(ctx, r.name)
	if err != nil {
		fix := fmt.Sprintf("fix Secret %s (the remote kubeconfig under key %q, credentials embedded, no exec plugin or file path) or the KubevirtConfig, or pass --remote-kubeconfig/--remote-context with your own access",
			secretRef(r.config), vitistack.SecretKeyKubeconfig)
		if apierrors.IsForbidden(err) {
			fix = fmt.Sprintf("grant get on secrets in namespace %s (examples/rbac-supervisor.yaml)", r.config.Spec.SecretNamespace)
		}
		row.Result, row.Detail = Fail, d.words(err)+"; "+fix
		return nil, row
	}
	row.Result, row.Detail = OK, fmt.Sprintf("Secret %s key %q: accepted", secretRef(r.config), vitistack.SecretKeyKubeconfig)
	return c, row
}

func secretRef(kc *vitistackv1alpha1.KubevirtConfig) string {
	if kc == nil {
		return ""
	}
	return kc.Spec.SecretNamespace + "/" + kc.Spec.KubeconfigSecretRef
}

// remoteCRDs checks KubeVirt's VM (fail) and VMI (warn) CRDs, CDI's StorageProfile (warn) and
// Multus's NetworkAttachmentDefinition (warn; fail when a Machine needs a Multus network), with
// one discovery request per group-version.
func (d *Doctor) remoteCRDs(ctx context.Context, c *cluster.Client, machines []machine, s *survey) []Check {
	var multus []string
	for _, m := range machines {
		if s.usesNetworks(m) && s.needsMultus(m) {
			multus = append(multus, m.key())
		}
	}
	nadResult, nadFix := Warn, "Machines whose NetworkNamespace has a VLAN or static IPs cannot be created here; install Multus"
	if len(multus) > 0 {
		nadResult, nadFix = Fail, fmt.Sprintf("Machines %s need a NetworkAttachmentDefinition (their NetworkNamespace has a VLAN or static IPs); install Multus on this cluster", named(multus))
	}
	checks := []struct {
		r   cluster.Resource
		bad Result
		fix string
	}{
		{cluster.VirtualMachines, Fail, "install KubeVirt on this cluster, or point the KubevirtConfig at a KubeVirt cluster"},
		{cluster.VirtualMachineInstances, Warn, "status cannot show the phase, node and IP of VMs; install KubeVirt"},
		{cluster.StorageProfiles, Warn, "without CDI the access mode is ReadWriteOnce unless --access-mode; install CDI for StorageProfiles"},
		{cluster.NetworkAttachmentDefinitions, nadResult, nadFix},
	}
	docs := map[schema.GroupVersion]*discovered{}
	for _, ch := range checks {
		gv := ch.r.GVR.GroupVersion()
		if docs[gv] == nil {
			docs[gv] = &discovered{}
		}
	}
	var wg sync.WaitGroup
	for gv, doc := range docs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			doc.served, doc.err = c.ServedResources(ctx, gv)
			if doc.err != nil && !isNotFound(doc.err) {
				doc.err = fmt.Errorf("%s", d.words(doc.err))
			}
		}()
	}
	wg.Wait()
	rows := make([]Check, 0, len(checks))
	for _, ch := range checks {
		doc := docs[ch.r.GVR.GroupVersion()]
		rows = append(rows, crdRow(c.ID.Name, ch.r, doc.served, doc.err, ch.bad, ch.fix))
	}
	return rows
}

type discovered struct {
	served map[string]bool
	err    error
}

// storageRow checks that PVCs get a StorageClass: --storage-class, else the cluster's default
// class, found exactly as create finds it.
func (d *Doctor) storageRow(ctx context.Context, c *cluster.Client) Check {
	row := Check{Check: "default storageclass", Cluster: c.ID.Name}
	if d.Options.StorageClass != "" {
		row.Result, row.Detail = OK, fmt.Sprintf("--storage-class %s: the default class is not used", d.Options.StorageClass)
		return row
	}
	class, err := facts.DefaultStorageClass(ctx, c)
	switch {
	case apierrors.IsForbidden(err):
		row.Result, row.Detail = Fail, err.Error()+"; grant list on storageclasses.storage.k8s.io, or pass --storage-class"
	case err != nil && ctx.Err() != nil:
		row.Result, row.Detail = Fail, "list storageclasses: "+d.words(err)
	case err != nil:
		row.Result, row.Detail = Fail, err.Error()
	default:
		row.Result, row.Detail = OK, class
	}
	return row
}

func isNotFound(err error) bool { return apierrors.IsNotFound(err) }
