# zoo — build, demo, test and benchmark. `make demo` and `make test` run `make setup` first, so a
# fresh Debian machine with Swift needs nothing else.

SWIFT ?= swift
# System packages the project needs from Debian: pkg-config (SwiftPM finds system libraries
# through it), libprotobuf-c-dev (the ONNX reader links libprotobuf-c), protobuf-c-compiler
# (scripts/generate-onnx-proto.sh; the generated code is committed), libopenblas-dev (the
# executor's sgemm), libhdf5-dev (the Keras reader and writer), libseccomp-dev (the sandbox libhdf5
# reads untrusted files in) and graphviz (`zoo graph --format svg` renders with its `dot`).
SYSTEM_PACKAGES := pkg-config libprotobuf-c-dev protobuf-c-compiler libopenblas-dev libhdf5-dev libseccomp-dev zlib1g-dev graphviz
RELEASE_ZOO := .build/release/zoo

.PHONY: setup build release demo test bench specs clean

## setup: install the missing system packages (apt-get update first), as root or through sudo
setup:
	@missing=""; \
	if ! command -v dpkg-query >/dev/null 2>&1; then \
		echo "setup: not a Debian system; install these with your package manager: $(SYSTEM_PACKAGES)"; exit 0; \
	fi; \
	for package in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -z "$$missing" ]; then echo "setup: system packages present ($(SYSTEM_PACKAGES))"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; \
	else \
		echo "setup: missing system packages:$$missing"; \
		echo "setup: run this as root, then make again:"; \
		echo "    apt-get update && apt-get install -y$$missing"; \
		exit 1; \
	fi; \
	echo "setup: installing$$missing"; \
	$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends$$missing

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release --product zoo

## demo: build in release, analyze a few networks of the zoo, run one and verify a conversion
demo: setup release
	$(RELEASE_ZOO) list
	@echo
	$(RELEASE_ZOO) analyze lenet5
	@echo
	$(RELEASE_ZOO) analyze resnet18 --format markdown | head -n 20
	@echo
	$(RELEASE_ZOO) explain alexnet2012 conv2
	@echo
	$(RELEASE_ZOO) run resnet18 --seed 1 --repeat 10
	@echo
	$(RELEASE_ZOO) convert lenet5 .build/lenet5.onnx --seed 1 --verify | tail -n 3

## test: every Swift test (in release: the numeric ones are slow in debug), then the Python
## cross-check of the ONNX files zoo writes (onnx.checker and onnxruntime, in the pinned .venv),
## the ONNX node conformance tests through `zoo verify`, and the onnx wheel's light model-zoo
## models through `zoo analyze` and `zoo verify` (both cached in .cache/)
test: setup venv
	$(SWIFT) test -c release
	.venv/bin/python scripts/cross_check_onnx.py $(RELEASE_ZOO)
	.venv/bin/python scripts/onnx_node_conformance.py $(RELEASE_ZOO)
	.venv/bin/python scripts/onnx_light_models.py $(RELEASE_ZOO)

## bench: analysis speed and scaling, ONNX loading against onnx.load, Keras loading against h5py
## and load_model (in .venv-tf), the executor against onnxruntime; written to BENCHMARKS.md
bench: setup release venv venv-tf
	bench/analyze.sh $(RELEASE_ZOO)
	bench/onnx_load.sh $(RELEASE_ZOO)
	bench/keras_load.sh $(RELEASE_ZOO)
	bench/run.sh $(RELEASE_ZOO)
	bench/foreign_exports.sh $(RELEASE_ZOO)
	bench/exporter_models.sh $(RELEASE_ZOO)

## specs: embed zoo/*.yaml into the binary (run after editing a spec)
specs:
	scripts/embed-specs.sh

clean:
	rm -rf .build

# Python side: pinned venvs (fixtures/requirements-*.txt) for the fixtures and cross-checks. A
# stamp file inside each venv records the install, so a venv is made again only when it is
# missing or a requirements file is newer. `make fixtures` is for people, never for CI: the
# Swift tests read the committed fixtures and never run Python.
PYTHON ?= python3
TF2ONNX := tf2onnx==1.17.0
TF_KERAS := tf-keras==2.21.0

.PHONY: venv venv-tf fixtures

## venv: .venv with onnx, onnxruntime and numpy (fixtures/requirements-onnx.txt)
venv: .venv/.requirements.stamp

.venv/.requirements.stamp: fixtures/requirements-onnx.txt
	@test -x .venv/bin/python || $(PYTHON) -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check -r fixtures/requirements-onnx.txt
	@touch $@

## venv-tf: .venv-tf with both requirement files, then tf2onnx and tf-keras without their
## dependencies (tf-keras requires the `tensorflow` distribution; tensorflow-cpu provides it)
venv-tf: .venv-tf/.requirements.stamp

.venv-tf/.requirements.stamp: fixtures/requirements-onnx.txt fixtures/requirements-tf.txt
	@test -x .venv-tf/bin/python || $(PYTHON) -m venv .venv-tf
	.venv-tf/bin/pip install --quiet --disable-pip-version-check \
		-r fixtures/requirements-onnx.txt -r fixtures/requirements-tf.txt
	.venv-tf/bin/pip install --quiet --disable-pip-version-check --no-deps $(TF2ONNX) $(TF_KERAS)
	@touch $@

