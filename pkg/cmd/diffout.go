package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/vitistack/kubectl-vitimachine/pkg/diff"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/printer"
)

// planDiff is one object's diff.
type planDiff struct {
	name          string
	desired, live map[string]any
}

// planDiffs collects the diffs of every object that create would write or that differs from what
// it would write. Existing namespaces are never touched, so they never show.
func planDiffs(plans []*pipeline.Plan) []planDiff {
	var out []planDiff
	for _, pl := range plans {
		if pl.Err != nil || pl.SkipReason != "" {
			continue
		}
		for _, it := range pl.Items {
			name := it.Cluster + "/" + it.Ref()
			switch it.Action {
			case pipeline.WouldAnnotate, pipeline.WouldCreate, pipeline.Differs:
				out = append(out, planDiff{name: name, desired: it.Desired, live: it.Live})
			}
		}
	}
	return out
}

// printPlanDiffs prints the diffs: built in and coloured, or through $KUBECTL_EXTERNAL_DIFF as
// kubectl diff does. It reports whether there was any difference.
func printPlanDiffs(root *RootOptions, plans []*pipeline.Plan) (bool, error) {
	diffs := planDiffs(plans)
	if len(diffs) == 0 {
		return false, nil
	}
	if ext := root.Env.get("KUBECTL_EXTERNAL_DIFF"); ext != "" {
		return true, externalDiff(root, ext, diffs)
	}
	pal := printer.NewPalette(root.colorFor(root.Out))
	for _, d := range diffs {
		u, err := diff.Object(d.name, d.desired, d.live)
		if err != nil {
			return true, err
		}
		if err := printer.Diff(root.Out, u, pal); err != nil {
			return true, err
		}
	}
	return true, nil
}

// externalDiff writes live and desired objects into two folders, LIVE and MERGED as kubectl names
// them, and runs the command on them. Secret-like values are masked in the files too.
func externalDiff(root *RootOptions, command string, diffs []planDiff) error {
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
	for _, d := range diffs {
		file := strings.NewReplacer("/", "-").Replace(d.name) + ".yaml"
		if d.live != nil {
			if err := writeYAML(filepath.Join(liveDir, file), diff.Mask(asMap(diff.Project(d.desired, d.live)))); err != nil {
				return err
			}
		}
		if err := writeYAML(filepath.Join(mergedDir, file), diff.Mask(d.desired)); err != nil {
			return err
		}
	}
	parts := strings.Fields(command)
	cmd := exec.Command(parts[0], append(parts[1:], liveDir, mergedDir)...)
	cmd.Stdout, cmd.Stderr = root.Out, root.ErrOut
	err = cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !(errors.As(err, &exitErr) && exitErr.ExitCode() == 1) {
		return fmt.Errorf("KUBECTL_EXTERNAL_DIFF %q: %w", command, err)
	}
	return nil
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func writeYAML(path string, obj map[string]any) error {
	b, err := yaml.Marshal(obj)
	if err != nil {
		return err
	}
	return os.WriteFile(path, bytes.TrimLeft(b, "\n"), 0o600)
}
