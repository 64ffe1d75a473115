# mailgun-operator Makefile, laid out as kubebuilder's go/v4 scaffold.
# Every tool is built from source through the Go module proxy into bin/; nothing
# is downloaded from anywhere else.

# Image for docker-build, deploy and build-installer.
IMG ?= ghcr.io/mailgun-operator/mailgun-operator:latest
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

# Go
GO ?= go
GOOS ?= $(shell $(GO) env GOOS)
GOARCH ?= $(shell $(GO) env GOARCH)

CONTAINER_TOOL ?= docker

# Setting SHELL to bash allows bash commands to be executed by recipes.
SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate CRDs and RBAC from the kubebuilder markers.
	"$(CONTROLLER_GEN)" rbac:roleName=manager-role crd paths="./api/..." paths="./internal/..." paths="./cmd/..." output:crd:artifacts:config=config/crd/bases
	hack/sync-chart.sh

.PHONY: generate
generate: controller-gen ## Generate DeepCopy methods.
	"$(CONTROLLER_GEN)" object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: verify-generated
verify-generated: controller-gen ## Fail if `make manifests generate` would change the tree.
	@hack/verify-generated.sh "$(MAKE)"

.PHONY: fmt
fmt: ## Run go fmt against code.
	$(GO) fmt ./...

.PHONY: fmt-check
fmt-check: ## Fail if any Go file is not gofmt'd.
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

.PHONY: vet
vet: ## Run go vet against code.
	$(GO) vet ./...

.PHONY: test
test: verify-generated fmt-check vet envtest ## Build the toolchain if needed, check generated code, vet, and run every test.
	KUBEBUILDER_ASSETS="$(KUBEBUILDER_ASSETS)" $(GO) test ./... -coverprofile cover.out
	@# The Helm chart's tests, the contract tests against mailgun-go, the
	@# observability tests and the benchmarks are modules of their own, so
	@# that Helm, mailgun-go and Prometheus never enter the operator's go.mod.
	cd test/helm && $(GO) vet ./... && KUBEBUILDER_ASSETS="$(KUBEBUILDER_ASSETS)" $(GO) test ./...
	cd test/contract && $(GO) vet ./... && $(GO) test ./...
	@# The alert rules and the dashboard against Prometheus's engine and
	@# parser (docs/observability.md), a module of its own for Prometheus.
	cd test/observability && $(GO) vet ./... && $(GO) test ./...
	cd test/bench && $(GO) vet ./...

# make bench: our Mailgun client against mailgun-go (the test/bench module)
# and internal/mailgun's BenchmarkDispatch and BenchmarkDecodeDomain,
# BENCH_COUNT runs each, summarised by benchstat; then
# the parallel-connections test. The client benchmarks run twice: with the
# canned server in a child process (BENCH_SERVER=child: the figures are what
# a call costs the caller's process, as in production) and in the
# benchmark's own process (BENCH_SERVER=inprocess: the server's work is
# counted for both clients; goroutine hand-offs instead of process wake-ups
# make the times steadier). Raw output goes to test/bench/*.txt.
# docs/benchmarks.md has the results and how to read them.
BENCH_COUNT ?= 10
BENCH_MODES := child inprocess

# Sub-benchmarks "ours" and "mailgun-go" become /impl=... so benchstat can
# put them side by side.
BENCH_IMPL_SED := s\#^(Benchmark[^[:space:]]+)/(ours|mailgun-go)(-[0-9]+)?([[:space:]])\#\1/impl=\2\3\4\#

