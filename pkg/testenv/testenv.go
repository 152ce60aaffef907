// Package testenv starts real local control planes (kube-apiserver and etcd, through
// controller-runtime's envtest) for the end-to-end tests and for `make demo`: one supervisor with the
// vitistack CRDs (Machine, KubevirtConfig, MachineClass, NetworkNamespace, NetworkConfiguration), and
// remote KubeVirt clusters with the KubeVirt VirtualMachine and VirtualMachineInstance, CDI
// StorageProfile and Multus NetworkAttachmentDefinition CRDs and a default StorageClass. Each remote is registered on the supervisor as a
// KubevirtConfig whose Secret holds the remote's kubeconfig, as vitistack installs do.
//
// The binaries come from KUBEBUILDER_ASSETS (see hack/envtest-assets.sh); nothing is downloaded.
// This package is for tests and the demo only; the plugin never imports it.
package testenv

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/go-logr/logr"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/yaml"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

//go:embed crds
var crdFiles embed.FS

// AssetsHint tells how to get the control plane binaries.
const AssetsHint = `export KUBEBUILDER_ASSETS="$(hack/envtest-assets.sh)"   # builds kube-apiserver, etcd and kubectl once (about 8 minutes), then cached`

// HarnessUserAgent is the User-Agent of the harness's own requests.
const HarnessUserAgent = "vitimachine-testenv"

