package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// result is one run of the plugin. err is set (and code is -1) when kubectl could not be run at
// all; the run's caller reports it on the test's goroutine (mustSucceed, mustExit), so that a run
// in a goroutine never calls t.Fatal.
type result struct {
	stdout, stderr string
	code           int
	err            error
}

func (r result) String() string {
	if r.err != nil {
		return fmt.Sprintf("kubectl did not run: %v", r.err)
	}
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// call is one invocation of kubectl.
type call struct {
	args  []string
	stdin string
	env   []string
	// supervisor is the current context's cluster; nil means the main supervisor.
	supervisor *testenv.Plane
}

// kubectl runs the real kubectl with the plugin first on PATH and the supervisor as the current
// context. "kubectl vitimachine ..." goes through kubectl's plugin mechanism.
func (s *suite) kubectl(t *testing.T, c call) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(s.assets, "kubectl"), c.args...)
	sup := s.env.Supervisor
	if c.supervisor != nil {
		sup = c.supervisor
	}
	cmd.Env = append([]string{
		"PATH=" + s.bin + string(os.PathListSeparator) + s.assets + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + s.dir,
		"KUBECONFIG=" + sup.KubeconfigPath,
	}, c.env...)
	cmd.Stdin = strings.NewReader(c.stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		r.code, r.err = -1, fmt.Errorf("kubectl %v: %w", c.args, err)
	}
	return r
}

// plugin runs "kubectl vitimachine ARGS...".
func (s *suite) plugin(t *testing.T, args ...string) result {
	t.Helper()
	return s.kubectl(t, call{args: append([]string{"vitimachine"}, args...)})
}

// pluginIn runs the plugin with standard input and extra environment.
func (s *suite) pluginWith(t *testing.T, stdin string, env []string, args ...string) result {
	t.Helper()
	return s.kubectl(t, call{args: append([]string{"vitimachine"}, args...), stdin: stdin, env: env})
}

// eventually polls cond every 100ms until it holds, and fails the test with what after timeout. It
// is the one way tests wait for the servers' state; no test sleeps to synchronise.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mustSucceed fails the test unless the run exited 0.
func mustSucceed(t *testing.T, r result) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("want exit 0, got:\n%s", r)
	}
	return r
}

func mustExit(t *testing.T, r result, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got:\n%s", code, r)
	}
	return r
}

func mustContain(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, text)
		}
	}
}

var nsCounter atomic.Int64

// namespace returns a fresh namespace name for one test and creates it on the supervisor (Machines
// need it there). Remote clusters do not get it: creating it there is the plugin's job.
func (s *suite) namespace(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("e2e-%d-%s", nsCounter.Add(1), strings.ToLower(strings.NewReplacer("/", "-", ".", "-", "_", "-").Replace(t.Name())))
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-")
	}
	s.create(t, s.env.Supervisor, fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n", name))
	return name
}

// client returns an admin client for a plane.
func (s *suite) client(t *testing.T, p *testenv.Plane) *cluster.Client {
	t.Helper()
	c, err := p.Client()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// RBAC resources, which only the tests create.
var (
	clusterRoles        = cluster.Resource{GVR: schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"}, Kind: "ClusterRole"}
	clusterRoleBindings = cluster.Resource{GVR: schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings"}, Kind: "ClusterRoleBinding"}
	roles               = cluster.Resource{GVR: schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles"}, Kind: "Role", Namespaced: true}
	roleBindings        = cluster.Resource{GVR: schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"}, Kind: "RoleBinding", Namespaced: true}
)

// resourceFor maps the kinds the tests create to their resources.
func resourceFor(kind string) (cluster.Resource, bool) {
	for _, r := range []cluster.Resource{clusterRoles, clusterRoleBindings, roles, roleBindings, cluster.Namespaces, cluster.PVCs, cluster.Secrets, cluster.StorageClasses, cluster.StorageProfiles,
		cluster.VirtualMachines, cluster.Machines, cluster.KubevirtConfigs, cluster.MachineClasses, cluster.ConfigMaps, cluster.VirtualMachineInstances,
		cluster.NetworkNamespaces, cluster.NetworkConfigurations, cluster.NetworkAttachmentDefinitions} {
		if r.Kind == kind {
			return r, true
		}
	}
	return cluster.Resource{}, false
}

// create creates every document of a YAML text on a plane.
func (s *suite) create(t *testing.T, p *testenv.Plane, text string) {
	t.Helper()
	if err := s.createAll(context.Background(), p, text); err != nil {
		t.Fatal(err)
	}
}

func (s *suite) applyFile(ctx context.Context, p *testenv.Plane, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return s.createAll(ctx, p, string(b))
}

func (s *suite) createAll(ctx context.Context, p *testenv.Plane, text string) error {
	c, err := p.Client()
	if err != nil {
		return err
	}
	yr := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(text)))
	for {
		doc, err := yr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(doc, &u.Object); err != nil {
			return err
		}
		if len(u.Object) == 0 {
			continue
		}
		r, ok := resourceFor(u.GetKind())
		if !ok {
			return fmt.Errorf("test harness: unknown kind %q", u.GetKind())
		}
		if err := testenv.Create(ctx, c, r, u); err != nil {
			return err
		}
	}
}

// get reads an object; nil when it does not exist.
func (s *suite) get(t *testing.T, p *testenv.Plane, r cluster.Resource, namespace, name string) *unstructured.Unstructured {
	t.Helper()
	u, err := s.client(t, p).GetUnstructured(context.Background(), r, namespace, name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// count counts the objects of a resource in a namespace.
func (s *suite) count(t *testing.T, p *testenv.Plane, r cluster.Resource, namespace string) int {
	t.Helper()
	n := 0
	err := s.client(t, p).List(context.Background(), r, namespace, "", func(*unstructured.Unstructured) error { n++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// writeFile writes a file in a test's temporary folder and returns its path.
func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// machineYAML is a Machine manifest; extra is appended under spec (indented by the caller).
func machineYAML(namespace, name, annotations, spec string) string {
	s := fmt.Sprintf("apiVersion: vitistack.io/v1alpha1\nkind: Machine\nmetadata:\n  name: %s\n  namespace: %s\n", name, namespace)
	if annotations != "" {
		s += "  annotations:\n" + annotations
	}
	return s + "spec:\n  provider: kubevirt\n" + spec
}

func annotation(kv string) string {
	return "    vitistack.io/kubevirt-config: " + kv + "\n"
}

// action returns the ACTION cell of the report row of an object ("kind.group/name"), or "" when
// there is no such row. With a cluster name, only rows of that cluster count.
func action(report, object string, clusterName ...string) string {
	for _, line := range strings.Split(report, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[2] != object {
			continue
		}
		if len(clusterName) > 0 && f[1] != clusterName[0] {
			continue
		}
		return strings.Join(f[3:], " ")
	}
	return ""
}

// wantAction fails unless the object's row has the given action (compared up to a ":" message).
func wantAction(t *testing.T, r result, object, want string) {
	t.Helper()
	got := action(r.stdout, object)
	if got != want && !strings.HasPrefix(got, want+":") {
		t.Errorf("%s: action %q, want %q\n%s", object, got, want, r)
	}
}
