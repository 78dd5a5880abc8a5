# nerlab: setup, build, test, demo, benchmarks.
#   make demo   the main job on the bundled offline data
#   make test   go vet and every test (runs setup first)
SHELL := /bin/bash
GO ?= go
# Debian packages the build and the tests need (setup installs what is missing):
# python3-torch is the PyTorch on the same libtorch that the numerical tests
# and the benchmark compare against (run with /usr/bin/python3); tmux drives
# the REPL's end-to-end test; Jupyter's client and kernel_test run the
# kernel's conformance suite; python3-sentencepiece is the reference the
# SentencePiece tokenizer is checked against (node 20 and npm, which install
# the JavaScript references of the other tokenizers, come with the machine:
# tokenize-js).
APT_PACKAGES := g++ make libtorch-dev libopenblas0-pthread python3-torch python3-numpy tmux \
	python3-jupyter-client python3-jupyter-kernel-test jupyter-client python3-nbclient python3-nbformat \
	python3-sentencepiece

.PHONY: setup deps gotch tokenize-js weaviate build repl kernel-install test demo bench bench-compare bench-transformer fuzz sample clean

setup: deps gotch tokenize-js

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

# The npm tokenizers lib/tokenize's agreement tests compare against, at the
# versions package-lock.json pins (npm's cache makes a repeat quick); skipped
# when they are installed.
TOKENIZE_JS := lib/tokenize/testdata/js
tokenize-js:
	@if ! command -v npm >/dev/null; then \
	  echo "setup: npm is missing; the tokenizer agreement tests need node 20 and npm" >&2; \
	elif [ ! -f $(TOKENIZE_JS)/node_modules/.package-lock.json ] || [ $(TOKENIZE_JS)/package-lock.json -nt $(TOKENIZE_JS)/node_modules/.package-lock.json ]; then \
	  echo "setup: installing the npm tokenizers into $(TOKENIZE_JS)"; \
	  cd $(TOKENIZE_JS) && npm ci --no-audit --no-fund --loglevel=error; \
	fi

# Copies gotch v0.8.0 into third_party/gotch and fits it to this libtorch
# (LIBTORCH=/path selects an unpacked libtorch); cached, instant when done.
gotch:
	@$(GO) run ./tools/gotchprep

# The Weaviate server for the weaviate retrieval backend and its tests, built
# from the Go module proxy at the release nerlab pins (lib/weaviatelocal.Version):
# about 6 minutes with a cold module cache, seconds when it is warm; skipped
# when the binary of that release is there.
WEAVIATE_VERSION := v1.35.2
WEAVIATE_DIR := third_party/weaviate
weaviate:
	@if [ "$$(cat $(WEAVIATE_DIR)/VERSION 2>/dev/null)" != "$(WEAVIATE_VERSION)" ] || [ ! -x $(WEAVIATE_DIR)/bin/weaviate-server ]; then \
	  echo "weaviate: building weaviate-server $(WEAVIATE_VERSION) into $(WEAVIATE_DIR)/bin"; \
	  rm -rf $(WEAVIATE_DIR) && \
	  GOBIN=$(CURDIR)/$(WEAVIATE_DIR)/bin GOWORK=off $(GO) install -ldflags="-s -w" github.com/weaviate/weaviate/cmd/weaviate-server@$(WEAVIATE_VERSION) && \
	  echo $(WEAVIATE_VERSION) > $(WEAVIATE_DIR)/VERSION; \
	fi

# bin/nerlab is the front-end (REPL, and the door to everything else);
# bin/nerlab-engine, beside it, runs the commands on libtorch.
build: setup
	$(GO) build -o bin/nerlab ./repl
	$(GO) build -o bin/nerlab-engine ./repl/engine
	$(GO) build -o bin/nerlab-kernel ./kernel

# The interactive REPL.
repl: build
	@bin/nerlab

# Installs the Jupyter kernelspec "nerlab" for the current user.
kernel-install: build
	bin/nerlab-kernel install --user

test: setup weaviate
	$(GO) vet ./...
	$(GO) test -timeout 40m ./...
	/usr/bin/python3 -m unittest discover -s bench/pytorch

# The demo world's four trainings are the demo's cost: fewer epochs than
# the configs' 15 (the story is the same; BENCHMARKS.md has the full runs)
# and the test set scored once at the end instead of every epoch.
DEMO_WORLD_EPOCHS := 8
DEMO_WORLD_SET := --set train.max_epochs=$(DEMO_WORLD_EPOCHS) --set train.monitor_test=false

