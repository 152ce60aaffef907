package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/testenv"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// BenchmarkCreate provisions 500 Machines from one file, over 2 remote clusters and 25 namespaces:
// each Machine on the supervisor, and on its remote cluster its namespace, its PVC and its VM. The
// same objects, four ways, side by side:
//   - plugin: one `kubectl-vitimachine create -f` run, default limits;
//   - operator: the kubevirt-operator's way, a get then a create of each object in sequence (as
//     ensureNamespaceExists, the storage manager and the VM manager do), with the plugin's client;
//   - kubectl-loop: per Machine one `kubectl create -f` on the supervisor and one on its cluster;
//   - ceiling-W: the creates alone, sent from one process with no limits at all, W at a time: what the
//     API servers here can take, the physical reference (the report takes the fastest W).
//
// Over loopback the API servers' own work is nearly all the time, and they share this machine's cores
// with the client. Real clusters are a network away, so the plugin, the operator way and the ceiling
// run a second time with every API server behind a proxy that adds farRTT to each round trip (the
// kubectl loop is left out there: it is the slowest way already over loopback).
//
// Every op uses fresh namespaces, so each really creates everything.
func BenchmarkCreate(b *testing.B) {
	const n, k, namespaces = 500, 2, 25
	prefix := fmt.Sprintf("N=%d/K=%d/NS=%d", n, k, namespaces)
	// The API servers' first VirtualMachines and PVCs cost much more than the later ones (schemas,
	// caches): a small create first, not measured, so that no way pays for having run first.
	e := need(b)
	direct := e.direct()
	e.runPlugin(b, "create", "-f", e.createWorld(b, direct, "cw", 50, k, 5).file)
	benchCreateWays(b, e, direct, prefix, n, k, namespaces)
	b.Run(prefix+"/kubectl-loop", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			w := e.createWorld(b, direct, "ck", n, k, namespaces)
			b.StartTimer()
			for i := range w.files {
				for _, f := range w.files[i] {
					cmd := exec.Command(e.kubectl, "--kubeconfig", f.kubeconfig, "create", "-f", f.path)
					cmd.Env = []string{"HOME=" + e.dir, "PATH=" + os.Getenv("PATH")}
					if out, err := cmd.CombinedOutput(); err != nil {
						b.Fatalf("kubectl: %v\n%s", err, out)
					}
				}
			}
		}
	})
	far := e.far(b, farRTT)
	benchCreateWays(b, e, far, fmt.Sprintf("%s/RTT=%dms", prefix, farRTT.Milliseconds()), n, k, namespaces)
}

// farRTT is the round trip the far runs add to every request: a cluster in another data centre of
// the same region.
const farRTT = 10 * time.Millisecond

