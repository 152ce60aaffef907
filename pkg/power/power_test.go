package power

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
)

func vm(runStrategy string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{}}}
	u.SetName("vm-web")
	if runStrategy != "" {
		u.Object["spec"].(map[string]any)["runStrategy"] = runStrategy
	}
	return u
}

func vmi(phase string, paused bool) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"status": map[string]any{"phase": phase, "nodeName": "node-a"}}}
	u.SetName("vm-web")
	u.SetUID("uid-1")
	if paused {
		u.Object["status"].(map[string]any)["conditions"] = []any{map[string]any{"type": "Paused", "status": "True"}}
	}
	return u
}

func TestDecideCallsOnlyWhenTheVMIsNotAlreadyThere(t *testing.T) {
	grace := int64(0)
	cases := []struct {
		verb        string
		runStrategy string
		vmi         *unstructured.Unstructured
		grace       *int64
		outcome     Outcome
		action      string
	}{
		{"start", "Halted", nil, nil, Call, "would start"},
		{"start", "Always", vmi("Running", false), nil, Unchanged, "already running"},
		{"start", "Always", nil, nil, Unchanged, "already running"},
		{"start", "Manual", vmi("Succeeded", false), nil, Call, "would start"},
		{"stop", "Always", vmi("Running", false), nil, Call, "would stop"},
		{"stop", "Always", nil, nil, Call, "would stop"},
		{"stop", "Halted", nil, nil, Unchanged, "already stopped"},
		{"stop", "Halted", vmi("Running", false), nil, Unchanged, "already stopped"},
		{"stop", "Halted", vmi("Running", false), &grace, Call, "would stop"},
		{"stop", "Manual", nil, nil, Unchanged, "already stopped"},
		{"restart", "Always", vmi("Running", false), nil, Call, "would restart"},
		{"restart", "Halted", nil, nil, Failed, "failed"},
		{"pause", "Always", vmi("Running", false), nil, Call, "would pause"},
		{"pause", "Always", vmi("Running", true), nil, Unchanged, "already paused"},
		{"pause", "Halted", nil, nil, Failed, "failed"},
		{"unpause", "Always", vmi("Running", true), nil, Call, "would unpause"},
		{"unpause", "Always", vmi("Running", false), nil, Unchanged, "already running"},
		{"soft-reboot", "Always", vmi("Running", false), nil, Call, "would soft-reboot"},
		{"soft-reboot", "Always", vmi("Running", true), nil, Failed, "failed"},
		{"migrate", "Always", vmi("Running", false), nil, Call, "would migrate"},
		{"migrate", "Always", vmi("Failed", false), nil, Failed, "failed"},
	}
	for _, c := range cases {
		v, ok := Lookup(c.verb)
		if !ok {
			t.Fatalf("no verb %q", c.verb)
		}
		r := &Runner{Verb: v, Options: Options{GracePeriod: c.grace}}
		it := &Item{Namespace: "team", Machine: "web"}
		vmis := map[string]*unstructured.Unstructured{}
		if c.vmi != nil {
			vmis["vm-web"] = c.vmi
		}
		r.decide(it, vm(c.runStrategy), vmis)
		if it.Outcome != c.outcome || it.Action != c.action {
			t.Errorf("%s of a %s VM with VMI %v: %v %q, want %v %q (%s)", c.verb, c.runStrategy, c.vmi != nil, it.Outcome, it.Action, c.outcome, c.action, it.Error)
		}
		if it.Outcome == Failed && !strings.Contains(it.Error, "vm-web") {
			t.Errorf("%s: failure %q does not name the VM", c.verb, it.Error)
		}
	}
}

func TestDecideWithoutAVMIsNotProvisioned(t *testing.T) {
	v, _ := Lookup("stop")
	it := &Item{}
	(&Runner{Verb: v}).decide(it, nil, nil)
	if it.Outcome != NotProvisioned || it.Action != "not provisioned" {
		t.Fatalf("%v %q", it.Outcome, it.Action)
	}
}

func TestBodiesAreKubeVirtsOptionsWithItsDryRun(t *testing.T) {
	grace := int64(5)
	cases := []struct {
		verb   string
		dryRun bool
		want   string
	}{
		{"start", false, `{}`},
		{"stop", false, `{"gracePeriod":5}`},
		{"stop", true, `{"gracePeriod":5,"dryRun":["All"]}`},
		{"restart", true, `{"dryRun":["All"]}`},
		{"migrate", false, `{}`},
		{"pause", true, `{"dryRun":["All"]}`},
		{"unpause", false, `{}`},
		{"soft-reboot", false, ``},
	}
	for _, c := range cases {
		v, _ := Lookup(c.verb)
		b, err := v.body(Options{GracePeriod: &grace}, c.dryRun)
		if err != nil || string(b) != c.want {
			t.Errorf("%s dryRun=%v: %s %v, want %s", c.verb, c.dryRun, b, err, c.want)
		}
	}
}

func TestReachedIsEachVerbsGoal(t *testing.T) {
	running := vm("Always")
	running.Object["status"] = map[string]any{"printableStatus": "Running"}
	stopped := vm("Halted")
	stopped.Object["status"] = map[string]any{"printableStatus": "Stopped"}
	moved := vmi("Running", false)
	moved.Object["status"].(map[string]any)["nodeName"] = "node-b"
	moved.Object["status"].(map[string]any)["migrationState"] = map[string]any{"completed": true, "targetNode": "node-b"}
	restarted := vmi("Running", false)
	restarted.SetUID("uid-2")
	cases := []struct {
		verb     string
		vm, vmi  *unstructured.Unstructured
		want     bool
		wantText string
	}{
		{"start", running, vmi("Running", false), true, "Running"},
		{"start", stopped, nil, false, "Stopped"},
		{"stop", stopped, nil, true, "Stopped"},
		{"stop", running, vmi("Running", false), false, "Running"},
		{"pause", running, vmi("Running", true), true, "Running"},
		{"restart", running, vmi("Running", false), false, "Running (not restarted yet)"},
		{"restart", running, restarted, true, "Running"},
		{"migrate", running, vmi("Running", false), false, "migrating from node-a"},
		{"migrate", running, moved, true, "migrated to node-b"},
	}
	for _, c := range cases {
		v, _ := Lookup(c.verb)
		r := &Runner{Verb: v}
		it := &Item{VM: "vm-web", vmiUID: types.UID("uid-1"), node: "node-a"}
		text, ok := r.reached(it, c.vm, c.vmi)
		if ok != c.want || text != c.wantText {
			t.Errorf("%s: %q %v, want %q %v", c.verb, text, ok, c.wantText, c.want)
		}
	}
}

func TestSummaryCountsOutcomes(t *testing.T) {
	r := &Runner{}
	s := r.Summarize([]*Item{{Outcome: Done}, {Outcome: Would}, {Outcome: Unchanged}, {Outcome: NotProvisioned}, {Outcome: Failed}})
	if s.Done != 2 || s.Unchanged != 1 || s.NotProvisioned != 1 || s.Failed != 1 {
		t.Fatalf("%+v", s)
	}
}
