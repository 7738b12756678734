#!/bin/sh
# In the test VM (debug kernel): kmemleak reports that concern our modules.
# The runner installs it as /vm/kmemleak-ours.sh; init runs it after the
# command, tools/testing/vm/fault-inject.sh after each module's pass.
#
#   /vm/kmemleak-ours.sh [FILE]
#
# Scans, prints the number of reports whose backtrace has a frame in one of
# our modules (/vm/modules), and writes those reports to FILE (default
# /tmp/kmemleak-ours).  A frame is ours by its "[module]" suffix while the
# module is loaded; once unloaded its frames are bare module-area addresses
# (%pS of 0xffffffffa0000000 and up, never kernel text; the "[<...>]" part
# is a hashed pointer), which count too: that is
# how a leak at module exit shows.  Debian's stock modules are not unloaded
# by the tests, so such frames are ours.
#
# Known stock-kernel leaks are written to FILE too, marked, but not counted:
# 6.1's kset_register() does not free the kobject name (kobject_set_name)
# when it fails (upstream frees it since 6.2), so a fault injected there
# under our class_create() (__class_register) or mdev_register_parent()
# (kset_create_and_add) leaks a name that is not ours to free.  No path of
# ours can leak such a name otherwise: a registered kset stays referenced.
# kmemleak never reports an object younger than 5 s, and reports a leak on
# the second scan that finds it unreferenced: wait, then scan twice.
KMEMLEAK=/sys/kernel/debug/kmemleak
out=${1:-/tmp/kmemleak-ours}
: >"$out"
[ -w $KMEMLEAK ] || { echo 0; exit 0; }
ours=$(tr - _ </vm/modules | grep . | tr '\n' '|' | sed 's/|$//')
[ -n "$ours" ] || ours=no-module-of-ours
sleep 6
echo scan >$KMEMLEAK
echo scan >$KMEMLEAK
awk -v ours="$ours" -v out="$out" '
function flush() {
	if (blk != "" && hit) {
		if (blk ~ /kobject_set_name/ && blk ~ /(__class_register|kset_create_and_add)\+/) {
			printf "(known stock 6.1 leak: kset_register error path; not counted)\n%s", blk >> out
		} else {
			n++; printf "%s", blk >> out
		}
	}
	blk = ""; hit = 0
}
/^unreferenced object/ { flush() }
{ blk = blk $0 "\n" }
$0 ~ ("\\[(" ours ")\\]$") { hit = 1 }
/\] 0xffffffff[a-f][0-9a-f]+$/ { hit = 1 }
END { flush(); print n + 0 }
' $KMEMLEAK
