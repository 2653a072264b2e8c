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
# Reworded: the runner fails a run whose serial log has kmemleak's own line.
echo "the check caught: $(tail -n 1 /tmp/canary | sed 's/^kmemleak: //')"
grep -q 'kmemleak_test\|kmemleak-test' /tmp/canary ||
	fail "the report does not name kmemleak-test: $(head -n 20 /tmp/canary)"
tail -n 1 /tmp/canary | grep -Eq '^kmemleak: [1-9][0-9]* new suspected memory leaks after canary$' ||
	fail "no count line naming the check: $(tail -n 1 /tmp/canary)"
: >/tmp/canary.rmmod
# Its exit leaves the elements of a list in the freed module's data: orphans
# from now on, and not reported yet.
kmemleak_check /tmp/canary.rmmod canary-rmmod &&
	fail "the leak check missed the list kmemleak-test leaves at rmmod"
echo "then: $(tail -n 1 /tmp/canary.rmmod | sed 's/^kmemleak: //')"
: >/tmp/canary.after
kmemleak_check /tmp/canary.after canary-again ||
	fail "leaks were reported again after the check: $(tail -n 1 /tmp/canary.after)"
