package cmd

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// Exit codes. They are documented in the README; change both together.
const (
	ExitOK          = 0
	ExitDifferences = 1
	ExitError       = 2
)

// usageError is a flag or argument mistake: the message is followed by the command's usage.
type usageError struct {
	err   error
	usage string
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func newUsageError(c *cobra.Command, err error) error {
	usage := "Usage:\n  " + c.UseLine() + "\n\nSee '" + c.CommandPath() + " --help' for all flags and examples."
	return &usageError{err: err, usage: usage}
}

// differencesError reports that `diff` (or --exit-code) found differences; it exits 1 and prints nothing.
type differencesError struct{}

func (differencesError) Error() string { return "" }

// ErrDifferences is returned when differences were found and the exit code must say so.
var ErrDifferences error = differencesError{}

// reportedError is a failure whose details are already in the command's output (for example an
// object that failed in a batch); main adds only a short summary.
type reportedError struct{ msg string }

func (e *reportedError) Error() string { return e.msg }

// ExitCode maps the error returned by the root command to the process exit code.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrDifferences):
		return ExitDifferences
	}
	var child *childExitError
	switch {
	case errors.As(err, &child) && child.code > 0:
		return child.code
	default:
		return ExitError
	}
}

// ErrorMessage is what main prints after "error: ", or "" when nothing is to be printed.
func ErrorMessage(err error) string {
	var child *childExitError
	if err == nil || errors.Is(err, ErrDifferences) || errors.As(err, &child) {
		return ""
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return ue.err.Error() + "\n\n" + strings.TrimRight(ue.usage, "\n")
	}
	if un := cluster.Unreachable(err); un != nil {
		// What failed to connect says it all; the request's method and URL are noise here.
		return un.Error()
	}
	return err.Error()
}
