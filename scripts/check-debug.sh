#!/bin/bash
# make check-debug: the whole kselftest suite on the debug kernel (KASAN,
# lockdep, kmemleak, debug objects, list and refcount checks), then the
# fault-injection pass.  Mirrors scripts/check.sh: the last two lines
# printed are the totals, "tests: ...; stages: ...; upstream: ..." and
# "N passed, N failed, N skipped" (scripts/check-lib.sh; the first also in
# build/check-debug-totals); the exit status
# is non-zero on any failure.  A failed build stops before the VM.
#
#   1. scripts/deps.sh --debug       the kernel build's packages too
#   2. scripts/debug-kernel.sh build cached, keyed by source version + config
#   3. scripts/debug-modules.sh      our modules for it, in build/debug/
#   4. make selftests tools          whatever selftests exist now, into
#                                    build/debug-selftests/ (not make
#                                    check's: CI runs this lane beside
#                                    check-interop, which packs those)
#   5. VM: run-tests.sh              the suite; then kmemleak (init)
#   6. VM: fault-inject.sh           failslab aimed at each module
#   7. VM --sriov: run-tests.sh      the tests under sriov/ on the SR-IOV
#                                    PF of the patched QEMU (scripts/qemu.sh)
#
# 5 and 6 are two boots, side by side when the host has two CPUs or more
# (VM_PARALLEL=0: one after the other); 7 follows 6, in 6's place.
#
# Each VM boot is one stage (boot, module load, no splat, no leak of ours),
# each KTAP result one test.
#
# Environment: FI_ITERATIONS (20), FI_PROBABILITY (percent, 20), FI_BUDGET
# (seconds per module, 60): see tools/testing/vm/fault-inject.sh.  The VM_*
# variables of tools/testing/vm/run apply.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
BUILD=$REPO/build
# Its own, named "selftests" as the guest scripts expect.
SELFTESTS=$BUILD/debug-selftests/selftests
VM_RUN=$REPO/tools/testing/vm/run
LANE=check-debug
# KASAN and lockdep under TCG run everything 3-10 times slower: the tests
# move less data here (tools/testing/selftests/net.sh), the same checks.
# The stress tests (vhost_mdev/stress, callswap and reopen,
# vmdev_vf/hw_stress) run longer instead: here is where KASAN, lockdep and
# kmemleak watch them. Ten cases of 30 s: about 6 minutes of the lane.
SLOW_KNOBS="VMDEV_TEST_TCP_MIB=${VMDEV_TEST_TCP_MIB:-8}"
SLOW_KNOBS+=" VMDEV_STRESS_SECONDS=${VMDEV_STRESS_SECONDS:-30}"
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

# vm_boot TAG CMD...: one debug-kernel boot running CMD, in the background
# or not; its exit status and duration go to build/vm/TAG.rc, for
# vm_result.
vm_boot() {
	local tag=$1 rc=0 start=$SECONDS
	shift
	VM_LOG=$BUILD/vm/$tag-guest.log VM_OUTPUT=$BUILD/vm/$tag-output.log \
		"$VM_RUN" --debug "$@" >/dev/null 2>"$BUILD/vm/$tag-run.log" || rc=$?
	echo "$rc $((SECONDS - start))" >"$BUILD/vm/$tag.rc"
}

