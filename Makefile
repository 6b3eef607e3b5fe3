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
	  --logger "trx" --logger "console;verbosity=normal" --results-directory $(RESULTS)

clean:
	$(DOTNET) clean HTagKube.sln -v:q
	rm -rf artifacts