// auditPolicy logs every request at Metadata level: who, what, which resource and the response
// code, never a request or response body.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
`

// ErrNoAssets means KUBEBUILDER_ASSETS does not point at the control plane binaries.
var ErrNoAssets = errors.New("KUBEBUILDER_ASSETS does not name a folder with kube-apiserver, etcd and kubectl")

// Assets returns the folder with kube-apiserver, etcd and kubectl, or ErrNoAssets.
func Assets() (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		return "", ErrNoAssets
	}
	for _, b := range []string{"kube-apiserver", "etcd", "kubectl"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return "", fmt.Errorf("%w: %s", ErrNoAssets, err)
		}
	}
	return dir, nil
}

// Plane is one running control plane.
type Plane struct {
	Name string
	// Config is an admin (system:masters) client config.
	Config *rest.Config
	// Kubeconfig is the admin kubeconfig with embedded credentials; KubeconfigPath the same on disk.
	Kubeconfig     []byte
	KubeconfigPath string
	// AuditLog is the audit log's path when Options.Audit was set.
	AuditLog string
	// KubeVirt is the stand-in virt-api in front of a remote plane (Options.KubeVirtAPI): the
	// kubeconfig registered on the supervisor points at it.
	KubeVirt *KubeVirtAPI

	role cluster.Role
	env  *envtest.Environment
}

// Stop stops the plane (its stand-in virt-api, the API server, then etcd).
func (p *Plane) Stop() error {
	if p.KubeVirt != nil {
		p.KubeVirt.Close()
	}
	return p.env.Stop()
}

// RegisteredKubeconfig is the kubeconfig a supervisor holds for the plane: through its stand-in
// virt-api when it has one, else straight to its API server.
func (p *Plane) RegisteredKubeconfig() []byte {
	if p.KubeVirt != nil {
		return p.KubeVirt.Kubeconfig
	}
	return p.Kubeconfig
}

// AddUser adds a user with the given groups and returns a kubeconfig for it.
func (p *Plane) AddUser(name string, groups ...string) ([]byte, error) {
	u, err := p.env.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		return nil, err
	}
	return u.KubeConfig()
}

// Options of Start.
type Options struct {
	// Remotes names the remote clusters; each also becomes a KubevirtConfig of that name.
	Remotes []string
	// Dir receives the kubeconfig files; it must exist.
	Dir string
	// AttachOutput sends the control planes' output to this process's (for debugging).
	AttachOutput bool
	// Audit makes every API server write an audit log (metadata only, no bodies) to
	// Dir/<plane>.audit.log, so that tests can count the requests a run made.
	Audit bool
	// KubeVirtAPI puts a stand-in virt-api (KubeVirtAPI, serving subresources.kubevirt.io) in
	// front of every remote; the remotes are registered on the supervisor through it.
	KubeVirtAPI bool
}

// Env is a supervisor and its remotes.
type Env struct {
	Supervisor *Plane
	Remotes    []*Plane
}

// Remote returns the remote plane with the given name.
func (e *Env) Remote(name string) *Plane {
	for _, r := range e.Remotes {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// Stop stops every plane, in parallel.
func (e *Env) Stop() error {
	planes := append([]*Plane{e.Supervisor}, e.Remotes...)
	errs := make([]error, len(planes))
	var wg sync.WaitGroup
	for i, p := range planes {
		if p == nil || p.env == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.Stop()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Start starts the supervisor and the remotes in parallel, installs the CRDs, and registers every
// remote on the supervisor (Secret + KubevirtConfig). On error every started plane is stopped.
func Start(ctx context.Context, opts Options) (*Env, error) {
	if _, err := Assets(); err != nil {
		return nil, err
	}
	supCRDs, err := loadCRDs("crds/supervisor")
	if err != nil {
		return nil, err
	}
	remoteCRDs, err := loadCRDs("crds/remote")
	if err != nil {
		return nil, err
	}
	// envtest logs through controller-runtime's logger, which complains (with a stack trace) when a
	// plane starts more than 30 s after the process did (StartRemote, AddSupervisor) and nobody set
	// it. Set here, before any plane starts, since setting it is not safe alongside its use.
	ctrllog.SetLogger(logr.Discard())
	env := &Env{Supervisor: &Plane{Name: "supervisor", role: cluster.Supervisor}}
	for _, name := range opts.Remotes {
		env.Remotes = append(env.Remotes, &Plane{Name: name, role: cluster.Remote})
	}
	planes := append([]*Plane{env.Supervisor}, env.Remotes...)
	errs := make([]error, len(planes))
	var wg sync.WaitGroup
	for i, p := range planes {
		crds := remoteCRDs
		if i == 0 {
			crds = supCRDs
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = start(p, crds, opts)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		_ = env.Stop()
		return nil, err
	}
	if opts.KubeVirtAPI {
		for _, r := range env.Remotes {
			if r.KubeVirt, err = r.StartKubeVirtAPI(); err != nil {
				_ = env.Stop()
				return nil, fmt.Errorf("%s: kubevirt api: %w", r.Name, err)
			}
		}
	}
	if err := env.register(ctx); err != nil {
		_ = env.Stop()
		return nil, err
	}
	return env, nil
}

func start(p *Plane, crds []*apiextensionsv1.CustomResourceDefinition, opts Options) error {
	p.env = &envtest.Environment{
		CRDInstallOptions:        envtest.CRDInstallOptions{CRDs: crds, MaxTime: 60 * time.Second},
		ControlPlaneStartTimeout: 90 * time.Second,
		ControlPlaneStopTimeout:  30 * time.Second,
		AttachControlPlaneOutput: opts.AttachOutput,
	}
	if opts.Audit {
		policy := filepath.Join(opts.Dir, "audit-policy.yaml")
		if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
			return err
		}
		p.AuditLog = filepath.Join(opts.Dir, p.Name+".audit.log")
		p.env.ControlPlane.GetAPIServer().Configure().
			Set("audit-policy-file", policy).
			Set("audit-log-path", p.AuditLog).
			Set("audit-log-format", "json")
	}
	cfg, err := p.env.Start()
	if err != nil {
		return fmt.Errorf("start %s control plane: %w", p.Name, err)
	}
	p.Config = rest.CopyConfig(cfg)
	// Requests from the harness are told apart from the plugin's in the audit log by this agent.
	p.Config.UserAgent = HarnessUserAgent
	kc, err := p.AddUser("vitimachine-admin", "system:masters")
	if err != nil {
		return fmt.Errorf("%s: admin kubeconfig: %w", p.Name, err)
	}
	p.Kubeconfig = kc
	if opts.Dir != "" {
		p.KubeconfigPath = filepath.Join(opts.Dir, p.Name+".kubeconfig")
		if err := os.WriteFile(p.KubeconfigPath, kc, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func loadCRDs(dir string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	var out []*apiextensionsv1.CustomResourceDefinition
	err := fs.WalkDir(crdFiles, dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := crdFiles.ReadFile(path)
		if err != nil {
			return err
		}
		yr := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
		for {
			doc, err := yr.Read()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			var crd apiextensionsv1.CustomResourceDefinition
			if err := yaml.Unmarshal(doc, &crd); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if crd.Name != "" {
				out = append(out, &crd)
			}
		}
	})
	return out, err
}

// AddSupervisor starts another supervisor that knows the same remotes (each registered as a
// KubevirtConfig with its Secret). Tests that need a supervisor of their own use it.
func (e *Env) AddSupervisor(ctx context.Context, name string, opts Options) (*Plane, error) {
	crds, err := loadCRDs("crds/supervisor")
	if err != nil {
		return nil, err
	}
	p := &Plane{Name: name, role: cluster.Supervisor}
	if err := start(p, crds, opts); err != nil {
		return nil, err
	}
	if err := registerAll(ctx, p, e.Remotes); err != nil {
		_ = p.Stop()
		return nil, err
	}
	return p, nil
}

// StartRemote starts one more remote plane with only the named CRDs of crds/remote (by CRD name,
// such as "virtualmachines.kubevirt.io"; none for a bare cluster) and no StorageClass, registered
// nowhere: tests of clusters that lack something register it themselves and stop it when done.
func StartRemote(name string, crds []string, opts Options) (*Plane, error) {
	chosen, err := remoteCRDs(crds)
	if err != nil {
		return nil, err
	}
	p := &Plane{Name: name, role: cluster.Remote}
	if err := start(p, chosen, opts); err != nil {
		return nil, err
	}
	return p, nil
}

// InstallCRDs installs more of the CRDs of crds/remote into a running plane and waits until the API
// server serves them.
func (p *Plane) InstallCRDs(names ...string) error {
	chosen, err := remoteCRDs(names)
	if err != nil {
		return err
	}
	_, err = envtest.InstallCRDs(p.Config, envtest.CRDInstallOptions{CRDs: chosen, MaxTime: 60 * time.Second})
	return err
}

// remoteCRDs are the named CRDs of crds/remote; an unknown name is an error.
func remoteCRDs(names []string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	all, err := loadCRDs("crds/remote")
	if err != nil {
		return nil, err
	}
	var out []*apiextensionsv1.CustomResourceDefinition
	for _, n := range names {
		i := slices.IndexFunc(all, func(c *apiextensionsv1.CustomResourceDefinition) bool { return c.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("testenv: no remote CRD %q", n)
		}
		out = append(out, all[i])
	}
	return out, nil
}
