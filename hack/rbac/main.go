// Command rbac is `make rbac`: it writes the RBAC examples (examples/rbac-supervisor.yaml,
// examples/rbac-remote.yaml) and the generated RBAC table of docs/security.md from the table in
// pkg/access, the one `kubectl vitimachine doctor` checks. Run it from the repository root after
// changing the table; a unit test of pkg/access fails until you do.
package main

import (
	"fmt"
	"os"

	"github.com/vitistack/kubectl-vitimachine/pkg/access"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "rbac:", err)
		os.Exit(1)
	}
}

func run() error {
	for _, r := range []cluster.Role{cluster.Supervisor, cluster.Remote} {
		path := access.ExampleFile(r)
		if err := os.WriteFile(path, []byte(access.Manifest(r, access.ExampleOptions())), 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", path)
	}
	doc, err := os.ReadFile(access.DocsFile)
	if err != nil {
		return err
	}
	out, err := access.SpliceMarkdown(string(doc))
	if err != nil {
		return err
	}
	if err := os.WriteFile(access.DocsFile, []byte(out), 0o644); err != nil {
		return err
	}
	fmt.Println("wrote the RBAC table of", access.DocsFile)
	return nil
}
