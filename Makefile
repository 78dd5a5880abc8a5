# nerlab: setup, build, test, demo, benchmarks.
#   make demo   the main job on the bundled offline data
#   make test   go vet and every test (runs setup first)
SHELL := /bin/bash
GO ?= go
# Debian packages the build and the tests need (setup installs what is missing).
APT_PACKAGES := g++ make libtorch-dev libopenblas0-pthread

.PHONY: setup deps gotch build test demo bench fuzz sample clean

setup: deps gotch

# Installs only missing packages, so a second run costs a dpkg query.
deps:
	@missing=$$(for p in $(APT_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "setup: installing" $$missing; \
	  SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# Copies gotch v0.8.0 into third_party/gotch and fits it to this libtorch
# (LIBTORCH=/path selects an unpacked libtorch); cached, instant when done.
gotch:
	@$(GO) run ./tools/gotchprep

build: setup
	$(GO) build -o bin/nerlab ./repl

test: setup
	$(GO) vet ./...
	$(GO) test -timeout 40m ./...

demo: build
	@echo "== statistics of the bundled sample: bin/nerlab stats data/sample/sample.conll"
	@bin/nerlab stats data/sample/sample.conll
	@echo
	@echo "== scoring its simulated predictions: bin/nerlab score data/sample/sample.pred.conll"
	@bin/nerlab score data/sample/sample.pred.conll

bench: setup
	$(GO) test -run '^$$' -bench . -benchmem ./lib/...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 60s ./lib/corpus

# Regenerates data/sample from its seed (a test checks it is up to date).
sample:
	$(GO) run ./data/samplegen/cmd/samplegen

clean:
	rm -rf bin third_party
