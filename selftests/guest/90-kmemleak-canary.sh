# SPDX-License-Identifier: GPL-2.0
# The leak check the runner does after every test catches a real leak: the
# kernel's kmemleak sample module (CONFIG_SAMPLE_KMEMLEAK, debug variant)
# leaks on purpose when loaded. The check must report it, name it, and then
# forget it, or every later test would fail for it.
. /tests/lib.sh

[ -w $KMEMLEAK ] || skip "no kmemleak in this kernel"
modinfo kmemleak-test >/dev/null 2>&1 || fail "no kmemleak-test module (CONFIG_SAMPLE_KMEMLEAK)"
kmemleak_check /tmp/canary.before canary-setup ||
	fail "kmemleak suspected leaks before the canary: $(cat /tmp/canary.before)"
# Loaded for good, so every backtrace names the module, which is how the
# runner tells these leaks apart (CANARY_LEAKS in lib.sh). Stale copies
# of its pointers (in a reused stack, say) keep some objects referenced for
# a while: 6.12 reports all 14 at the first check, 7.3 a few per check.
modprobe kmemleak-test || fail "modprobe kmemleak-test"
: >/tmp/canary
kmemleak_check /tmp/canary canary && fail "the leak check missed the leaks of kmemleak-test"
# Reworded: the runner fails a run whose serial log has kmemleak's own line.
echo "the check caught: $(tail -n 1 /tmp/canary | sed 's/^kmemleak: //')"
grep -q "$CANARY_LEAKS" /tmp/canary ||
	fail "the report does not name kmemleak_test: $(head -n 20 /tmp/canary)"
tail -n 1 /tmp/canary | grep -Eq '^kmemleak: [1-9][0-9]* new suspected memory leaks after canary$' ||
	fail "no count line naming the check: $(tail -n 1 /tmp/canary)"

# A reported object is forgotten: the next check may report more of the
# module's objects, never one reported before.
: >/tmp/canary.more
if kmemleak_check /tmp/canary.more canary-again; then
	echo "then: nothing new"
else
	echo "then: $(tail -n 1 /tmp/canary.more | sed 's/^kmemleak: //')"
fi
objs=$(cat /tmp/canary /tmp/canary.more | grep -o '^unreferenced object[^0]*0x[0-9a-f]*')
again=$(echo "$objs" | sort | uniq -d)
[ -z "$again" ] || fail "reported again after a check had reported them: $again"

# What the runner drops is the module's leaks and nothing else.
all=$(cat /tmp/canary /tmp/canary.more | grep -v '^kmemleak: ')
expect_eq "objects kept by an unrelated pattern" "$(kmemleak_count "$all")" \
	"$(kmemleak_count "$(echo "$all" | kmemleak_drop no_such_function)")"
others=$(echo "$all" | kmemleak_drop "$CANARY_LEAKS")
[ -z "$others" ] || fail "leaks not of kmemleak-test: $others"
echo "$(kmemleak_count "$all") objects reported, each once, all of kmemleak-test"
