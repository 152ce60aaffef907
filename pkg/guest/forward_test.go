package guest

import (
	"reflect"
	"strings"
	"testing"
)

func TestParsePorts(t *testing.T) {
	got, err := ParsePorts([]string{"8080:80", "22", ":5432"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Port{{Local: 8080, Remote: 80}, {Local: 22, Remote: 22}, {Local: 0, Remote: 5432}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for arg, msg := range map[string]string{"x": `remote port must be a number`, "80:": `remote port`, "0": `remote port`, "70000:80": `local port`, "a:b:c": `remote port`} {
		if _, err := ParsePorts([]string{arg}); err == nil || !strings.Contains(err.Error(), msg) || !strings.Contains(err.Error(), arg) {
			t.Errorf("%q: %v, want an error naming it and %q", arg, err, msg)
		}
	}
	if _, err := ParsePorts(nil); err == nil {
		t.Error("no ports: no error")
	}
}

func TestNotRunningSaysHowToStart(t *testing.T) {
	e := &NotRunningError{Namespace: "team-a", Machine: "web-1", VM: "vm-web-1"}
	if got := e.Error(); !strings.Contains(got, "not running: start it with kubectl vitimachine start web-1 -n team-a") {
		t.Errorf("%q", got)
	}
}
