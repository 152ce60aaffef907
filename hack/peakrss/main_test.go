package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestPeakIsTheChildsOwn holds 256 MiB resident in the test process and starts /bin/true twice:
// directly, where Linux reports the test process's peak as the child's, and through peakrss,
// which must report only a few megabytes.
func TestPeakIsTheChildsOwn(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the peak that exec carries over is Linux behaviour")
	}
	bin := build(t)
	ballast := make([]byte, 256<<20)
	for i := 0; i < len(ballast); i += os.Getpagesize() {
		ballast[i] = 1
	}

	direct := exec.Command("/bin/true")
	if err := direct.Run(); err != nil {
		t.Fatal(err)
	}
	directPeak := direct.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024

	file := filepath.Join(t.TempDir(), "peak")
	if out, err := exec.Command(bin, file, "/bin/true").CombinedOutput(); err != nil {
		t.Fatalf("peakrss: %v\n%s", err, out)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	peak, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil {
		t.Fatalf("peakrss wrote %q: %v", data, err)
	}
	runtime.KeepAlive(ballast)
	t.Logf("/bin/true: started directly %d MiB, through peakrss %d MiB", directPeak>>20, peak>>20)
	if peak <= 0 || peak > 64<<20 {
		t.Errorf("peakrss reported %d MiB for /bin/true, want a few MiB (the test process holds 256 MiB)", peak>>20)
	}
}

// TestExitCodeIsTheChilds checks that peakrss exits as its command did.
func TestExitCodeIsTheChilds(t *testing.T) {
	bin := build(t)
	err := exec.Command(bin, filepath.Join(t.TempDir(), "peak"), "/bin/sh", "-c", "exit 3").Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Fatalf("peakrss of `exit 3`: %v, want exit code 3", err)
	}
}

func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "peakrss")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}
