# HTagKube — the two commands a user needs are `make run` and `make test`.
CONFIG ?= Release
DOTNET ?= dotnet
RESULTS ?= artifacts/test-results

.PHONY: build run test test-unit crds images bench clean

build:
	$(DOTNET) build HTagKube.sln -c $(CONFIG) -nologo -v:q

# Local mode: demo apps at http://localhost:8000, one userpod process per browser, no cluster, no Redis.
run:
	$(DOTNET) run --project router -c $(CONFIG) -- $(ARGS)

# Every test project. Cluster tests use $$KUBECONFIG (skipped without it, except under CI=true).
test: build
	rm -rf $(RESULTS)
	$(DOTNET) test HTagKube.sln -c $(CONFIG) --no-build -nologo \
	  --blame-hang-timeout 8m --blame-hang-dump-type none \
	  --logger "trx" --logger "console;verbosity=normal" --results-directory $(RESULTS)

clean:
	$(DOTNET) clean HTagKube.sln -v:q
	rm -rf artifacts

# ---- Images and chart (docs/deploy.md) ----
# Base image: mcr.microsoft.com/dotnet/aspnet:10.0, or htagkube/dotnet-aspnet:10.0 when the docker daemon
# has it (the registry-less local cluster: ../shared/kube/base-image). Override: make images BASE=...
LOCAL_BASE := htagkube/dotnet-aspnet:10.0
BASE ?= $(shell $(DOCKER) image inspect $(LOCAL_BASE) >/dev/null 2>&1 && echo $(LOCAL_BASE) || echo mcr.microsoft.com/dotnet/aspnet:10.0)
TAG ?= 0.1.0
DOCKER ?= docker
PUBLISH ?= artifacts/publish

.PHONY: images image-userpod image-router image-operator images-local-deps chart-crds

images: image-userpod image-router image-operator

image-userpod:
	rm -rf $(PUBLISH)/userpod
	$(DOTNET) publish userpod/Demo -c $(CONFIG) -o $(PUBLISH)/userpod -nologo -v:q
	$(DOCKER) build -f userpod/Dockerfile --build-arg BASE=$(BASE) -t htagkube/userpod:$(TAG) $(PUBLISH)/userpod

image-router:
	rm -rf $(PUBLISH)/router
	$(DOTNET) publish router -c $(CONFIG) -o $(PUBLISH)/router -nologo -v:q
	$(DOCKER) build -f router/Dockerfile --build-arg BASE=$(BASE) -t htagkube/router:$(TAG) $(PUBLISH)/router

image-operator:
	rm -rf $(PUBLISH)/operator
	$(DOTNET) publish operator/HTagKube.Operator -c $(CONFIG) -o $(PUBLISH)/operator -nologo -v:q
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

# The HTagSession CRD, generated from the C# types (operator/HTagKube.Api/V1Alpha1), and the chart's copy of it
# (Helm installs charts/crds/ first). Tests fail when either differs from the types.
crds:
	$(DOTNET) run --project operator/HTagKube.CrdGen -c $(CONFIG) -v:q -- crds/
	$(MAKE) chart-crds

chart-crds:
	cp crds/*.yaml charts/crds/

# Benchmarks (docs/benchmarks.md, docs/benchmarks.json): router, userpods and baselines on loopback, bounded.
# ARGS=--quick for a short run; ARGS="--only cold,rtt" for some scenarios.
bench:
	$(DOTNET) run -c Release --project tests/Bench -- $(ARGS)
