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
	var got os.Signal
	done := make(chan struct{})
	go func() {
		select {
		case s := <-signals:
			got = s
			cancel()
		case <-done:
		}
	}()

	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	root := cmd.NewRootCmd(streams, cmd.Env{Getenv: os.Getenv})
	err := root.ExecuteContext(ctx)
	close(done)
	signal.Stop(signals)

	if msg := cmd.ErrorMessage(err); msg != "" {
		fmt.Fprintln(os.Stderr, "error: "+msg)
	}
	code := cmd.ExitCode(err)
	switch got {
	case os.Interrupt:
		code = 130
	case syscall.SIGTERM:
		code = 143
	}
	os.Exit(code)
}
