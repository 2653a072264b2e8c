# SPDX-License-Identifier: GPL-2.0
# The reference C module (upstream's, renamed bpf_preload_ref) gives both
# files in two separate bpffs mounts, with upstream's headers.
. /tests/lib.sh
. /tests/preload-common.sh

# Loading the reference sets bpf_preload_ops over the built-in's.
preload_builtin && skip "bpf_preload is built in: the reference would replace its ops"
check_preload bpf_preload_ref
