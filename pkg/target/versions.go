package target

import (
	"context"
	"sync"
	"time"
)

// RemoteVersion is one KubevirtConfig's cluster: its server version, or why it is not known.
type RemoteVersion struct {
	KubevirtConfig string `json:"kubevirtConfig"`
	Version        string `json:"version,omitempty"`
	Error          string `json:"error,omitempty"`
}

// RemoteVersions asks every KubevirtConfig's cluster for its version, in parallel, each within
// timeout (0: no bound beyond ctx). The kubeconfigs are checked as untrusted, exactly as for create.
// A failing KubevirtConfig list is one entry named "*".
func (r *Resolver) RemoteVersions(ctx context.Context, timeout time.Duration) []RemoteVersion {
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
			cctx, cancel := ctx, context.CancelFunc(func() {})
			if timeout > 0 {
				cctx, cancel = context.WithTimeout(ctx, timeout)
			}
			defer cancel()
			c, err := r.Client(cctx, kc.Name)
			if err == nil {
				out[i].Version, err = c.ServerVersion(cctx)
			}
			if err != nil {
				out[i].Error = err.Error()
			}
		}()
	}
	wg.Wait()
	return out
}
