package manifest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Reader reads the inputs from the OS file system; Stdin is used for "-".
type Reader struct {
	Stdin io.Reader
	// Recursive reads the subfolders of folders too (-R); without it they are skipped with a note.
	Recursive bool
	// Note, when set, is told what was skipped and why: a subfolder without Recursive, a file in a
	// folder that holds no Machine.
	Note func(string)
}

// input is one file to read, and whether it was found in a folder (not named by the user).
type input struct {
	path     string
	inFolder bool
}

// Read decodes every Machine in paths. Folders are read in name order, files ending .yaml, .yml or
// .json; their subfolders only with Recursive. A file found in a folder that holds no Machine at
// all (a kustomization, a MachineClass) is skipped with a note; a file named by the user must hold
// Machines. Any other error refuses the whole input.
//
// Reading honours ctx: a slow standard input or a FIFO that never opens stops the read when ctx
// ends (the blocked read is left behind; the process is about to end).
func (r Reader) Read(ctx context.Context, paths []string) ([]Machine, error) {
	var out []Machine
	for _, p := range paths {
		files, err := r.expand(p)
		if err != nil {
			return nil, err
		}
		before := len(out)
		for _, f := range files {
			data, err := r.readFile(ctx, f.path)
			if err != nil {
				return nil, err
			}
			if f.inFolder {
				holds, kinds, err := holdsMachine(data)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", f.path, err)
				}
				if !holds {
					r.note(fmt.Sprintf("skipped %s: it holds no Machine (%s)", f.path, kinds))
					continue
				}
			}
			ms, err := Decode(f.path, data)
			if err != nil {
				return nil, err
			}
			out = append(out, ms...)
		}
		if len(out) == before && len(files) > 0 && files[0].inFolder {
			return nil, fmt.Errorf("folder %s holds no Machines", p)
		}
	}
	return out, nil
}

func (r Reader) note(msg string) {
	if r.Note != nil {
		r.Note(msg)
	}
}

func (r Reader) expand(p string) ([]input, error) {
	if p == "-" {
		return []input{{path: "-"}}, nil
	}
	info, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, unwrapPathError(err))
	}
	if !info.IsDir() {
		return []input{{path: p}}, nil
	}
	var files []input
	err = filepath.WalkDir(p, func(path string, e fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return fmt.Errorf("read folder %s: %w", path, unwrapPathError(err))
		case e.IsDir() && path != p && !r.Recursive:
			r.note(fmt.Sprintf("skipped folder %s (use -R to read subfolders)", path))
			return filepath.SkipDir
		case e.IsDir():
			return nil
		}
		if ext := strings.ToLower(filepath.Ext(e.Name())); ext == ".yaml" || ext == ".yml" || ext == ".json" {
			files = append(files, input{path: path, inFolder: true})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	if len(files) == 0 {
		return nil, fmt.Errorf("folder %s has no .yaml, .yml or .json files", p)
	}
	return files, nil
}

// readFile reads one input, at most MaxFileBytes+1 bytes of it, until ctx ends.
func (r Reader) readFile(ctx context.Context, name string) ([]byte, error) {
	if ctx.Err() != nil {
		return nil, fmt.Errorf("read %s: interrupted: %w", displayName(name), ctx.Err())
	}
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := r.readAll(name)
		done <- result{data, err}
	}()
	select {
	case res := <-done:
		return res.data, res.err
	case <-ctx.Done():
		return nil, fmt.Errorf("read %s: interrupted: %w", displayName(name), ctx.Err())
	}
}

func (r Reader) readAll(name string) ([]byte, error) {
	var src io.Reader
	if name == "-" {
		if r.Stdin == nil {
			return nil, errors.New("read standard input: no input")
		}
		src = r.Stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, unwrapPathError(err))
		}
		defer f.Close()
		src = f
	}
	data, err := io.ReadAll(io.LimitReader(src, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", displayName(name), err)
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%s: larger than %d MiB; refusing it (split the input)", displayName(name), MaxFileBytes>>20)
	}
	return data, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