.PHONY: bench
bench: benchstat ## Benchmark our Mailgun client against mailgun-go and print benchstat tables.
	@for mode in $(BENCH_MODES); do \
		echo "== running the client benchmarks, canned server: $$mode (about 5 min; raw output: test/bench/bench-$$mode.txt)"; \
		(cd test/bench && BENCH_SERVER=$$mode $(GO) test -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) .) > test/bench/bench-$$mode.txt \
			|| { cat test/bench/bench-$$mode.txt; exit 1; }; \
		sed -E '$(BENCH_IMPL_SED)' test/bench/bench-$$mode.txt > test/bench/bench-$$mode-impl.txt; \
	done
	$(GO) test -run '^$$' -bench 'Dispatch|DecodeDomain' -benchmem -count $(BENCH_COUNT) ./internal/mailgun/ > test/bench/mailgun.txt
	@for mode in $(BENCH_MODES); do \
		echo; echo "== ours vs mailgun-go (base: mailgun-go), canned server: $$mode"; \
		"$(BENCHSTAT)" -filter '-.name:(Floor OR ClientOnly)' -col '/impl@(mailgun-go ours)' test/bench/bench-$$mode-impl.txt; \
		echo; echo "== the floor: the same requests without a client (net/http + loopback), canned server: $$mode"; \
		"$(BENCHSTAT)" -filter '.name:Floor' test/bench/bench-$$mode-impl.txt; \
	done
	@echo; echo "== each client's own work: the operations against an in-memory transport (BenchmarkClientOnly)"
	"$(BENCHSTAT)" -filter '.name:ClientOnly' -col '/impl@(mailgun-go ours)' test/bench/bench-child-impl.txt
	@echo; echo "== internal/mailgun: BenchmarkDispatch, BenchmarkDecodeDomain"
	"$(BENCHSTAT)" test/bench/mailgun.txt
	@echo; echo "== 10,000 GetDomain requests from 16 goroutines: new TCP connections"
	cd test/bench && $(GO) test -count 1 -v -run '^TestParallelConnections$$' . | tee parallel.txt

##@ Build

.PHONY: build
build: ## Build the manager binary into bin/manager.
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o bin/manager ./cmd/manager

.PHONY: run
run: manifests generate ## Run the manager from your host against the current kubeconfig.
	$(GO) run ./cmd/manager

.PHONY: docker-build
docker-build: ## Build the manager image (needs a container engine; none runs on the CI machines).
	$(CONTAINER_TOOL) build --build-arg VERSION=$(VERSION) -t $(IMG) .

.PHONY: docker-push
docker-push: ## Push the manager image.
	$(CONTAINER_TOOL) push $(IMG)

.PHONY: build-installer
build-installer: manifests generate kubectl ## Write dist/crds.yaml (the CRDs) and dist/install.yaml (RBAC and the Deployment with $(IMG), no CRDs).
	mkdir -p dist
	"$(KUBECTL)" kustomize config/crd > dist/crds.yaml
	"$(KUBECTL)" kustomize config/default | sed 's|image: controller:latest|image: $(IMG)|' > dist/install.yaml

# make release VERSION=v0.2.0 writes the release artifacts to $(DIST):
# crds.yaml, install.yaml (image $(IMG_REPO):$(VERSION)) and the Helm chart
# packaged as mailgun-operator-0.2.0.tgz (appVersion v0.2.0, the same image),
# each stamped with the version (hack/release.sh). It first checks that the
# generated files are current. Push the image with
# make docker-build docker-push IMG=$(IMG_REPO):$(VERSION).
IMG_REPO ?= ghcr.io/mailgun-operator/mailgun-operator
DIST ?= dist

.PHONY: release
release: verify-generated release-artifacts ## Write dist/ for VERSION=vX.Y.Z: crds.yaml, install.yaml and the chart .tgz, image $(IMG_REPO):$(VERSION).

.PHONY: release-artifacts
release-artifacts: kubectl ## The files of make release, without checking the generated files first.
	GO="$(GO)" hack/release.sh "$(VERSION)" "$(IMG_REPO)" "$(DIST)" "$(KUBECTL)"

##@ Deployment

ifndef ignore-not-found
  ignore-not-found = false
endif

.PHONY: install
install: manifests kubectl ## Install the CRDs into the cluster of the current kubeconfig.
	"$(KUBECTL)" kustomize config/crd | "$(KUBECTL)" apply --server-side -f -

# Deleting the CRDs deletes every MailgunAccount, MailgunDomain, Webhook and
# Route. A running manager then orphans their Mailgun objects, whatever their
# deletionPolicy (nothing is deleted in Mailgun) and lets them go; without a
# running manager they stay Terminating until it runs again. So: uninstall
# first, undeploy after (README.md, "Uninstall").
.PHONY: uninstall
uninstall: manifests kubectl ## Remove the CRDs and every custom resource (Mailgun keeps its objects). ignore-not-found=true to ignore absent ones.
	"$(KUBECTL)" kustomize config/crd | "$(KUBECTL)" delete --ignore-not-found=$(ignore-not-found) -f -

