# HTagKube — the two commands a user needs are `make run` and `make test`.
CONFIG ?= Release
DOTNET ?= dotnet
RESULTS ?= artifacts/test-results

.PHONY: build run dev test test-deps test-unit crds images bench soak clean packages

build:
	$(DOTNET) build HTagKube.sln -c $(CONFIG) -nologo -v:q

# Local mode: demo apps at http://localhost:8000, one userpod process per browser, no cluster, no Redis.
run:
	$(DOTNET) run --project router -c $(CONFIG) -- $(ARGS)

# The development loop (docs/apps.md): the router serves APP (a folder with one .csproj, e.g. from `dotnet new htag`) at
# http://localhost:8000 as production does, rebuilds it on every save and reloads the open pages (router/Dev).
dev:
	@test -n "$(APP)" || { echo "usage: make dev APP=path/to/MyApps" >&2; exit 2; }
	$(DOTNET) run --project router -c $(CONFIG) -- --dev "$(abspath $(APP))" $(ARGS)

# Every test project. Cluster tests use $$KUBECONFIG (skipped without it, except under CI=true).
# At most TEST_ASSEMBLIES test assemblies run at once (each runs its test classes on as many threads as cores):
# every one starts routers, userpods, Chromium or cluster work, and CI machines have 2 cores.
TEST_ASSEMBLIES ?= 2
test: build test-deps
	rm -rf $(RESULTS)
	$(DOTNET) test HTagKube.sln -c $(CONFIG) --no-build -nologo -maxcpucount:$(TEST_ASSEMBLIES) \
	  --blame-hang-timeout 8m --blame-hang-dump-type none \
	  --logger "trx" --logger "console;verbosity=normal" --results-directory $(RESULTS)

# The sign-in tests' OpenID provider (npm package oidc-provider, pinned by its package-lock.json) runs under node.
SIGNIN_PROVIDER = tests/HTagKube.Testing/OidcProvider
test-deps: $(SIGNIN_PROVIDER)/node_modules/.package-lock.json
$(SIGNIN_PROVIDER)/node_modules/.package-lock.json: $(SIGNIN_PROVIDER)/package-lock.json
	npm ci --prefix $(SIGNIN_PROVIDER) --no-audit --no-fund