// benchCreateWays runs the plugin, the operator way and the ceilings through v.
func benchCreateWays(b *testing.B, e *env, v *view, prefix string, n, k, namespaces int) {
	b.Run(prefix+"/plugin", func(b *testing.B) {
		var requests int
		for b.Loop() {
			b.StopTimer()
			w := e.createWorld(b, v, "cp", n, k, namespaces)
			before := e.auditLines(b)
			b.StartTimer()
			e.runPluginWith(b, v.kubeconfig, "create", "-f", w.file)
			b.StopTimer()
			requests += e.auditLines(b) - before
			b.StartTimer()
		}
		b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
	})
	b.Run(prefix+"/operator", func(b *testing.B) {
		ctx := context.Background()
		for b.Loop() {
			b.StopTimer()
			w := e.createWorld(b, v, "co", n, k, namespaces)
			b.StartTimer()
			for _, o := range w.objects {
				if _, err := o.client.GetUnstructured(ctx, o.resource, o.obj.GetNamespace(), o.obj.GetName()); !apierrors.IsNotFound(err) {
					if err == nil && o.resource == cluster.Namespaces {
						continue // the namespace of an earlier Machine
					}
					b.Fatalf("get %s: %v", o.obj.GetName(), err)
				}
				if err := testenv.Create(ctx, o.client, o.resource, o.obj.DeepCopy()); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	for _, workers := range ceilingWorkers {
		b.Run(fmt.Sprintf("%s/ceiling-%d", prefix, workers), func(b *testing.B) { benchCreateCeiling(b, e, v, n, k, namespaces, workers) })
	}
}

// ceilingWorkers are the concurrencies the ceilings are measured at; the report takes the fastest.
var ceilingWorkers = []int{8, 16, 32, 64}

func benchCreateCeiling(b *testing.B, e *env, v *view, n, k, namespaces, workers int) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		w := e.createWorld(b, v, "cc", n, k, namespaces)
		sup, remotes := v.clients(b, k, cluster.Limits{QPS: 1e6, Burst: 1e6, InFlight: 1024})
		unlimited := map[cluster.ID]*cluster.Client{sup.ID: sup}
		for _, r := range remotes {
			unlimited[r.ID] = r
		}
		b.StartTimer()
		// Namespaces first (everything else lives in them), then the rest at once.
		var first, rest []createObject
		for _, o := range w.objects {
			if o.resource == cluster.Namespaces {
				first = append(first, o)
			} else {
				rest = append(rest, o)
			}
		}
		for _, batch := range [][]createObject{first, rest} {
			err := parallelN(len(batch), workers, func(i int) error {
				o := batch[i]
				return testenv.Create(ctx, unlimited[o.client.ID], o.resource, o.obj.DeepCopy())
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// createObject is one object of a create benchmark and the cluster it goes to.
type createObject struct {
	client   *cluster.Client
	resource cluster.Resource
	obj      *unstructured.Unstructured
}

// kubectlFile is one `kubectl create -f` of the kubectl loop.
type kubectlFile struct{ kubeconfig, path string }

// createWorld is the setup of one op (not measured): the supervisor namespaces, the Machines' file,
// and every object the plugin would create, in the plugin's order, for the other ways.
type createWorld struct {
	file    string
	objects []createObject
	files   [][]kubectlFile
}

func (e *env) createWorld(b *testing.B, v *view, prefix string, n, k, namespaces int) createWorld {
	b.Helper()
	t := tag(prefix)
	e.supervisorNamespaces(b, t, namespaces)
	opSup, remotes := v.clients(b, k, cluster.DefaultLimits)
	opts := render.Options{Naming: render.NamingSeed, ManagedByKey: vitistack.DefaultManagedByKey, ManagedByValue: vitistack.DefaultManagedByValue,
		StorageClass: testenv.DefaultStorageClass, AccessMode: corev1.ReadWriteOnce, VolumeMode: corev1.PersistentVolumeBlock}
	dir := b.TempDir()
	var docs []string
	w := createWorld{files: make([][]kubectlFile, n)}
	made := map[string]bool{}
	for i := range n {
		ns := fmt.Sprintf("%s-%d", t, i%namespaces)
		kv := (i / namespaces) % k // each namespace has Machines on every cluster
		doc := fmt.Sprintf("apiVersion: vitistack.io/v1alpha1\nkind: Machine\nmetadata:\n  name: m%d\n  namespace: %s\n  annotations:\n    %s: %s\nspec:\n  provider: kubevirt\n",
			i, ns, vitistack.AnnotationKubevirtConfig, v.remotes[kv])
		docs = append(docs, doc)
		var m vitistackv1alpha1.Machine
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			b.Fatal(err)
		}
		objs, err := render.Render(render.Input{Machine: &m}, opts)
		if err != nil {
			b.Fatal(err)
		}
		machine := &unstructured.Unstructured{}
		_ = yaml.Unmarshal([]byte(doc), &machine.Object)
		w.objects = append(w.objects, createObject{opSup, cluster.Machines, machine})
		remote := []createObject{}
		if key := v.remotes[kv] + "/" + ns; !made[key] {
			made[key] = true
			remote = append(remote, createObject{remotes[kv], cluster.Namespaces, content(b, objs.Namespace)})
		}
		for _, p := range objs.PVCs {
			remote = append(remote, createObject{remotes[kv], cluster.PVCs, content(b, p)})
		}
		remote = append(remote, createObject{remotes[kv], cluster.VirtualMachines, content(b, objs.VM)})
		w.objects = append(w.objects, remote...)
		w.files[i] = []kubectlFile{
			{e.planes.Supervisor.KubeconfigPath, writeDocs(b, dir, fmt.Sprintf("m%d-machine.yaml", i), []*unstructured.Unstructured{machine})},
			{e.planes.Remotes[kv].KubeconfigPath, writeDocs(b, dir, fmt.Sprintf("m%d-remote.yaml", i), objectsOf(remote))},
		}
	}
	w.file = filepath.Join(dir, "machines.yaml")
	if err := os.WriteFile(w.file, []byte(strings.Join(docs, "---\n")), 0o600); err != nil {
		b.Fatal(err)
	}
	return w
}

func content(b *testing.B, obj runtime.Object) *unstructured.Unstructured {
	b.Helper()
	m, err := cluster.Content(obj)
	if err != nil {
		b.Fatal(err)
	}
	return &unstructured.Unstructured{Object: m}
}

func objectsOf(os []createObject) []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, len(os))
	for i, o := range os {
		out[i] = o.obj
	}
	return out
}

func writeDocs(b *testing.B, dir, name string, objs []*unstructured.Unstructured) string {
	b.Helper()
	var buf bytes.Buffer
	for i, o := range objs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		y, err := yaml.Marshal(o.Object)
		if err != nil {
			b.Fatal(err)
		}
		buf.Write(y)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	return p
}
