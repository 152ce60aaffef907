package target

import (
	"context"
	"sync"
)

// RemoteVersion is one KubevirtConfig's cluster: its server version, or why it is not known.
type RemoteVersion struct {
	KubevirtConfig string `json:"kubevirtConfig"`
	Version        string `json:"version,omitempty"`
	Error          string `json:"error,omitempty"`
}

// RemoteVersions asks every KubevirtConfig's cluster for its version, in parallel, each within
// its client's deadline (Options.ClusterTimeout). The kubeconfigs are checked as untrusted, exactly as for create.
// A failing KubevirtConfig list is one entry named "*".
func (r *Resolver) RemoteVersions(ctx context.Context) []RemoteVersion {
	configs, err := r.Configs(ctx)
	if err != nil {
		return []RemoteVersion{{KubevirtConfig: "*", Error: err.Error()}}
	}
	out := make([]RemoteVersion, len(configs))
	var wg sync.WaitGroup
	for i, kc := range configs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = RemoteVersion{KubevirtConfig: kc.Name}
			c, err := r.Client(ctx, kc.Name)
			if err == nil {
				out[i].Version, err = c.ServerVersion(ctx)
			}
			if err != nil {
				out[i].Error = err.Error()
			}
		}()
	}
	wg.Wait()
	return out
}