## check-applications: every keras.applications architecture (weights=None, seeded) and its
## tf2onnx export through zoo analyze, run and convert, against Keras and onnxruntime; writes
## COVERAGE.md and COVERAGE.json (heavy: hours for all; results cached in .cache/applications,
## resumable; `make check-applications NAMES="VGG16 Xception"` checks a few, keeping the rest)
.PHONY: check-applications
check-applications: release venv-tf
	.venv-tf/bin/python scripts/check_keras_applications.py $(RELEASE_ZOO) $(NAMES)

## check-keras: real Keras 3 (in .venv-tf) loads the .h5 and .keras files zoo writes and
## reproduces the sources' outputs (not part of `make test`, which needs no TensorFlow)
.PHONY: check-keras
check-keras: release venv-tf
	.venv-tf/bin/python scripts/check_keras_writer.py $(RELEASE_ZOO)

## fixtures: regenerate fixtures/onnx/, fixtures/manifest.json and fixtures/keras/ (see
## fixtures/README.md)
fixtures: venv venv-tf
	.venv/bin/python fixtures/onnx/make_fixtures.py
	.venv-tf/bin/python fixtures/onnx/make_tf_fixtures.py
	.venv-tf/bin/python fixtures/keras/make_keras_fixtures.py

## fuzz: libFuzzer on the ONNX reader, each input loaded as a model file, for FUZZ_SECONDS (debug
## + ASan build of the ZooONNXFuzz product only, in its own scratch path); new inputs go to
## fuzz/corpus/onnx (seeded from fuzz/seeds/onnx), crashes to fuzz/artifacts/. FUZZ_FLAGS adds
## libFuzzer flags ("-fork=2 -ignore_crashes=1" goes on past crashes, on both cores). See
## fuzz/README.md. fuzz-keras: the same on the Keras reader through its sandbox (ZooKerasFuzz,
## fuzz/corpus/keras, fuzz/seeds/keras, fuzz/keras.dict; inputs libhdf5 faulted on go to
## fuzz/artifacts/isolated/); fuzz-tensor on the .npy/.npz/.pb readers (ZooTensorFuzz);
## fuzz-keras-snapshot on zoo's side of a sandboxed Keras read, fed arbitrary child messages
## (ZooKerasSnapshotFuzz); fuzz-onnx is fuzz.
FUZZ_SECONDS ?= 600
FUZZ_FLAGS ?=
FUZZ_SCRATCH := .build-fuzz
# One recipe for every reader: fuzz-READER builds FUZZ_PRODUCT_READER and fuzzes it with
# fuzz/READER.dict, fuzz/corpus/READER and fuzz/seeds/READER.
FUZZ_READERS := onnx keras tensor keras-snapshot
FUZZ_PRODUCT_onnx := ZooONNXFuzz
FUZZ_PRODUCT_keras := ZooKerasFuzz
FUZZ_PRODUCT_tensor := ZooTensorFuzz
FUZZ_PRODUCT_keras-snapshot := ZooKerasSnapshotFuzz
# SwiftPM passes the two sanitizers to swiftc as separate -sanitize= flags in no fixed order, and
# swift-driver gives the frontend only the last one: Swift code would get either ASan or the
# coverage counters, never both. The trailing -sanitize=fuzzer,address restores both.
# SWIFT_BACKTRACE=enable=no leaves a Swift trap to libFuzzer: the runtime's own backtracer trips
# ASan (a false stack-buffer-underflow in its crash handler) and hides the real cause.
# fuzz/lsan.supp silences a leak inside libhdf5 itself (see the file) and nothing else.
FUZZ_BUILD = $(SWIFT) build --product $(FUZZ_PRODUCT_$*) --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address \
	--scratch-path $(FUZZ_SCRATCH)

.PHONY: fuzz $(FUZZ_READERS:%=fuzz-%)
fuzz: fuzz-onnx

# The snapshot fuzzer makes its seeds itself, from the Keras seeds (an image and the messages its
# walk sends), into fuzz/seeds/keras-snapshot/ (not committed); FUZZ_PREPARE_READER runs before.
FUZZ_PREPARE_keras-snapshot = ASAN_OPTIONS=detect_leaks=0 ZOO_SNAPSHOT_SEEDS=fuzz/seeds/keras:fuzz/seeds/keras-snapshot "$$($(FUZZ_BUILD) --show-bin-path)/ZooKerasSnapshotFuzz"

$(FUZZ_READERS:%=fuzz-%): fuzz-%: setup
	$(FUZZ_BUILD)
	@mkdir -p fuzz/corpus/$* fuzz/artifacts
	$(FUZZ_PREPARE_$*)
	SWIFT_BACKTRACE=enable=no LSAN_OPTIONS=suppressions=fuzz/lsan.supp "$$($(FUZZ_BUILD) --show-bin-path)/$(FUZZ_PRODUCT_$*)" -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -timeout=10 \
		-dict=fuzz/$*.dict -artifact_prefix=fuzz/artifacts/ $(FUZZ_FLAGS) fuzz/corpus/$* fuzz/seeds/$*
