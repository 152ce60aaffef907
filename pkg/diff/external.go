package diff

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// Pair is one object to diff: what the plugin wants and what is live (nil when absent). Name
// labels it in headers and file names.
type Pair struct {
	Name          string
	Desired, Live map[string]any
}

// External runs a diff program as kubectl diff does with KUBECTL_EXTERNAL_DIFF: the live objects
// (projected onto the fields the plugin sets) go into a folder LIVE, the desired ones into MERGED,
// one file per object, and the program gets both folders. Secret-like values are masked in the
// files too.
type External struct {
	// Command is the program and its flags, split on spaces.
	Command  string
	Out, Err io.Writer
	// Run runs the program; nil runs it with os/exec. Tests inject their own.
	Run func(cmd *exec.Cmd) error
}

// Diff writes the files and runs the program. Its exit status 1 means "differences", not failure.
func (e External) Diff(pairs []Pair) error {
	dir, err := os.MkdirTemp("", "vitimachine-diff-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	liveDir, mergedDir := filepath.Join(dir, "LIVE"), filepath.Join(dir, "MERGED")
	for _, d := range []string{liveDir, mergedDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return err
		}
	}
	for _, p := range pairs {
		file := strings.NewReplacer("/", "-").Replace(p.Name) + ".yaml"
		if p.Live != nil {
			projected, _ := Project(p.Desired, p.Live).(map[string]any)
			if err := writeYAML(filepath.Join(liveDir, file), Mask(projected)); err != nil {
				return err
			}
		}
		if err := writeYAML(filepath.Join(mergedDir, file), Mask(p.Desired)); err != nil {
			return err
		}
	}
	parts := strings.Fields(e.Command)
	if len(parts) == 0 {
		return fmt.Errorf("KUBECTL_EXTERNAL_DIFF is empty")
	}
	cmd := exec.Command(parts[0], append(parts[1:], liveDir, mergedDir)...)
	cmd.Stdout, cmd.Stderr = e.Out, e.Err
	run := e.Run
	if run == nil {
		run = (*exec.Cmd).Run
	}
	err = run(cmd)
	var exitErr *exec.ExitError
	if err != nil && !(errors.As(err, &exitErr) && exitErr.ExitCode() == 1) {
		return fmt.Errorf("KUBECTL_EXTERNAL_DIFF %q: %w", e.Command, err)
	}
	return nil
}

func writeYAML(path string, obj map[string]any) error {
	b, err := yaml.Marshal(obj)
	if err != nil {
		return err
	}
	return os.WriteFile(path, bytes.TrimLeft(b, "\n"), 0o600)
}
