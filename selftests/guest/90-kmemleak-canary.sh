# SPDX-License-Identifier: GPL-2.0
# The leak check the runner does after every test catches a real leak: the
# kernel's kmemleak sample module (CONFIG_SAMPLE_KMEMLEAK, debug variant)
# leaks on purpose when loaded. The check must report it and then forget
# it, or every later test would fail for it.
. /tests/lib.sh

[ -w $KMEMLEAK ] || skip "no kmemleak in this kernel"
modinfo kmemleak-test >/dev/null 2>&1 || fail "no kmemleak-test module (CONFIG_SAMPLE_KMEMLEAK)"
kmemleak_check /tmp/canary.before canary-setup ||
	fail "kmemleak suspected leaks before the canary: $(cat /tmp/canary.before)"
modprobe kmemleak-test || fail "modprobe kmemleak-test"
# Loaded while scanned, so the backtraces resolve to the module's symbols.
: >/tmp/canary
kmemleak_check /tmp/canary canary && fail "the leak check missed the leaks of kmemleak-test"
rmmod kmemleak-test || fail "rmmod kmemleak-test"
tail -n 1 /tmp/canary
grep -q 'kmemleak_test\|kmemleak-test' /tmp/canary ||
	fail "the report does not name kmemleak-test: $(head -n 20 /tmp/canary)"
tail -n 1 /tmp/canary | grep -Eq '^kmemleak: [1-9][0-9]* new suspected memory leaks after canary$' ||
	fail "no count line naming the check: $(tail -n 1 /tmp/canary)"
: >/tmp/canary.after
kmemleak_check /tmp/canary.after canary-again ||
	fail "the leaks were reported again after the check: $(tail -n 1 /tmp/canary.after)"
