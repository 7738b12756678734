# SPDX-License-Identifier: GPL-2.0
# Sourced by scripts/check.sh and scripts/check-debug.sh: counting results
# and printing the totals line both lanes end with.
#
#   stage NAME                 a "=== NAME" heading
#   stage_run NAME CMD...      CMD is one pass or one failure
#   count_vm RC OUTPUT WHAT [EXPECTED]
#                              a VM run's KTAP results (scripts/ktap-summary
#                              of OUTPUT), plus one result for the run
#                              itself (RC 0: boot, module load, no splat;
#                              WHAT says what that covered); with EXPECTED
#                              (tools/testing/selftests/expected), one
#                              failure more per program that ran otherwise
#                              than listed there, skips included
#   totals FILE                "N passed, N failed, N skipped", also into
#                              FILE (for .ci/run); status 0 if none failed
#
# The caller sets LANE (the name in failure lines) and cds to the repo.
passed=0 failed=0 skipped=0

stage() { echo "=== $*"; }

stage_run() {
	local name=$1
	shift
	stage "$name"
	if "$@"; then
		passed=$((passed + 1))
	else
		echo "$LANE: $name FAILED"
		failed=$((failed + 1))
		return 1
	fi
}

count_vm() {
	local rc=$1 out=$2 what=$3 expected=${4:-} sum
	sum=$(scripts/ktap-summary ${expected:+-v expected="$expected"} "$out")
	echo "$sum" | grep -v '^TOTALS' || true
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "PASS vm: $what"
	else
		failed=$((failed + 1))
		echo "FAIL vm: exit status $rc (module load failure, kernel splat, leak or timeout)"
	fi
	# shellcheck disable=SC2046 # "TOTALS p f s" into $1..$4
	set -- $(echo "$sum" | grep '^TOTALS')
	passed=$((passed + $2)) failed=$((failed + $3)) skipped=$((skipped + $4))
}

totals() {
	mkdir -p "$(dirname "$1")"
	echo "${passed} passed, ${failed} failed, ${skipped} skipped" | tee "$1"
	[ "$failed" -eq 0 ]
}
