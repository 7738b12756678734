#!/bin/sh
# In the test VM (debug kernel): the kmemleak reports since the last clear.
# The runner installs it as /vm/kmemleak-ours.sh, with kmemleak-known beside
# it as /vm/kmemleak-known; init runs it after the command,
# tools/testing/vm/fault-inject.sh after each module's pass.
#
#   /vm/kmemleak-ours.sh [FILE]
#
# Scans, prints the number of reports that count, and writes every report
# to FILE (default /tmp/kmemleak-ours).  Every new unreferenced object
# counts, whoever allocated it: an object the VFIO or mdev core allocated
# for us and that we never put has no frame of ours in its backtrace, yet
# it is our leak.  The only exceptions are the stock kernel's own leaks
# listed, each with its reason, in /vm/kmemleak-known (its format is
# described at its top); those are written to FILE marked, with the reason,
# and not counted.  A report with a frame in one of our modules
# (/vm/modules; once unloaded, a bare module-area address) is marked so.
#
# kmemleak never reports an object younger than 5 s, and reports a leak on
# the second scan that finds it unreferenced: wait, then scan twice.
KMEMLEAK=/sys/kernel/debug/kmemleak
KNOWN=${KMEMLEAK_KNOWN:-/vm/kmemleak-known}
out=${1:-/tmp/kmemleak-ours}
: >"$out"
[ -w $KMEMLEAK ] || { echo 0; exit 0; }
ours=$(tr - _ </vm/modules | grep . | tr '\n' '|' | sed 's/|$//')
[ -n "$ours" ] || ours=no-module-of-ours
sleep 6
echo scan >$KMEMLEAK
echo scan >$KMEMLEAK
awk -v ours="$ours" -v out="$out" -v known="$KNOWN" '
BEGIN {
	nk = 0
	while ((getline line < known) > 0) {
		if (line ~ /^#/ || line ~ /^[ \t]*$/)
			continue
		if (line ~ /^leak: /) {
			nk++; why[nk] = substr(line, 7); nre[nk] = 0
			continue
		}
		sub(/^[ \t]+/, "", line)
		if (nk) { nre[nk]++; re[nk, nre[nk]] = line }
	}
}
# The entry of the known leaks that block b matches, or 0.
function known_leak(b,   k, i, all) {
	for (k = 1; k <= nk; k++) {
		all = nre[k] > 0
		for (i = 1; i <= nre[k] && all; i++)
			if (b !~ re[k, i])
				all = 0
		if (all)
			return k
	}
	return 0
}
function flush(   k) {
	if (blk == "")
		return
	k = known_leak(blk)
	if (k) {
		printf "(known stock 6.1 leak, not counted: %s)\n%s", why[k], blk >> out
	} else {
		n++
		printf "%s%s", hit ? "(a frame in our modules)\n" : "(no frame of ours: an object allocated on our behalf?)\n", blk >> out
	}
	blk = ""; hit = 0
}
/^unreferenced object/ { flush() }
{ blk = blk $0 "\n" }
$0 ~ ("\\[(" ours ")\\]$") { hit = 1 }
/\] 0xffffffff[a-f][0-9a-f]+$/ { hit = 1 }
END { flush(); print n + 0 }
' $KMEMLEAK
