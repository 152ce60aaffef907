package doctor

import (
	"fmt"
	"runtime/debug"

	utilversion "k8s.io/apimachinery/pkg/util/version"
)

// ClientGoVersion is the version of k8s.io/client-go the running binary was built with ("v0.37.2"),
// or "" when the build information does not say.
func ClientGoVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, dep := range info.Deps {
		if dep.Path == "k8s.io/client-go" {
			if dep.Replace != nil {
				return dep.Replace.Version
			}
			return dep.Version
		}
	}
	return ""
}

// skew compares a server version ("v1.37.2") with the client's client-go version ("v0.37.2", which
// speaks Kubernetes 1.37): ok within one minor version, warn beyond (client-go's supported skew).
func skew(server, clientGo string) (Result, string) {
	sv, err := utilversion.ParseGeneric(server)
	if err != nil {
		return Warn, fmt.Sprintf("%s: not a version the plugin can compare; the plugin is tested with the same minor version as its client (%s)", server, clientGo)
	}
	cv, err := utilversion.ParseGeneric(clientGo)
	if err != nil {
		return OK, server + " (client version unknown)"
	}
	client := fmt.Sprintf("1.%d", cv.Minor())
	diff := int(sv.Minor()) - int(cv.Minor())
	switch {
	case sv.Major() != 1:
		return Warn, fmt.Sprintf("%s: not a Kubernetes 1.x server; the client speaks %s", server, client)
	case diff > 1:
		return Warn, fmt.Sprintf("%s is %d minor versions newer than the client (%s; client-go supports one): upgrade the plugin (kubectl krew upgrade vitimachine)", server, diff, client)
	case diff < -1:
		return Warn, fmt.Sprintf("%s is %d minor versions older than the client (%s; client-go supports one): upgrade the cluster, or use a plugin release built for it", server, -diff, client)
	}
	return OK, fmt.Sprintf("%s (client %s)", server, client)
}
