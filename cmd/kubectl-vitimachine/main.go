// Command kubectl-vitimachine is the kubectl plugin `kubectl vitimachine`.
//
// main is the only place that touches the process: its streams, environment, signals and exit code.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/vitistack/kubectl-vitimachine/pkg/cmd"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	// got carries the first signal from the goroutine to main, which reads it after the command
	// returned; a second signal ends the process at once, as kubectl does.
	got := make(chan os.Signal, 1)
	go func() {
		s := <-signals
		got <- s
		cancel()
		s = <-signals
		fmt.Fprintln(os.Stderr, "error: interrupted twice; exiting now (writes already made stay)")
		os.Exit(exitCodeFor(s))
	}()

	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	root := cmd.NewRootCmd(streams, cmd.Env{Getenv: os.Getenv})
	err := root.ExecuteContext(ctx)

	if msg := cmd.ErrorMessage(err); msg != "" {
		fmt.Fprintln(os.Stderr, "error: "+msg)
	}
	code := cmd.ExitCode(err)
	select {
	case s := <-got:
		code = exitCodeFor(s)
	default:
	}
	os.Exit(code)
}

// exitCodeFor is the shell's code for a process ended by a signal: 128 + its number.
func exitCodeFor(s os.Signal) int {
	if s == syscall.SIGTERM {
		return 143
	}
	return 130
}
