#!/bin/bash
# make check-debug: the whole kselftest suite on the debug kernel (KASAN,
# lockdep, kmemleak, debug objects, list and refcount checks), then the
# fault-injection pass.  Mirrors scripts/check.sh: the last line printed is
# the totals, "N passed, N failed, N skipped" (also in
# build/check-debug-totals); the exit status is non-zero on any failure.  A
# stage that fails counts as one failure; a failed build stops before the VM.
#
#   1. scripts/deps.sh --debug       the kernel build's packages too
#   2. scripts/debug-kernel.sh build cached, keyed by source version + config
#   3. scripts/debug-modules.sh      our modules for it, in build/debug/
#   4. make selftests tools          whatever selftests exist now
#   5. VM: run-tests.sh              the suite; then kmemleak (init)
#   6. VM: fault-inject.sh           failslab aimed at each module
#
# Each VM boot is one result (boot, module load, no splat, no leak of ours),
# each KTAP result one more.
#
# Environment: FI_ITERATIONS (20), FI_PROBABILITY (percent, 20), FI_BUDGET
# (seconds per module, 60): see tools/testing/vm/fault-inject.sh.  The VM_*
# variables of tools/testing/vm/run apply.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
BUILD=$REPO/build
VM_RUN=$REPO/tools/testing/vm/run
LANE=check-debug
# KASAN and lockdep under TCG run everything 3-10 times slower: the tests
# move less data here (tools/testing/selftests/net.sh), the same checks.
SLOW_KNOBS="VMDEV_TEST_TCP_MIB=${VMDEV_TEST_TCP_MIB:-8}"
. scripts/check-lib.sh

# The cold build takes 10-30 minutes: say how long it took.
build_kernel() {
	local start=$SECONDS rel
	rel=$(scripts/debug-kernel.sh build)
	echo "debug kernel $rel ($(scripts/debug-kernel.sh path)), $((SECONDS - start)) s"
}

build_modules() {
	scripts/debug-modules.sh >/dev/null
}

# vm_stage NAME TAG CMD...: one debug-kernel boot running CMD; its KTAP
# results and its own verdict counted as in scripts/check.sh.
vm_stage() {
	local name=$1 tag=$2 rc=0 start=$SECONDS
	local out=$BUILD/vm/$tag-output.log log=$BUILD/vm/$tag-guest.log
	shift 2
	stage "VM (debug kernel): $name"
	VM_LOG=$log VM_OUTPUT=$out "$VM_RUN" --debug "$@" >/dev/null || rc=$?
	# What the guest printed about leaks, and the splats, are in the logs;
	# show the kmemleak reports here, they are the point of this lane.
	sed -n '/^vm: kmemleak:/,$p' "$out" | head -n 60
	count_vm "$rc" "$out" "($tag) boot, module load, no kernel splat, no kmemleak report of ours"
	if [ "$rc" -ne 0 ]; then
		tr -d '\r' <"$log" | grep -E '\] (BUG|WARNING|Call Trace|.*KASAN|.*ODEBUG|.*kmemleak|.*refcount_t|.*list_(add|del) corruption|.*possible |.*suspicious RCU)' |
			head -n 20 || true
	fi
	echo "$name: $((SECONDS - start)) s; guest log: $log; output: $out"
}

main() {
	rm -f "$BUILD/check-debug-totals"
	stage_run deps scripts/deps.sh --debug || { totals "$BUILD/check-debug-totals"; exit 1; }
	stage_run "debug kernel" build_kernel || { totals "$BUILD/check-debug-totals"; exit 1; }
	stage_run "debug modules (build/debug)" build_modules || { totals "$BUILD/check-debug-totals"; exit 1; }
	# Drop binaries of tests that no longer exist (as make check does).
	rm -rf "$BUILD/selftests"
	stage_run "selftests build" make -s selftests tools || true
	mkdir -p "$BUILD/selftests" "$BUILD/vm"
	vm_stage "selftests, then kmemleak" check-debug \
		--file "$BUILD/selftests" --file tools/testing/vm/run-tests.sh \
		--file "$BUILD/tools/vmdevctl" \
		-- env $SLOW_KNOBS sh ./run-tests.sh selftests
	vm_stage "fault injection (failslab)" fault-inject \
		--file "$BUILD/selftests" --file tools/testing/vm/fault-inject.sh \
		--file "$BUILD/tools/vmdevctl" \
		-- env $SLOW_KNOBS sh ./fault-inject.sh selftests "${FI_ITERATIONS:-20}" \
		"${FI_PROBABILITY:-20}" "${FI_BUDGET:-60}"
	totals "$BUILD/check-debug-totals"
}

main "$@"
