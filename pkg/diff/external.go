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
// live (nil when absent).
type Pair struct {
	// Cluster is the display name of the object's cluster. It prefixes the object's name in headers
	// and file names, so that objects of two clusters never collide.
	Cluster string
	// Name is the object as kubectl diff names it: group.version.Kind.namespace.name (KubectlName).
	Name          string
	Desired, Live map[string]any
}

// KubectlName names an object as kubectl diff names its files: "group.version.Kind.namespace.name",
// without the group for the core group and with an empty namespace for cluster-scoped objects
// ("kubevirt.io.v1.VirtualMachine.team-a.vm-web", "v1.Namespace..team-a").
func KubectlName(apiVersion, kind, namespace, name string) string {
	return strings.ReplaceAll(apiVersion, "/", ".") + "." + kind + "." + namespace + "." + name
}

// Label is "CLUSTER/NAME", what the built-in diff's headers show after live/ and desired/.
func (p Pair) Label() string {
	if p.Cluster == "" {
		return p.Name
	}
	return p.Cluster + "/" + p.Name
}

// file is the pair's file name in LIVE and MERGED: the cluster (characters that do not belong in a
// file name replaced), "_", and kubectl's name.
func (p Pair) file() string {
	name := strings.ReplaceAll(p.Name, "/", "-")
	if p.Cluster == "" {
		return name
	}
	safe := strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return '-'
	}, p.Cluster)
	return safe + "_" + name
}

// External runs a diff program as kubectl diff does with KUBECTL_EXTERNAL_DIFF: the live objects
// (projected onto the fields the plugin sets) go into a folder LIVE, the desired ones into MERGED,
// one file per object named CLUSTER_group.version.Kind.namespace.name (kubectl's name after the
// cluster; a name that still repeats gets ".2", ".3"), and the program gets both folders. An object
// that goes away has only its LIVE file, an object that is created only its MERGED file, as in
// kubectl diff. Secret-like values are masked in the files too.
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
	used := map[string]bool{}
	for _, p := range pairs {
		file := p.file()
		for i := 2; used[file]; i++ {
			file = fmt.Sprintf("%s.%d", p.file(), i)
		}
		used[file] = true
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
