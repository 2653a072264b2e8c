// SPDX-License-Identifier: GPL-2.0
/*
 * Section names that try to end a string literal, a comment or a doc line
 * in each back end, and so become code: every back end must generate
 * output that compiles and holds none of it.
 * expect: rust-kernel=ok rust-user=ok c=ok
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* C: ends the tracepoint name's string literal in __attach. */
SEC("raw_tp/x\", prog_fd) + system(\"id>/tmp/pwned\") + skel_raw_tracepoint_open(\"y")
int tp_quote(void *ctx) { return 0; }

/* Rust: a newline ends the `///` doc line that names the section. */
SEC("kprobe/x`\n    pub fn injected(&self) -> u32 { 42 }\n    /// `")
int kp_newline(void *ctx) { return 0; }

/* C comments, backslashes, a trigraph, control bytes (here raw, as
 * numeric escapes are not allowed in a section name), non-ASCII. */
SEC("kprobe/a */ int evil; /* \\ \r ?\?/   café  ")
int kp_comment(void *ctx) { return 0; }

/* A raw_tp name that ends in a backslash, then a quote. */
SEC("raw_tp/y\\")
int tp_backslash(void *ctx) { return 0; }

SEC("raw_tp/\"); system(\"x\"); //")
int tp_call(void *ctx) { return 0; }

char _license[] SEC("license") = "GPL";
