#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the loader size of a light skeleton: "INSN_BYTES BLOB_BYTES".

A C skeleton (bpftool gen skeleton -L) states sizes either as numbers
(opts.insns_sz = N) or as sizeof(opts_insn) - 1 of string literals; count
the bytes of the literals then. A Rust skeleton (bpf-lskel, *.rs) has them
as the byte strings INSNS and DATA; the first byte order counts.
"""
import re
import sys

ESCAPES = {"n": 1, "t": 1, "r": 1, "\\": 1, '"': 1, "'": 1, "a": 1, "b": 1, "f": 1, "v": 1, "?": 1}


def literal_len(body):
    """Bytes in the contents of a C string literal (without its quotes)."""
    n = 0
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            n += 1
            i += 1
            continue
        e = body[i + 1]
        if e == "\n":  # line continuation
            i += 2
        elif e == "x":
            m = re.match(r"[0-9a-fA-F]+", body[i + 2:])
            n += 1
            i += 2 + len(m.group(0))
        elif e in "01234567":
            m = re.match(r"[0-7]{1,3}", body[i + 1:])
            n += 1
            i += 1 + len(m.group(0))
        elif e in ESCAPES:
            n += 1
            i += 2
        else:
            sys.exit(f"unknown escape \\{e}")
    return n


def size(text, var, field):
    m = re.search(r"opts\.%s = (\d+);" % field, text)
    if m:
        return int(m.group(1))
    m = re.search(r'static const char %s\[\][^=]*= "(.*?)(?<!\\)";' % var, text, re.S)
    if not m:
        sys.exit(f"no {field} or {var} in the skeleton")
    return literal_len(m.group(1))


def rust_size(text, name):
    m = re.search(r'pub const %s: &\[u8\] = b"(.*?)(?<!\\)";' % name, text, re.S)
    if not m:
        sys.exit(f"no {name} in the skeleton")
    return literal_len(m.group(1))


def main():
    text = open(sys.argv[1]).read()
    if sys.argv[1].endswith(".rs"):
        print(rust_size(text, "INSNS"), rust_size(text, "DATA"))
    else:
        print(size(text, "opts_insn", "insns_sz"), size(text, "opts_data", "data_sz"))


if __name__ == "__main__":
    main()
