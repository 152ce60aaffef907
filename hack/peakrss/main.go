// Command peakrss runs a command and writes its peak resident memory, in bytes, to a file:
//
//	peakrss FILE COMMAND [ARG...]
//
// The benchmarks start the plugin through it because the peak that a process reports for a child
// it started itself is not the child's own on Linux: at exec the kernel folds the high-water mark
// of the address space being left into the new process's, and Go starts children with vfork, so
// that address space is the parent's. A benchmark binary that grew to 120 MB would report every
// plugin run as at least 120 MB. Started from this small program, the floor is this program's few
// megabytes instead.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: peakrss FILE COMMAND [ARG...]")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[2], os.Args[3:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		fmt.Fprintln(os.Stderr, "peakrss:", err)
		os.Exit(1)
	}
	// Maxrss is in kilobytes on Linux.
	peak := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024
	if werr := os.WriteFile(os.Args[1], []byte(strconv.FormatInt(peak, 10)+"\n"), 0o644); werr != nil {
		fmt.Fprintln(os.Stderr, "peakrss:", werr)
		os.Exit(1)
	}
	os.Exit(cmd.ProcessState.ExitCode())
}