# vm_result NAME TAG [EXPECTED]: the boot's KTAP results and its own
# verdict, counted as in scripts/check.sh (EXPECTED: the list of programs
# and result counts the boot must match, skips failing).
vm_result() {
	local name=$1 tag=$2 expected=${3:-} rc secs
	local out=$BUILD/vm/$tag-output.log log=$BUILD/vm/$tag-guest.log
	stage "VM (debug kernel): $name"
	read -r rc secs <"$BUILD/vm/$tag.rc" || { rc=1 secs=0; }
	grep -v '^vm: kernel ' "$BUILD/vm/$tag-run.log" | head -n 120 || true
	# What the guest printed about leaks, and the splats, are in the logs;
	# show the kmemleak reports here, they are the point of this lane.
	sed -n '/^vm: kmemleak:/,$p' "$out" | head -n 60
	count_vm "$rc" "$out" "($tag) boot, module load, no kernel splat, no kmemleak report of ours" \
		${expected:+"$expected"}
	if [ "$rc" -ne 0 ]; then
		tr -d '\r' <"$log" | grep -E '\] (BUG|WARNING|Call Trace|.*KASAN|.*ODEBUG|.*kmemleak|.*refcount_t|.*list_(add|del) corruption|.*possible |.*suspicious RCU)' |
			head -n 20 || true
	fi
	echo "$name: $secs s; guest log: $log; output: $out"
}

# The suite and the fault pass are independent boots: with two CPUs, run
# them side by side (each VM emulates one CPU), which halves the lane's
# longest part.  VM_PARALLEL=0 runs them one after the other.
run_vms() {
	local pids=() parallel=${VM_PARALLEL:-}
	[ -n "$parallel" ] || { [ "$(nproc)" -ge 2 ] && parallel=1 || parallel=0; }
	rm -f "$BUILD"/vm/{check-debug,fault-inject,check-debug-sriov}.rc
	vm_boot check-debug \
		--file "$SELFTESTS" --file tools/testing/vm/run-tests.sh \
		--file "$BUILD/tools/vmdevctl" \
		-- env $SLOW_KNOBS sh ./run-tests.sh selftests &
	pids+=($!)
	[ "$parallel" = 1 ] || wait "${pids[@]}"
	# The SR-IOV boot (~2 min) after the fault pass (~13 min), which
	# ends before the suite (~16-22 min): no longer a lane.
	{
		# The random pass (a minute or two a module) and fail_nth (up
		# to 1200 s of its own): more than the runner's 1800 s default
		# under load.  A hang still ends the boot.
		VM_TIMEOUT=${VM_FAULT_TIMEOUT:-2700} vm_boot fault-inject \
			--file "$SELFTESTS" --file tools/testing/vm/fault-inject.sh \
			--file "$BUILD/tools/vmdevctl" \
			-- env $SLOW_KNOBS sh ./fault-inject.sh selftests "${FI_ITERATIONS:-20}" \
			"${FI_PROBABILITY:-20}" "${FI_BUDGET:-60}"
		vm_boot check-debug-sriov --sriov \
			--file "$SELFTESTS" --file tools/testing/vm/run-tests.sh \
			--file "$BUILD/tools/vmdevctl" \
			-- sh ./run-tests.sh selftests sriov
	} &
	pids+=($!)
	wait "${pids[@]}"
	vm_result "selftests, then kmemleak" check-debug \
		tools/testing/selftests/expected
	vm_result "fault injection (failslab)" fault-inject
	vm_result "SR-IOV PF and VFs (patched QEMU), then kmemleak" check-debug-sriov \
		tools/testing/selftests/expected-sriov
}

main() {
	rm -f "$BUILD/check-debug-totals"
	# --qemu: the SR-IOV boot's QEMU, built on first use.
	stage_run deps scripts/deps.sh --debug --qemu || { totals "$BUILD/check-debug-totals"; exit 1; }
	stage_run "debug kernel" build_kernel || { totals "$BUILD/check-debug-totals"; exit 1; }
	stage_run "debug modules (build/debug)" build_modules || { totals "$BUILD/check-debug-totals"; exit 1; }
	# Drop binaries of tests that no longer exist (as make check does).
	rm -rf "$SELFTESTS"
	stage_run "selftests build" make -s selftests tools SELFTESTS_OUT="$SELFTESTS" || true
	mkdir -p "$SELFTESTS" "$BUILD/vm"
	stage "VM (debug kernel): selftests, fault injection, SR-IOV"
	run_vms
	totals "$BUILD/check-debug-totals"
}

main "$@"
