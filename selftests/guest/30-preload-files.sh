# SPDX-License-Identifier: GPL-2.0
# The in-tree bpf_preload module: both files in two separate bpffs mounts.
. /tests/lib.sh
. /tests/preload-common.sh

preload_builtin && skip "bpf_preload is built in"
check_preload bpf_preload
