#!/bin/sh
# Runs in the test VM (from "make check"): every executable under the given
# directory (selftests/<dir>/<test>), one after the other, each framed by
# markers that scripts/ktap-summary reads:
#   ### test <dir>/<test>
#   ...the test's own KTAP output...
#   ### end <dir>/<test> exit <status> <seconds>s
# VM_TEST_TIMEOUT (seconds, default 600) bounds each test.  The programs
# under fault/ are not run here: they need a kernel with fault injection
# (tools/testing/vm/fault-inject.sh runs them on the debug kernel).  A
# second argument, a path under the directory (<dir>/<test>) or a
# directory (<dir>), runs that test or that directory's tests only.  The
# programs under sriov/ need the SR-IOV PF of "run --sriov": they run only
# when asked for that way.
top=${1:-selftests}
only=${2:-}
limit=${VM_TEST_TIMEOUT:-600}
cd "$top" || exit 1
for t in $(find . -type f -perm -u+x | sed 's#^\./##' | grep -v '^fault/' | sort); do
	case $t in
	"$only" | "$only"/*) ;;
	sriov/*) continue ;;
	*) [ -z "$only" ] || continue ;;
	esac
	echo "### test $t"
	start=$(date +%s)
	(cd "$(dirname "$t")" && timeout "$limit" "./$(basename "$t")" 2>&1)
	rc=$?
	echo "### end $t exit $rc $(($(date +%s) - start))s"
done
