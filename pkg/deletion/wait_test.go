package deletion_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster/clustertest"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// protectedWorld is a Machine whose VM deletes at once and whose PVC stays terminating under
// pvc-protection.
func protectedWorld(t *testing.T) *clustertest.World {
	t.Helper()
	w := clustertest.NewWorld([]string{"kv-a"})
	now := metav1.Now()
	pvc := object(cluster.PVCs, "team", "vm-web-root-pvc", ours("web"))
	pvc.SetDeletionTimestamp(&now)
	pvc.SetFinalizers([]string{"kubernetes.io/pvc-protection"})
	add(t, w.Remotes["kv-a"], namespace("team"), vm("team", "vm-web", ours("web"), nil, ""), pvc)
	return w
}

// progress records what Wait reports.
type progress struct {
	mu    sync.Mutex
	lines []string
	// terminating is closed when the PVC is first reported terminating.
	terminating chan struct{}
	once        sync.Once
}

func (p *progress) see(object, status string) {
	p.mu.Lock()
	p.lines = append(p.lines, object+": "+status)
	p.mu.Unlock()
	if strings.HasPrefix(status, "terminating") && p.terminating != nil {
		p.once.Do(func() { close(p.terminating) })
	}
}

func TestWaitUntilEveryDeletedObjectIsGone(t *testing.T) {
	w := protectedWorld(t)
	d := newDeleter(w, write.None, defaultOptions)
	plans, got := run(t, d, inputs(machine("team", "web")))
	wantRows(t, got, "kv-a namespace/team kept: namespaces are never deleted; no VirtualMachine or PVC is left in it",
		"kv-a virtualmachine.kubevirt.io/vm-web deleted",
		"kv-a persistentvolumeclaim/vm-web-root-pvc terminating: already being deleted (finalizers: kubernetes.io/pvc-protection)")

	p := &progress{terminating: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- d.Wait(context.Background(), plans, time.Minute, p.see) }()
	// Once the wait has seen the PVC held by its finalizer, the "controller" lets it go.
	<-p.terminating
	if err := w.Remotes["kv-a"].Fake.Tracker().Delete(cluster.PVCs.GVR, "team", "vm-web-root-pvc"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, want := range []string{"virtualmachine.kubevirt.io/vm-web on kv-a: gone",
		"persistentvolumeclaim/vm-web-root-pvc on kv-a: terminating (finalizers: kubernetes.io/pvc-protection)",
		"persistentvolumeclaim/vm-web-root-pvc on kv-a: gone"} {
		if !strings.Contains(strings.Join(p.lines, "\n"), want) {
			t.Errorf("progress has no %q:\n%s", want, strings.Join(p.lines, "\n"))
		}
	}
}

func TestWaitNamesWhatIsStillThere(t *testing.T) {
	w := protectedWorld(t)
	d := newDeleter(w, write.None, defaultOptions)
	plans, rows := run(t, d, inputs(machine("team", "web")))
	noPlanErrors(t, rows)
	err := d.Wait(context.Background(), plans, 50*time.Millisecond, nil)
	var we *pipeline.WaitError
	if !errors.As(err, &we) || we.Interrupted || len(we.Lines) != 1 ||
		we.Lines[0] != "persistentvolumeclaim/vm-web-root-pvc on kv-a: last status: terminating (finalizers: kubernetes.io/pvc-protection)" {
		t.Fatalf("%v", err)
	}
	if !strings.HasPrefix(err.Error(), "still there after 50ms:\n  persistentvolumeclaim/vm-web-root-pvc") {
		t.Errorf("%q", err.Error())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Wait(ctx, plans, time.Minute, nil); !errors.As(err, &we) || !we.Interrupted || !strings.HasPrefix(err.Error(), "interrupted while waiting; still there:") {
		t.Errorf("%v", err)
	}
}

func TestWaitTakesAReplacedObjectAsGone(t *testing.T) {
	w := protectedWorld(t)
	d := newDeleter(w, write.None, defaultOptions)
	plans, rows := run(t, d, inputs(machine("team", "web")))
	noPlanErrors(t, rows)
	// Another PVC of the same name, made after ours went: ours is gone.
	if err := w.Remotes["kv-a"].Fake.Tracker().Delete(cluster.PVCs.GVR, "team", "vm-web-root-pvc"); err != nil {
		t.Fatal(err)
	}
	pvc := object(cluster.PVCs, "team", "vm-web-root-pvc", nil)
	pvc.SetUID("uid-another")
	add(t, w.Remotes["kv-a"], pvc)
	if err := d.Wait(context.Background(), plans, time.Minute, nil); err != nil {
		t.Fatal(err)
	}
}
