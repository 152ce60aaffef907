// Package testenv starts real local control planes (kube-apiserver and etcd, through
// controller-runtime's envtest) for the end-to-end tests and for `make demo`: one supervisor with the
// vitistack CRDs, and remote KubeVirt clusters with the KubeVirt VirtualMachine and CDI
// StorageProfile CRDs and a default StorageClass. Each remote is registered on the supervisor as a
// KubevirtConfig whose Secret holds the remote's kubeconfig, as vitistack installs do.
//
// The binaries come from KUBEBUILDER_ASSETS (see hack/envtest-assets.sh); nothing is downloaded.
// This package is for tests and the demo only; the plugin never imports it.
package testenv

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"
)

//go:embed crds
var crdFiles embed.FS

// AssetsHint tells how to get the control plane binaries.
const AssetsHint = `export KUBEBUILDER_ASSETS="$(hack/envtest-assets.sh)"   # builds kube-apiserver, etcd and kubectl once (about 8 minutes), then cached`

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

	env *envtest.Environment
}

// Stop stops the plane (the API server first, then etcd).
func (p *Plane) Stop() error { return p.env.Stop() }

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
	// Out, when set, receives the control planes' output (for debugging).
	AttachOutput bool
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
	env := &Env{Supervisor: &Plane{Name: "supervisor"}}
	for _, name := range opts.Remotes {
		env.Remotes = append(env.Remotes, &Plane{Name: name})
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
	cfg, err := p.env.Start()
	if err != nil {
		return fmt.Errorf("start %s control plane: %w", p.Name, err)
	}
	p.Config = cfg
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
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal(b, &crd); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, &crd)
		return nil
	})
	return out, err
}
