# kubectl-vitimachine. `make help` lists the targets.

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

MODULE  := github.com/vitistack/kubectl-vitimachine
VERSION ?= $(shell hack/version.sh)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X $(MODULE)/pkg/version.gitVersion=$(VERSION) -X $(MODULE)/pkg/version.gitCommit=$(COMMIT) -X $(MODULE)/pkg/version.buildDate=$(DATE)
GO_TEST_FLAGS ?=
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
# exhaustive: every switch over one of the plugin's enums (plan.Action, target.By, …) names every value.
EXHAUSTIVE := github.com/nishanths/exhaustive/cmd/exhaustive@v0.17.1

export GOFLAGS := -buildvcs=false
export KUBEBUILDER_CONTROLPLANE_START_TIMEOUT ?= 90s

.PHONY: help
help: ## Show this help
	@awk 'BEGIN{FS=":.*## "} /^[a-z-]+:.*## /{printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build bin/kubectl-vitimachine (static, CGO_ENABLED=0)
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o bin/kubectl-vitimachine ./cmd/kubectl-vitimachine
	@echo "built bin/kubectl-vitimachine ($(VERSION))"

.PHONY: envtest
envtest: ## Build the test control plane (kube-apiserver, etcd, kubectl) once; cached
	@hack/envtest-assets.sh >/dev/null

.PHONY: test
test: ## Unit and end-to-end tests (real API servers), with -race, and a short fuzz run
	@assets=$$(hack/envtest-assets.sh) && \
	  KUBEBUILDER_ASSETS=$$assets go test -race -count=1 -timeout 30m $(GO_TEST_FLAGS) ./...
	FUZZTIME=20000x hack/fuzz.sh # a count, not a duration: a -fuzztime deadline can fail spuriously (golang/go#75804)

.PHONY: bench
bench: ## Benchmarks on real control planes; regenerates docs/performance.md (about 7 minutes)
	hack/bench.sh

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME (default 60s each)
	hack/fuzz.sh

.PHONY: test-unit
test-unit: ## Unit tests only (no API servers)
	go test -race -count=1 $$(go list ./... | grep -v -e /pkg/e2e -e /pkg/release -e /pkg/bench)

.PHONY: cover
cover: ## Statement coverage per package from unit tests alone; fails under 70% (COVER_MIN=) outside cmd, testenv, e2e
	hack/cover.sh

.PHONY: rbac
rbac: ## Regenerate examples/rbac-*.yaml and the RBAC table of docs/security.md from pkg/access
	go run ./hack/rbac

.PHONY: lint
lint: ## gofmt, go mod tidy, go vet, staticcheck, exhaustive enum switches and the import and write-seam rules (hack/verify-imports.sh)
	@out=$$(gofmt -l cmd pkg hack); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@go mod tidy -diff || { echo "go mod tidy would change go.mod/go.sum (run go mod tidy)"; exit 1; }
	go vet ./...
	go run $(STATICCHECK) -checks 'all,-ST1000,-ST1003,-ST1020,-ST1021,-ST1022' ./...
	go run $(EXHAUSTIVE) ./...
	hack/verify-imports.sh

.PHONY: demo
demo: build ## Start a local supervisor and a KubeVirt control plane, load the examples, run the plugin
	@assets=$$(hack/envtest-assets.sh) && \
	  KUBEBUILDER_ASSETS=$$assets PATH="$(CURDIR)/bin:$$assets:$$PATH" go run ./hack/demo

.PHONY: dist
dist: ## Reproducible release archives and dist/checksums.txt (VERSION=, PLATFORMS=, SOURCE_DATE_EPOCH=)
	hack/dist.sh

.PHONY: validate-krew
validate-krew: ## Validate plugins/vitimachine.yaml and the rendered .krew.yaml with krew's validate-krew-manifest
	hack/validate-krew.sh

.PHONY: krew-manifest
krew-manifest: ## Regenerate plugins/vitimachine.yaml from dist/ (after make dist VERSION=vX.Y.Z)
	hack/update-krew-manifest.sh

.PHONY: clean
clean: ## Remove build outputs (the cached control plane stays; see hack/envtest-assets.sh)
	rm -rf bin dist