demo: build
	@echo "== statistics of the bundled training split: bin/nerlab stats data/sample/train.conll"
	@bin/nerlab stats data/sample/train.conll
	@echo
	@echo "== training a BiLSTM-CRF on it: bin/nerlab train data/configs/demo.yaml --out runs/demo --fresh"
	@bin/nerlab train data/configs/demo.yaml --out runs/demo --fresh
	@echo
	@echo "== evaluating the best model on the test split: bin/nerlab eval --model runs/demo --data data/sample/test.conll"
	@bin/nerlab eval --model runs/demo --data data/sample/test.conll
	@echo
	@echo "== tagging new text: bin/nerlab predict --model runs/demo --json --text ..."
	@bin/nerlab predict --model runs/demo --json --text "Stedian Restous left Siastias Systems to join a guild near Razaerholm ."
	@echo
	@echo "== plotting the curves: bin/nerlab plot runs/demo --out runs/demo/curves.png (and .svg)"
	@bin/nerlab plot runs/demo --out runs/demo/curves.png
	@bin/nerlab plot runs/demo --out runs/demo/curves.svg
	@echo
	@echo "== retrieval-augmented NER (CLNER) on a generated world: its encyclopedia states every entity's type, half of the names end in a clue"
	@bin/nerlab world --out runs/world
	@bin/nerlab index build --corpus runs/world/knowledge.jsonl --out runs/world/index --sentences 1 --fresh
	@bin/nerlab retrieve --index runs/world/index --data runs/world --out runs/world-context --keep 2 --budget 32 --fresh
	@echo "-- baseline: the sentences alone ($(DEMO_WORLD_EPOCHS) epochs here; BENCHMARKS.md has 15, 3 seeds)"
	@set -o pipefail; bin/nerlab train data/configs/world.yaml --out runs/world/runs/baseline --fresh $(DEMO_WORLD_SET) | tail -n 1
	@echo "-- context view: each sentence with the passages retrieved for it"
	@set -o pipefail; bin/nerlab train data/configs/world-context.yaml --out runs/world/runs/context --fresh $(DEMO_WORLD_SET) | tail -n 1
	@echo "-- cooperative learning: one tagger trained on both views; the plain view pulled toward the context view's"
	@echo "   CRF marginals (CL-KL) or token representations (CL-L2), so that it gains without retrieval at test time"
	@set -o pipefail; bin/nerlab train data/configs/world-cl-kl.yaml --out runs/world/runs/cl-kl --fresh $(DEMO_WORLD_SET) | tail -n 2
	@set -o pipefail; bin/nerlab train data/configs/world-cl-l2.yaml --out runs/world/runs/cl-l2 --fresh $(DEMO_WORLD_SET) | tail -n 2
	@bin/nerlab runs runs/world/runs
	@bin/nerlab plot runs/world/runs/context f1 -o runs/world/runs/context/f1.png
	@echo
	@echo "== CLNER stands on a pretrained transformer; nerlab makes one: a small BERT of the world's encyclopedia"
	@echo "   (2,000 steps, about 3 minutes on two idle cores: README, Pretraining an encoder)"
	@set -o pipefail; bin/nerlab pretrain data/configs/pretrain-world.yaml --out runs/world/pretrain --fresh --progress 60 | tail -n 4
	@bin/nerlab tokenize runs/world/pretrain/model Stedian Restous left Siastias Systems to join a guild near Razaerholm .
	@echo "-- the transformer fine-tuned on the sentences alone (linear + CRF over it)"
	@set -o pipefail; bin/nerlab train data/configs/world-bert.yaml --out runs/world/runs/bert --fresh $(DEMO_WORLD_SET) --set embeddings.transformer.model=runs/world/pretrain/model | tail -n 1
	@echo "-- and on both views with CL-KL"
	@set -o pipefail; bin/nerlab train data/configs/world-bert-cl-kl.yaml --out runs/world/runs/bert-cl-kl --fresh $(DEMO_WORLD_SET) --set embeddings.transformer.model=runs/world/pretrain/model | tail -n 2
	@bin/nerlab runs runs/world/runs

# Go benchmarks, then nerlab's BiLSTM-CRF and BERT encoders against the same
# models in PyTorch eager, side by side (bench/bilstmcrf runs
# bench/pytorch/bilstm_crf.py, bench/transformer bench/pytorch/bert.py).
bench: setup
	$(GO) test -run '^$$' -bench . -benchmem ./lib/... ./plots ./repl ./kernel
	$(GO) run ./bench/bilstmcrf --json bench/last.json
	$(GO) run ./bench/transformer --json bench/transformer.json

# BERT-base-shaped (2 of its 12 layers) and 4-layer/256 encoders, forward +
# backward and eval forward, nerlab vs PyTorch step by step (3 to 5 minutes on
# 2 cores; OMP_WAIT_POLICY=PASSIVE steadies it on a busy machine).
bench-transformer: setup
	$(GO) run ./bench/transformer --json bench/transformer.json

# Only the side-by-side comparison with PyTorch.
bench-compare: setup
	$(GO) run ./bench/bilstmcrf --json bench/last.json

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 60s ./lib/corpus
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 60s ./lib/config
	$(GO) test -run '^$$' -fuzz FuzzParseState -fuzztime 60s ./lib/train
	$(GO) test -run '^$$' -fuzz FuzzParseSafetensors -fuzztime 60s ./lib/torch
	$(GO) test -run '^$$' -fuzz FuzzParseStateDict -fuzztime 60s ./lib/torch
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime 60s ./kernel/jupyter
	$(GO) test -run '^$$' -fuzz FuzzWikiExtractor -fuzztime 60s ./lib/wiki
	$(GO) test -run '^$$' -fuzz FuzzJSONL -fuzztime 60s ./lib/wiki
	$(GO) test -run '^$$' -fuzz FuzzText -fuzztime 60s ./lib/wiki
	$(GO) test -run '^$$' -fuzz FuzzMediaWiki -fuzztime 60s ./lib/wiki
	$(GO) test -run '^$$' -fuzz FuzzWikitext -fuzztime 60s ./lib/wiki
	$(GO) test -run '^$$' -fuzz FuzzOpenViewFile -fuzztime 60s ./lib/retrieve
	$(GO) test -run '^$$' -fuzz FuzzSentencePieceModel -fuzztime 60s ./lib/tokenize
	$(GO) test -run '^$$' -fuzz FuzzTokenizerJSON -fuzztime 60s ./lib/tokenize
	$(GO) test -run '^$$' -fuzz FuzzEncode -fuzztime 60s ./lib/tokenize
	$(GO) test -run '^$$' -fuzz FuzzParseConfig -fuzztime 60s ./lib/pretrain
	$(GO) test -run '^$$' -fuzz FuzzReadMetrics -fuzztime 60s ./lib/pretrain

# Regenerates data/sample from its seed (a test checks it is up to date).
sample:
	$(GO) run ./data/samplegen/cmd/samplegen

clean:
	rm -rf bin third_party
