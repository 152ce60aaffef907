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
)

// Pair is one object to diff: what the plugin wants (nil when the object goes away) and what is
// live (nil when absent). Name labels it in headers and file names.
type Pair struct {
	Name          string
	Desired, Live map[string]any
}

// External runs a diff program as kubectl diff does with KUBECTL_EXTERNAL_DIFF: the live objects
// (projected onto the fields the plugin sets) go into a folder LIVE, the desired ones into MERGED,
// one file per object, and the program gets both folders. An object that goes away has only its
// LIVE file, an object that is created only its MERGED file, as in kubectl diff. Secret-like values
// are masked in the files too.
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
		want, have, err := sides(p.Desired, p.Live)
		if err != nil {
			return err
		}
		if p.Live != nil {
			if err := writeFile(filepath.Join(liveDir, file), have); err != nil {
				return err
			}
		}
		if p.Desired != nil {
			if err := writeFile(filepath.Join(mergedDir, file), want); err != nil {
				return err
			}
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

func writeFile(path string, b []byte) error {
	return os.WriteFile(path, bytes.TrimLeft(b, "\n"), 0o600)
}
