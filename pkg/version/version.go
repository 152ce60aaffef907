// Package version holds the build stamp of the plugin binary.
//
// The three values are set at link time with -ldflags "-X ..." by the Makefile and the release
// build. They are variables because the linker can only stamp variables, and the only ones in the
// project that anything assigns: the other package-level variables are read-only tables (resources,
// label keys, statuses) that nothing changes after start-up.
package version

import "runtime"

var (
	// gitVersion is the release tag, e.g. v0.1.0; "v0.0.0-dev" in a plain `go build`.
	gitVersion = "v0.0.0-dev"
	// gitCommit is the commit the binary was built from.
	gitCommit = "unknown"
	// buildDate is the build time in RFC 3339 (UTC).
	buildDate = "unknown"
)

// Info describes the client binary.
type Info struct {
	GitVersion string `json:"gitVersion"`
	GitCommit  string `json:"gitCommit"`
	BuildDate  string `json:"buildDate"`
	GoVersion  string `json:"goVersion"`
	Platform   string `json:"platform"`
}

// Get returns the stamped build information.
func Get() Info {
	return Info{
		GitVersion: gitVersion,
		GitCommit:  gitCommit,
		BuildDate:  buildDate,
		GoVersion:  runtime.Version(),
		Platform:   runtime.GOOS + "/" + runtime.GOARCH,
	}
}
