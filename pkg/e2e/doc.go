// Package e2e holds the end-to-end tests: they build the plugin, put it on PATH as
// kubectl-vitimachine, and run it through the real kubectl plugin mechanism against real
// kube-apiservers and etcd (a supervisor and two remote KubeVirt control planes; see pkg/testenv).
//
// They need KUBEBUILDER_ASSETS (export KUBEBUILDER_ASSETS="$(hack/envtest-assets.sh)"). Without it
// they skip locally and fail in CI (CI=true).
package e2e
