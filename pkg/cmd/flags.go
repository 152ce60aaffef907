package cmd

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// DryRunFlag is the flags of a command that writes, as kubectl has them: --dry-run (none, client or
// server; bare --dry-run and the boolean values are accepted with kubectl's deprecation warning) and,
// for commands that create or update, --field-manager. Its Writer is the command's write seam.
type DryRunFlag struct {
	Value        string
	FieldManager string
	strategy     write.Strategy
}

// dryRunUnchanged is what a bare --dry-run sets, as in kubectl.
const dryRunUnchanged = "unchanged"

// AddFlag registers --dry-run.
func (f *DryRunFlag) AddFlag(fs *pflag.FlagSet) {
	if f.Value == "" {
		f.Value = "none"
	}
	fs.StringVar(&f.Value, "dry-run", f.Value, `"none", "client" (write nothing anywhere) or "server" (send every write with dryRun=All)`)
	fs.Lookup("dry-run").NoOptDefVal = dryRunUnchanged
}

// AddFieldManagerFlag registers --field-manager, for the commands that create, patch or update
// (deletes have no field manager).
func (f *DryRunFlag) AddFieldManagerFlag(fs *pflag.FlagSet) {
	f.FieldManager = cluster.DefaultFieldManager
	fs.StringVar(&f.FieldManager, "field-manager", f.FieldManager, "Name of the manager used to track field ownership of every object the plugin writes")
}

// Complete parses the values; a deprecated spelling prints kubectl's warning on warn.
func (f *DryRunFlag) Complete(c *cobra.Command) error {
	if c.Flags().Lookup("field-manager") != nil {
		if err := validFieldManager(f.FieldManager); err != nil {
			return newUsageError(c, err)
		}
	}
	switch f.Value {
	case dryRunUnchanged:
		fmt.Fprintln(c.ErrOrStderr(), "warning: --dry-run is deprecated and can be replaced with --dry-run=client.")
		f.strategy = write.Client
		return nil
	}
	st, deprecated, ok := write.Parse(f.Value)
	if !ok {
		return newUsageError(c, fmt.Errorf(`invalid --dry-run %q (use "none", "client" or "server")`, f.Value))
	}
	if deprecated {
		fmt.Fprintf(c.ErrOrStderr(), "warning: --dry-run=%s is deprecated (boolean value) and can be replaced with --dry-run=%s.\n", f.Value, st)
	}
	f.strategy = st
	return nil
}

// Writer is the write seam for the parsed strategy and field manager.
func (f *DryRunFlag) Writer() write.Writer {
	return write.Writer{Strategy: f.strategy, FieldManager: f.FieldManager}
}

// validFieldManager checks --field-manager as the API server does: 1 to 128 printable characters.
func validFieldManager(s string) error {
	if s == "" || utf8.RuneCountInString(s) > 128 {
		return fmt.Errorf("invalid --field-manager %q (use 1 to 128 characters)", s)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("invalid --field-manager %q (only printable characters)", s)
		}
	}
	return nil
}

// Stores reports whether the run stores what it writes (no dry run).
func (f *DryRunFlag) Stores() bool { return f.strategy == write.None }

// OutputFlag is -o with the formats a command accepts.
type OutputFlag struct {
	Value   string
	Allowed []string
	// JSONPath accepts jsonpath=TEMPLATE too.
	JSONPath bool
	Help     string
}

// Formats are the values -o completes to.
func (f *OutputFlag) Formats() []string {
	if f.JSONPath {
		return append(slices.Clone(f.Allowed), printer.JSONPathPrefix)
	}
	return f.Allowed
}

// AddFlag registers -o/--output and its completion.
func (f *OutputFlag) AddFlag(c *cobra.Command) {
	c.Flags().StringVarP(&f.Value, "output", "o", f.Value, f.Help)
	_ = c.RegisterFlagCompletionFunc("output", completeValues(f.Formats()))
}

// Validate refuses a format the command does not print, and a JSONPath template that does not parse.
func (f *OutputFlag) Validate(c *cobra.Command) error {
	if f.Value == "" || slices.Contains(f.Allowed, f.Value) {
		return nil
	}
	if f.JSONPath && strings.HasPrefix(f.Value, printer.JSONPathPrefix) {
		if err := printer.ParseJSONPath(f.Value); err != nil {
			return newUsageError(c, fmt.Errorf("invalid --output: %w", err))
		}
		return nil
	}
	return newUsageError(c, fmt.Errorf("invalid --output %q (use %s)", f.Value, orList(f.Formats())))
}

// noArgs refuses arguments to a command that takes none, as a usage error that says so (cobra's
// NoArgs calls an argument an "unknown command").
func noArgs(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return newUsageError(c, fmt.Errorf("%s takes no arguments, got %q", c.CommandPath(), strings.Join(args, " ")))
}

// orList is "a, b or c".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// managedByLabel parses KEY=VALUE and checks both as the API server checks label keys and values,
// so a label it would refuse is refused before anything is sent.
func managedByLabel(c *cobra.Command, s string) (string, string, error) {
	key, value, ok := strings.Cut(s, "=")
	if !ok || key == "" || value == "" {
		return "", "", newUsageError(c, fmt.Errorf("invalid --managed-by-label %q (use KEY=VALUE)", s))
	}
	if errs := validation.IsQualifiedName(key); len(errs) > 0 {
		return "", "", newUsageError(c, fmt.Errorf("invalid --managed-by-label %q: key %q: %s", s, key, strings.Join(errs, "; ")))
	}
	if errs := validation.IsValidLabelValue(value); len(errs) > 0 {
		return "", "", newUsageError(c, fmt.Errorf("invalid --managed-by-label %q: value %q: %s", s, value, strings.Join(errs, "; ")))
	}
	return key, value, nil
}

// validSelector checks a label selector (-l) as the API server would, so an invalid one is refused
// with the reason before anything is sent.
func validSelector(c *cobra.Command, s string) error {
	if _, err := labels.Parse(s); err != nil {
		return newUsageError(c, fmt.Errorf("invalid -l %q: %w", s, err))
	}
	return nil
}
