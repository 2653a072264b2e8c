# SPDX-License-Identifier: GPL-2.0
# Generated kernel skeletons: typed global data through kernel::bpf::Map and
# compile-time kconfig values, in a module built for this kernel.
. /tests/lib.sh

insmod /skeltest.ko || fail "insmod skeltest"
. /skeltest.expect
expect_eq "globals" "skeltest: counter 5 limit 7" "$(dmesg | grep -o 'skeltest: counter.*')"
expect_eq "kconfig map" "skeltest: kconfig map matches true" \
	"$(dmesg | grep -o 'skeltest: kconfig map.*')"
expect_eq "kconfig values" "skeltest: version $VERSION jit $JIT syscall $SYSCALL net $NET" \
	"$(dmesg | grep -o 'skeltest: version.*')"
