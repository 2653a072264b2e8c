# SPDX-License-Identifier: GPL-2.0
#
# Top-level commands. `make run` and `make check` are the two that matter; see
# README.md. Heavy artifacts live in $(BPF_PRELOAD_CACHE) (default
# ~/.cache/bpf-preload-rs), outside the repo.

KERNEL ?= 7.3
VARIANT ?= m
# LONG=1: the heavy guest tests (cycles, races) run their long mode.
LONG ?= 0
export KERNEL VARIANT LONG

.PHONY: all run check toolchain kernel ref patches guest-bin guest-test host-test gen gen-check bench conformance clean help

all: help

help:
	@echo "make run              build (installing what is missing) and boot a kernel with bpf_preload, show both files"
	@echo "make check            every test: host (cargo) and guest, for 7.3 and 6.12 (LONG=1: long cycle and race runs)"
	@echo "make kernel           build KERNEL (7.3|6.12) in VARIANT (m|y|fi|debug) with the patch series applied"
	@echo "make patches          write the patch series for KERNEL to build/patches/KERNEL"
	@echo "make guest-test       boot KERNEL and run guest tests (TESTS=\"name ...\" picks some)"
	@echo "make guest-bin        build the static guest helpers (bpfload) into build/guest-bin"
	@echo "make gen              regenerate the checked-in generated files"
	@echo "make bench            benchmarks against upstream (not part of check): table, CSV, plots in build/bench/latest"
	@echo "make conformance      bpf-lskel against bpftool on the 6.12 selftests' BPF objects (not part of check): build/conformance"

toolchain:
	scripts/toolchain.sh

kernel: toolchain
	scripts/kernel.sh all

patches:
	scripts/patches.sh build/patches/$(KERNEL)

run: kernel
	@selftests/run.sh show | sed -e 's/^# //'

# Static helpers for the guests (bpfload), in build/guest-bin.
guest-bin: toolchain
	scripts/guest-bin.sh

guest-test: kernel guest-bin
	selftests/run.sh $(TESTS)

host-test:
	scripts/host-test.sh

check:
	scripts/check.sh

gen:
	scripts/gen.sh

gen-check:
	scripts/gen.sh --check

bench:
	scripts/bench.sh

conformance:
	scripts/conformance.sh

clean:
	rm -rf build target
