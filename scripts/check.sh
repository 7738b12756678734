#!/bin/bash
# make check: deps, build, lint, selftests, then one VM boot that loads our
# modules and runs every selftest (one more with the two functions in one
# IOMMU group, and one with an SR-IOV PF on the QEMU of scripts/qemu.sh,
# for the tests under sriov/).  The last two lines printed are the totals, "tests:
# ...; stages: ...; upstream: ..." and "N passed, N failed, N skipped"
# (scripts/check-lib.sh: our tests, the stages apart); the exit
# status is non-zero on any failure, lint finding or build error.  A
# failed build stops before the VM.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
BUILD=$REPO/build
LANE=check
. scripts/check-lib.sh

build_modules() {
	make -s modules KDIR="$KDIR"
}

run_vm_tests() {
	local out=$BUILD/vm/check-output.log log=$BUILD/vm/check-guest.log rc=0
	mkdir -p "$BUILD/selftests"
	stage "VM: load modules, run selftests"
	VM_LOG=$log VM_OUTPUT=$out tools/testing/vm/run \
		--file "$BUILD/selftests" --file tools/testing/vm/run-tests.sh \
		--file "$BUILD/tools/vmdevctl" \
		-- sh ./run-tests.sh selftests >/dev/null || rc=$?
	# The VM run itself (boot, module load, no splat, runner finished) is
	# one stage; each KTAP result of each program is one test; a program
	# that ran otherwise than tools/testing/selftests/expected says (a
	# skip, a missing or an unlisted program) is one failure more.
	count_vm "$rc" "$out" "boot, module load, no kernel splat" \
		tools/testing/selftests/expected
	echo "guest log: $log"
	echo "test output: $out"

	# The one topology the main VM lacks: two functions in one IOMMU group.
	out=$BUILD/vm/check-group-output.log log=$BUILD/vm/check-group-guest.log
	rc=0
	stage "VM: functions sharing an IOMMU group"
	VM_SHARED_GROUP=1 VM_LOG=$log VM_OUTPUT=$out tools/testing/vm/run \
		--file "$BUILD/selftests" --file tools/testing/vm/run-tests.sh \
		-- sh ./run-tests.sh selftests vmdev_vf/iommu_group.sh \
		>/dev/null || rc=$?
	count_vm "$rc" "$out" "boot with a shared IOMMU group, no kernel splat" \
		tools/testing/selftests/expected-shared-group
	echo "guest log: $log"

	# An SR-IOV PF and its VFs: the test-only QEMU patch, so the QEMU of
	# scripts/qemu.sh (built on first use, 3-15 minutes; .ci/run builds
	# it beside this lane, and its lock makes this boot wait for that).
	out=$BUILD/vm/check-sriov-output.log log=$BUILD/vm/check-sriov-guest.log
	rc=0
	stage "VM: SR-IOV PF and VFs (patched QEMU)"
	VM_LOG=$log VM_OUTPUT=$out tools/testing/vm/run --sriov \
		--file "$BUILD/selftests" --file tools/testing/vm/run-tests.sh \
		--file "$BUILD/tools/vmdevctl" \
		-- sh ./run-tests.sh selftests sriov >/dev/null || rc=$?
	count_vm "$rc" "$out" "boot with an SR-IOV PF, no kernel splat" \
		tools/testing/selftests/expected-sriov
	echo "guest log: $log"
}

main() {
	rm -f "$BUILD/check-totals"
	# --qemu: what the SR-IOV boot's QEMU build needs.
	stage_run deps scripts/deps.sh --qemu || { totals "$BUILD/check-totals"; exit 1; }
	# The VM boots the cached Debian kernel: build against its headers.
	KDIR=$(scripts/kernel.sh kdir)
	export VMDEV_KV=$(scripts/kernel.sh version)
	stage_run build build_modules || { totals "$BUILD/check-totals"; exit 1; }
	stage_run lint scripts/lint.sh || true
	# Drop binaries of tests that no longer exist.
	rm -rf "$BUILD/selftests"
	stage_run "selftests build" make -s selftests tools || true
	run_vm_tests
	totals "$BUILD/check-totals"
}

main "$@"
