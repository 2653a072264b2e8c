# SPDX-License-Identifier: GPL-2.0
# The patch series, one `step` per commit; sourced by scripts/patches.sh with
# the current directory at the root of a vanilla tree of $KERNEL.
#
# Empty until the Rust module lands: the build then uses upstream's C module.