.PHONY: deploy
deploy: install ## Install the CRDs, then deploy the operator with image $(IMG) to the cluster of the current kubeconfig.
	"$(KUBECTL)" kustomize config/default | sed 's|image: controller:latest|image: $(IMG)|' | "$(KUBECTL)" apply --server-side -f -

.PHONY: undeploy
undeploy: kubectl ## Remove the operator from the cluster; the CRDs and custom resources stay (make uninstall removes them). ignore-not-found=true to ignore absent objects.
	"$(KUBECTL)" kustomize config/default | "$(KUBECTL)" delete --ignore-not-found=$(ignore-not-found) -f -

##@ Dependencies

LOCALBIN ?= $(CURDIR)/bin
$(LOCALBIN):
	mkdir -p "$(LOCALBIN)"

CONTROLLER_TOOLS_VERSION ?= v0.23.0
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)

# The Kubernetes version of the envtest binaries is the one hack/envtest/go.mod
# pins; changing it there gives a new folder, so old binaries are never reused.
ENVTEST_K8S_VERSION := $(shell awk '$$1 == "k8s.io/kubernetes" {sub(/^v/, "", $$2); print $$2}' hack/envtest/go.mod)
ENVTEST_ASSETS := $(LOCALBIN)/k8s/$(ENVTEST_K8S_VERSION)-$(GOOS)-$(GOARCH)

# A KUBEBUILDER_ASSETS set by the user wins, and then nothing is built.
ifeq ($(origin KUBEBUILDER_ASSETS),undefined)
KUBEBUILDER_ASSETS := $(ENVTEST_ASSETS)
ENVTEST_BUILD := true
endif
KUBECTL ?= $(KUBEBUILDER_ASSETS)/kubectl

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN) ## Build controller-gen into bin/ if missing.
$(CONTROLLER_GEN): | $(LOCALBIN)
	GOBIN="$(LOCALBIN)/.tmp-controller-gen" $(GO) install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)
	mv "$(LOCALBIN)/.tmp-controller-gen/controller-gen" "$@" && rmdir "$(LOCALBIN)/.tmp-controller-gen"

BENCHSTAT_VERSION ?= v0.0.0-20260908200009-22c9c6c9d4da
BENCHSTAT ?= $(LOCALBIN)/benchstat-$(BENCHSTAT_VERSION)

.PHONY: benchstat
benchstat: $(BENCHSTAT) ## Build benchstat into bin/ if missing.
$(BENCHSTAT): | $(LOCALBIN)
	GOBIN="$(LOCALBIN)/.tmp-benchstat" $(GO) install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION)
	mv "$(LOCALBIN)/.tmp-benchstat/benchstat" "$@" && rmdir "$(LOCALBIN)/.tmp-benchstat"

.PHONY: envtest
envtest: ## Build kube-apiserver, etcd and kubectl from source into bin/k8s/<version>/ if missing.
ifeq ($(ENVTEST_BUILD),true)
	@hack/envtest/build.sh "$(ENVTEST_ASSETS)"
endif

.PHONY: kubectl
kubectl: envtest ## Build kubectl (with the envtest binaries) if missing.

##@ Demo

.PHONY: demo
demo: envtest ## Run the operator locally against the Mailgun emulator and show the samples reconciled (DEMO_EXIT=1 exits after the show).
	KUBEBUILDER_ASSETS="$(KUBEBUILDER_ASSETS)" $(GO) run ./hack/demo

# make bench-scale N=5000: the scale benchmark (test/scale; docs/benchmarks.md,
# "Scale"). BENCH_SCALE_ARGS passes more flags, e.g. "-sync-period=60s".
# `make test` only compiles and vets it.
N ?= 1000
BENCH_SCALE_ARGS ?=

.PHONY: bench-scale
bench-scale: envtest ## Create N routes plus domains and webhooks against the built manager and print time to Ready, Mailgun calls, API writes, RSS.
	KUBEBUILDER_ASSETS="$(KUBEBUILDER_ASSETS)" $(GO) run ./test/scale -n $(N) $(BENCH_SCALE_ARGS)
