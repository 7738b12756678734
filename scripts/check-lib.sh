# SPDX-License-Identifier: GPL-2.0
# Sourced by scripts/check.sh, scripts/check-debug.sh and
# scripts/check-interop.sh: counting results and printing the totals line
# the lanes end with.
#
#   stage NAME                 a "=== NAME" heading
#   stage_run NAME CMD...      CMD is one stage passed or failed
#   count_vm RC OUTPUT WHAT [EXPECTED]
#                              a VM run's KTAP results (scripts/ktap-summary
#                              of OUTPUT), plus one stage for the run
#                              itself (RC 0: boot, module load, no splat;
#                              WHAT says what that covered); with EXPECTED
#                              (tools/testing/selftests/expected), one
#                              failure more per program that ran otherwise
#                              than listed there, skips included
#   totals FILE                the totals line, also into FILE (for
#                              .ci/run); status 0 if nothing failed
#
# Three counts, reported apart so that none inflates another:
#   tests     the results of our test programs (what the lane is for)
#   stages    deps, build, lint, selftests build, each VM boot: one
#             result each, passed or failed
#   upstream  the results of programs that test upstream Linux (the
#             calibration runs against vhost_vdpa: scripts/ktap-summary
#             says which), not our code
# The totals, on the last two lines:
#   "tests: N passed, N failed, N skipped; stages: N passed, N failed;
#    upstream: N passed, N failed, N skipped" (one line), then
#   "N passed, N failed, N skipped": our tests passed; every failure, of
#   a test, a stage or the calibration; our tests skipped.
# A failure of any of the three fails the lane, and shows in the last
# line, which CI reads.  FILE holds the eight numbers of the first line,
# in its order, for .ci/run to add up.
#
# The caller sets LANE (the name in failure lines) and cds to the repo.
passed=0 failed=0 skipped=0
stage_passed=0 stage_failed=0
up_passed=0 up_failed=0 up_skipped=0

stage() { echo "=== $*"; }

stage_run() {
	local name=$1
	shift
	stage "$name"
	if "$@"; then
		stage_passed=$((stage_passed + 1))
	else
		echo "$LANE: $name FAILED"
		stage_failed=$((stage_failed + 1))
		return 1
	fi
}

count_vm() {
	local rc=$1 out=$2 what=$3 expected=${4:-} sum
	sum=$(scripts/ktap-summary ${expected:+-v expected="$expected"} "$out")
	echo "$sum" | grep -vE '^(TOTALS|UPSTREAM) ' || true
	if [ "$rc" -eq 0 ]; then
		stage_passed=$((stage_passed + 1))
		echo "PASS vm: $what"
	else
		stage_failed=$((stage_failed + 1))
		echo "FAIL vm: exit status $rc (module load failure, kernel splat, leak or timeout)"
	fi
	# shellcheck disable=SC2046 # "TOTALS p f s" into $1..$4
	set -- $(echo "$sum" | grep '^TOTALS ')
	passed=$((passed + $2)) failed=$((failed + $3)) skipped=$((skipped + $4))
	# shellcheck disable=SC2046 # "UPSTREAM p f s" into $1..$4
	set -- $(echo "$sum" | grep '^UPSTREAM ')
	up_passed=$((up_passed + $2)) up_failed=$((up_failed + $3))
	up_skipped=$((up_skipped + $4))
}

totals() {
	mkdir -p "$(dirname "$1")"
	echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped;" \
		"stages: ${stage_passed} passed, ${stage_failed} failed;" \
		"upstream: ${up_passed} passed, ${up_failed} failed, ${up_skipped} skipped" |
		tee "$1"
	echo "${passed} passed, $((failed + stage_failed + up_failed)) failed, ${skipped} skipped"
	[ "$failed" -eq 0 ] && [ "$stage_failed" -eq 0 ] && [ "$up_failed" -eq 0 ]
}