# What app authors use (docs/apps.md), into $(PACKAGES): HTag and HTag.Server (each project HTag.Server references is packed
# as its own package; build/Packaging.props), with symbols (.snupkg), and the template pack HTag.Templates (dotnet new htag).
# The version is VersionPrefix in Directory.Build.props. A repack of the same version also drops that version from the
# NuGet cache, where an earlier pack would otherwise keep being used. PACK_ARGS=--no-build packs what is already built.
PACKAGES ?= artifacts/packages
PACKAGE_VERSION = $(shell $(DOTNET) msbuild userpod/HTag.Server -getProperty:PackageVersion)
packages:
	rm -f $(PACKAGES)/*.nupkg $(PACKAGES)/*.snupkg
	$(DOTNET) pack userpod/HTag.Server -c $(CONFIG) -o $(PACKAGES) -nologo -v:q $(PACK_ARGS)
	$(DOTNET) pack templates -c $(CONFIG) -o $(PACKAGES) -nologo -v:q $(PACK_ARGS)
	@v="$(PACKAGE_VERSION)"; cache=$$($(DOTNET) nuget locals global-packages --list | sed 's/^global-packages: //'); \
	for f in $(PACKAGES)/*.$$v.nupkg; do id=$$(basename "$$f" ".$$v.nupkg" | tr 'A-Z' 'a-z'); rm -rf "$$cache/$$id/$$v"; done; \
	ls $(PACKAGES); \
	echo "next: dotnet new install $(PACKAGES)/HTag.Templates.$$v.nupkg   (--force to replace an installed $$v)"; \
	echo "      dotnet new htag -o ~/src/MyApps --local-feed $(abspath $(PACKAGES))"

clean:
	$(DOTNET) clean HTagKube.sln -v:q
	rm -rf artifacts

# ---- Images and chart (docs/deploy.md) ----
# Base images: the router and operator run on ASP.NET Core's runtime image; the userpod is a NativeAOT program (no .NET
# runtime) on runtime-deps. Each is the local htagkube/* build when the docker daemon has it (the registry-less local
# cluster: ../shared/kube/base-image), else mcr's. Override: make images BASE=... USERPOD_BASE=...
DOCKER ?= docker
local_or = $(shell $(DOCKER) image inspect $(1) >/dev/null 2>&1 && echo $(1) || echo $(2))
BASE ?= $(call local_or,htagkube/dotnet-aspnet:10.0,mcr.microsoft.com/dotnet/aspnet:10.0)
USERPOD_BASE ?= $(call local_or,htagkube/dotnet-runtime-deps:10.0,mcr.microsoft.com/dotnet/runtime-deps:10.0)
TAG ?= 0.1.0
PUBLISH ?= artifacts/publish
RID ?= linux-x64

.PHONY: images image-userpod image-router image-operator images-local-deps chart-crds userpod-aot run-aot

images: image-userpod image-router image-operator

# The demo userpod published with NativeAOT (needs clang and zlib1g-dev): one native executable, for the userpod image,
# `make run-aot` and the benchmark. Republished only when a userpod source changed (a publish takes a minute or two).
USERPOD_AOT := $(PUBLISH)/userpod-aot
USERPOD_SOURCES := $(shell find userpod -type f \( -path '*/wwwroot/*' -o -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.js' -o -name 'package*.json' \) \
  -not -path '*/bin/*' -not -path '*/obj/*' -not -path '*/node_modules/*') Directory.Build.props Directory.Packages.props
$(USERPOD_AOT)/HTagKube.Demo: $(USERPOD_SOURCES)
	rm -rf $(USERPOD_AOT)
	$(DOTNET) publish userpod/Demo -c $(CONFIG) -r $(RID) -p:PublishAot=true -o $(USERPOD_AOT) -nologo -v:q
	touch $@
userpod-aot: $(USERPOD_AOT)/HTagKube.Demo

# Local mode with the NativeAOT demo userpod instead of the JIT one `make run` starts (no publish wait there).
run-aot: userpod-aot
	$(DOTNET) run --project router -c $(CONFIG) -- --userpod-command "$(abspath $(USERPOD_AOT))/HTagKube.Demo" $(ARGS)

image-userpod: userpod-aot
	$(DOCKER) build -f userpod/Dockerfile --build-arg BASE=$(USERPOD_BASE) -t htagkube/userpod:$(TAG) $(USERPOD_AOT)

# Router and operator: ReadyToRun (precompiled, framework-dependent): a fresh process's first requests skip most JIT.
R2R := -r $(RID) --self-contained false -p:PublishReadyToRun=true
image-router:
	rm -rf $(PUBLISH)/router
	$(DOTNET) publish router -c $(CONFIG) $(R2R) -o $(PUBLISH)/router -nologo -v:q
	$(DOCKER) build -f router/Dockerfile --build-arg BASE=$(BASE) -t htagkube/router:$(TAG) $(PUBLISH)/router

image-operator:
	rm -rf $(PUBLISH)/operator
	$(DOTNET) publish operator/HTagKube.Operator -c $(CONFIG) $(R2R) -o $(PUBLISH)/operator -nologo -v:q
	$(DOCKER) build -f operator/Dockerfile --build-arg BASE=$(BASE) -t htagkube/operator:$(TAG) $(PUBLISH)/operator

# For a cluster that cannot pull redis:7-alpine / bitnami/kubectl (no registry): htagkube/redis:7 from this
# machine's Debian redis-server, htagkube/kubectl:1 (the chart's uninstall hook) from $(KUBECTL).
KUBECTL ?= $(shell command -v kubectl)
REDIS_SERVER ?= /usr/bin/redis-server
images-local-deps:
	charts/images/redis/stage-redis.sh artifacts/images/redis $(REDIS_SERVER)
	$(DOCKER) build -t htagkube/redis:7 artifacts/images/redis
	rm -rf artifacts/images/kubectl && mkdir -p artifacts/images/kubectl
	cp charts/images/kubectl/Dockerfile $(KUBECTL) artifacts/images/kubectl/
	$(DOCKER) build --build-arg BASE=$(BASE) -t htagkube/kubectl:1 artifacts/images/kubectl

# The HTagSession CRD, generated from the C# types (contract/HTagKube.Api/V1Alpha1), and the chart's copy of it
# (Helm installs charts/crds/ first). Tests fail when either differs from the types.
crds:
	$(DOTNET) run --project operator/HTagKube.CrdGen -c $(CONFIG) -v:q -- crds/
	$(MAKE) chart-crds

chart-crds:
	cp crds/*.yaml charts/crds/

# Benchmarks (docs/benchmarks.md, docs/benchmarks.json): router, userpods and baselines on loopback, bounded.
# ARGS=--quick for a short run; ARGS="--only cold,rtt" for some scenarios.
# ARGS=--cluster: the cluster bench against $$KUBECONFIG (raw pods, the chart under arrivals and a rush, idle userpods;
# helm and kubectl on PATH; images from `make images`, --image-tag T for others): its own section of docs/benchmarks.md.
# The NativeAOT userpod rows use $(USERPOD_AOT) (published first when out of date).
bench: userpod-aot
	$(DOTNET) run -c Release --project tests/Bench -- --aot-userpod "$(abspath $(USERPOD_AOT))/HTagKube.Demo" $(ARGS)

# Soak (docs/soak.md): the real router and Demo userpods on loopback, 50 simulated users arriving, clicking (every result
# checked), leaving and returning for 10 minutes; then every session must expire, the router stop and nothing of it
# stay alive. Not part of `make test`. ARGS="--minutes 2" for a short run; ARGS=--redis: routes in a real redis-server
# (report: docs/soak-redis.md); ARGS=--cluster: the operator and the router (Kubernetes mode) against the test cluster
# ($$KUBECONFIG from ../shared/kube/up, images from `make images`), 12 users for 3 minutes, each a pod; afterwards no
# session pod, Secret, HTagSession or route key may stay (report: docs/soak-cluster.md).
soak:
	$(DOTNET) build tests/Soak -c Release -nologo -v:q
	$(DOTNET) run -c Release --no-build --project tests/Soak -- $(ARGS)
