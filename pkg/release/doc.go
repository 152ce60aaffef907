// Package release holds release-packaging tests only: the krew manifests (plugins/vitimachine.yaml
// and the krew-release-bot template .krew.yaml), the reproducible archives of hack/dist.sh, and
// installing them with the real krew and kubectl. It has no non-test code and nothing imports it.
package release
