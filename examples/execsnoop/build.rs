// SPDX-License-Identifier: GPL-2.0
//! Compiles `src/bpf/execsnoop.bpf.c` and writes its skeleton; without
//! clang, takes the object `generator/tests/build-corpus.sh` prebuilt.

fn main() {
    let corpus = std::env::var_os("BPF_CORPUS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../build/corpus").into());
    println!("cargo::rerun-if-env-changed=BPF_CORPUS_DIR");
    lskel_build::Builder::new()
        .prebuilt_dir(corpus.join("examples"))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
}
