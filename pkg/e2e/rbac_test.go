package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
)

// pipelineRole is everything create needs on a remote cluster except creating VirtualMachines.
const pipelineRole = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: e2e-no-vm-create
rules:
- apiGroups: [""]
  resources: [namespaces, persistentvolumeclaims]
  verbs: [get, list, create]
- apiGroups: [storage.k8s.io]
  resources: [storageclasses]
  verbs: [list]
- apiGroups: [cdi.kubevirt.io]
  resources: [storageprofiles]
  verbs: [get]
- apiGroups: [kubevirt.io]
  resources: [virtualmachines]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: e2e-no-vm-create
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: e2e-no-vm-create}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: e2e-restricted}
`

// ensureFile creates every object of a YAML file on a plane that is not there yet, so that tests
// sharing a plane can each make sure the example roles are in place.
func (s *suite) ensureFile(t *testing.T, p *testenv.Plane, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s.ensure(t, p, string(b))
}

// ensure creates every document of a YAML text on a plane, skipping those that exist already.
func (s *suite) ensure(t *testing.T, p *testenv.Plane, text string) {
	t.Helper()
	for _, doc := range strings.Split(text, "\n---\n") {
		if err := s.createAll(context.Background(), p, doc); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
}

func TestForbiddenVMCreateReportsWhatExistsAndARerunCompletes(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	if s.get(t, a, clusterRoles, "", "e2e-no-vm-create") == nil {
		s.create(t, a, pipelineRole)
	}
	kc, err := a.AddUser("e2e-restricted")
	if err != nil {
		t.Fatal(err)
	}
	restricted := filepath.Join(t.TempDir(), "restricted.kubeconfig")
	if err := os.WriteFile(restricted, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	s.create(t, s.env.Supervisor, machineYAML(ns, "half", "", ""))

	m := s.mark(t)
	r := mustExit(t, s.plugin(t, "create", "-n", ns, "half", "--remote-kubeconfig", restricted), 2)
	wantAction(t, r, "namespace/"+ns, "created")
	wantAction(t, r, "persistentvolumeclaim/vm-half-root-pvc", "created")
	wantAction(t, r, "virtualmachine.kubevirt.io/vm-half", "error")
	mustContain(t, "report", r.stdout, "forbidden", `cannot create resource "virtualmachines"`, `in the namespace "`+ns+`"`, "cluster ")
	mustContain(t, "summary", r.stdout, "2 created, 0 unchanged, 1 failed")
	creates := 0
	for _, e := range s.requests(t, m, a) {
		if e.Verb == "create" && e.ObjectRef != nil && e.ObjectRef.Resource == "virtualmachines" {
			creates++
		}
	}
	if creates != 1 {
		t.Errorf("forbidden VM create sent %d times, want once (never retried)", creates)
	}

	// The re-run with enough rights makes only the missing write.
	m = s.mark(t)
	r = mustSucceed(t, s.plugin(t, "create", "-n", ns, "half", "--remote-kubeconfig", a.KubeconfigPath))
	mustContain(t, "summary", r.stdout, "1 created, 2 unchanged, 0 failed")
	ev := s.requests(t, m, a)
	if w := writes(ev); w != 1 || !strings.Contains(show(budget(ev)), "create virtualmachines=1") {
		t.Errorf("re-run writes: %s", show(budget(ev)))
	}
	if s.get(t, a, cluster.VirtualMachines, ns, "vm-half") == nil {
		t.Error("VM not created on re-run")
	}
}

// TestTheExampleRBACIsEnough runs create, diff and ns-sync as users that hold nothing but the
// example roles: examples/rbac-supervisor.yaml on the supervisor and examples/rbac-remote.yaml on the
// remote (for the identity in the KubevirtConfig's Secret).
func TestTheExampleRBACIsEnough(t *testing.T) {
	s := needEnv(t)
	a := s.env.Remote(remoteA)
	ctx := t.Context()
	s.ensureFile(t, s.env.Supervisor, filepath.Join(repoRoot(), "examples", "rbac-supervisor.yaml"))
	s.ensureFile(t, a, filepath.Join(repoRoot(), "examples", "rbac-remote.yaml"))
	remoteKC, err := a.AddUser("e2e-provisioner", "vitimachine:provisioners")
	if err != nil {
		t.Fatal(err)
	}
	sup := s.client(t, s.env.Supervisor)
	if err := testenv.RegisterRemote(ctx, sup, "kv-a-least", remoteKC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = deleteObject(context.Background(), sup, cluster.KubevirtConfigs, "", "kv-a-least")
		_ = deleteObject(context.Background(), sup, cluster.Secrets, testenv.SecretNamespace, "kv-a-least-kubeconfig")
	})
	supKC, err := s.env.Supervisor.AddUser("e2e-operator", "vitimachine:provisioners")
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(t.TempDir(), "operator.kubeconfig")
	if err := os.WriteFile(kubeconfig, supKC, 0o600); err != nil {
		t.Fatal(err)
	}
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "least", "", "  machineClass: small\n"))
	as := []string{"--kubeconfig", kubeconfig, "--kubevirt-config", "kv-a-least"}

	mustExit(t, s.plugin(t, append([]string{"diff", "-f", file}, as...)...), 1)
	r := mustSucceed(t, s.plugin(t, append([]string{"create", "-f", file, "--wait=false"}, as...)...))
	mustContain(t, "report", r.stdout, "4 created, 0 unchanged, 0 failed")
	if got := recorded(t, s, ns, "least"); got != "kv-a-least" {
		t.Errorf("annotation %q", got)
	}
	mustSucceed(t, s.plugin(t, append([]string{"create", "-f", file}, as...)...))
	r = mustSucceed(t, s.plugin(t, "ns-sync", "-n", ns, "--kubeconfig", kubeconfig))
	if got := nsRow(r.stdout, "kv-a-least", ns); got != "least exists" {
		t.Errorf("ns-sync row %q\n%s", got, r)
	}
	if s.get(t, a, cluster.VirtualMachines, ns, "vm-least") == nil {
		t.Error("VM not created")
	}
}
