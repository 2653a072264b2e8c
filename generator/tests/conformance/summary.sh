#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The markdown summary of a conformance run (scripts/conformance.sh): counts
# per category, then for each category but "identical" its reasons, most
# frequent first, each with its objects and one object's own words; and the
# objects we load that bpftool does not.
#
# Usage: summary.sh RESULTS.TSV SECONDS PROBE > summary.md
#   RESULTS.TSV  object.sh's lines: name, category, detail, families, map types
#   PROBE        the tools' versions, one per line (clang, bpftool,
#                skel_internal.h's hash, kernel release, bpftool's hash)

set -euo pipefail
results=$1 elapsed=$2 probe=$3

total=$(wc -l <"$results")
echo "# Conformance: bpf-lskel against bpftool gen skeleton -L"
echo
echo "Linux 6.12 tools/testing/selftests/bpf/progs/*.c, $total objects, loaded on Linux"
echo "$(sed -n 4p <<<"$probe"); $(sed -n 1p <<<"$probe"), $(sed -n 2p <<<"$probe");"
echo "$elapsed s. Per object: build/conformance/report.txt."
echo

# A reason shared by many objects, one per line: the detail without what
# names one object (names, numbers, log lines, the other tool's part).
keys() {
	cut -f2,3 "$results" | sed -E \
		-e 's/ \{log: [^}]*\}//g' \
		-e 's/"(loading program|creating map|filling map|freezing map|updating map|looking up the attach target|looking up) [^"]*"/"\1 X"/g' \
		-e '/^differ\t/s/\t([^:]*): bpftool "([a-z]+).*/\t\2 lines differ in: \1/' \
		-e '/^ours-refused\t/s/ \(bpftool.s .*$//' \
		-e '/^refused-by-both\t/s/; bpftool: .*$//' \
		-e '/^beyond-bpftool\t/s/(descriptors):.*/\1/' \
		-e '/^(no-compile|headers-do-not-build|ours-header-broken)\t/s/\t([^ ]*: )?([^ ]*[0-9]+:[0-9]+: )?/\t/' \
		-e "s/\`[^\`]*\`/\`X\`/g" \
		-e "s/(^|[^a-z])'[^']*'/\1'X'/g" -e "s/‘[^’]*’/‘X’/g" \
		-e 's/0x[0-9a-f]+/N/g' -e 's/(^|[^A-Z0-9])[0-9]+/\1N/g' |
		cut -f2
}

keys | paste - "$results" | awk -F'\t' -v total="$total" '
{
	c = $3
	cat[c]++
	k = c SUBSEP $1
	if (!(k in n)) { order[c] = order[c] SUBSEP $1; example[k] = $2 ": " $4 }
	n[k]++
	if (n[k] <= 5) objs[k] = objs[k] (n[k] > 1 ? ", " : "") $2
	if (c == "beyond-bpftool") beyond = beyond "- " $2 ": " $4 "\n"
}
function cell(s) {
	gsub(/\|/, "\\|", s)
	return length(s) > 300 ? substr(s, 1, 297) "..." : s
}
END {
	split("identical differ only-bpftool-loads ours-refused ours-header-broken ours-crashed " \
	      "beyond-bpftool bpftool-refused bpftool-crashed refused-by-both " \
	      "kernel-refuses-both headers-do-not-build no-compile harness-broke", cats, " ")
	m["identical"] = "both load, the kernel holds the same"
	m["differ"] = "both load, the kernel holds something else"
	m["only-bpftool-loads"] = "ours generates, the kernel refuses it, bpftool'"'"'s loads"
	m["ours-refused"] = "we refuse to generate, bpftool generates"
	m["ours-header-broken"] = "our header does not compile, bpftool'"'"'s does"
	m["ours-crashed"] = "our generator or our skeleton crashed or timed out"
	m["beyond-bpftool"] = "bpftool refuses, crashes, or its skeleton fails to load; ours loads"
	m["bpftool-refused"] = "bpftool refuses, ours generates but does not load"
	m["bpftool-crashed"] = "bpftool or its skeleton crashed or timed out, ours does not load"
	m["refused-by-both"] = "both generators refuse (or bpftool'"'"'s header does not compile)"
	m["kernel-refuses-both"] = "both generate, this kernel loads neither"
	m["headers-do-not-build"] = "neither header compiles alone (a type the object'"'"'s user defines)"
	m["no-compile"] = "the source does not compile here (vmlinux.h of this kernel)"
	m["harness-broke"] = "the harness failed"
	print "| category | objects | meaning |"
	print "| --- | ---: | --- |"
	for (i = 1; i in cats; i++) {
		c = cats[i]
		if (c == "identical" || cat[c]) printf "| %s | %d | %s |\n", c, cat[c], m[c]
	}
	printf "| total | %d | |\n\n", total
	for (i = 1; i in cats; i++) {
		c = cats[i]
		if (c == "identical" || !cat[c]) continue
		printf "## %s (%d)\n\n", c, cat[c]
		print "| objects | reason | in | e.g. |"
		print "| ---: | --- | --- | --- |"
		nr = split(substr(order[c], 2), rs, SUBSEP)
		# Most frequent first, then by reason.
		for (a = 1; a <= nr; a++)
			for (b = a + 1; b <= nr; b++)
				if (n[c, rs[b]] > n[c, rs[a]] || (n[c, rs[b]] == n[c, rs[a]] && rs[b] < rs[a])) {
					t = rs[a]; rs[a] = rs[b]; rs[b] = t
				}
		for (a = 1; a <= nr; a++) {
			k = c SUBSEP rs[a]
			printf "| %d | %s | %s%s | %s |\n", n[k], cell(rs[a]), objs[k],
			       (n[k] > 5 ? ", ..." : ""), cell(example[k])
		}
		print ""
	}
	if (beyond != "") {
		print "## Beyond bpftool\n"
		printf "%s\n", beyond
	}
}'
