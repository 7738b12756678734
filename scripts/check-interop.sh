#!/bin/bash
# make check-interop: unmodified real clients (Debian's dpdk-testpmd and a
# nested QEMU) against vhost-vdpa character devices, in one boot of the
# test VM: first upstream vhost_vdpa over vdpa_sim_net, the peer, then ours
# (tools/testing/interop/run.sh says which cases and how each is counted).
# Before them, in the same boot, the selftests' errno calibration: the
# uapi and iotlb programs against upstream vhost_vdpa
# (tools/testing/interop/calibrate.sh), counted as upstream too.
# The last two lines printed are the totals, "tests: ...; stages: ...;
# upstream: ..." and "N passed, N failed, N skipped" (scripts/check-lib.sh):
# the cases run
# against upstream vhost_vdpa (interop/upstream) calibrate the clients and
# are counted apart from ours; the exit status is non-zero on any failure.
# A failed preparation stops before the VM.
#
# Stages: deps (scripts/deps.sh --interop: DPDK, ~1.5 min cold), our
# modules, upstream vDPA (scripts/upstream-vdpa.sh: linux-source unpacked
# and seven modules built, the peer's five carried, ~1 min cold), the
# clients' archive (tools/testing/interop/bundle.sh, ~30 s cold), then the
# VM (~4.5 min, of which ~3 min is the nested guest's boot per target).
# Each stage's time is printed.
#
# When the cases include one over vhost-vfio (vfio*, qtest; the default:
# all), the QEMU of tools/qemu/'s vhost-vfio series is a stage
# too (scripts/qemu.sh: its build dependencies, then the build, cached;
# cold 4-15 minutes, warm nothing), and the guest gets its binary and the
# series' qtest program (qos-test), stripped, beside run.sh.
#
# Environment: INTEROP_TARGETS, INTEROP_CASES, INTEROP_SECONDS and
# L2_TIMEOUT go to the guest (run.sh); VM_* to the runner.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
BUILD=$REPO/build
LANE=check-interop
. scripts/check-lib.sh

# NAME CMD...: stage_run, and how long it took.
timed_stage() {
	local start=$SECONDS rc=0
	stage_run "$@" || rc=$?
	echo "$LANE: $1: $((SECONDS - start)) s"
	return $rc
}

build_modules() {
	make -s modules KDIR="$KDIR"
}

# Both print a path, for run_vm to ask again (cached) when it needs it.
build_upstream() {
	scripts/upstream-vdpa.sh build >/dev/null
}

# Whether the selected cases need the vhost-vfio QEMU.
want_qemu() {
	case " ${INTEROP_CASES:-vfio} " in
	*" vfio "* | *" vfioping "* | *" vfiotcp "* | *" vfiokill "*) return 0 ;;
	*" qtest "* | *" vfioerrors "* | *" vfiofd "*) return 0 ;;
	*" vfiomigrate "* | *" vfiounmigratable "*) return 0 ;;
	esac
	return 1
}

build_qemu() {
	local bin
	scripts/deps.sh --qemu >/dev/null || return 1
	bin=$(scripts/qemu.sh path) || return 1
	mkdir -p "$BUILD/interop"
	strip -o "$BUILD/interop/qemu-system-x86_64" "$bin"
	bin=$(scripts/qemu.sh qtest) || return 1
	strip -o "$BUILD/interop/qos-test" "$bin"
	# Case vfiofd's management layer: opens the device, runs QEMU
	${CC:-cc} -O2 -Wall -Wextra -Werror -o "$BUILD/interop/vfio-fds" \
		tools/testing/interop/vfio-fds.c
}

build_selftests() {
	make -s selftests
}

pack_clients() {
	tools/testing/interop/bundle.sh >/dev/null
}

run_vm() {
	local out=$BUILD/vm/check-interop-output.log log=$BUILD/vm/check-interop-guest.log
	local rc=0 start=$SECONDS knobs ko bundle qemu=()
	mapfile -t knobs < <(env | grep -E '^(INTEROP_[A-Z_]+|L2_TIMEOUT)=' || true)
	ko=$(scripts/upstream-vdpa.sh ko | tr '\n' ' ')
	bundle=$(tools/testing/interop/bundle.sh)
	! want_qemu || qemu=(--file "$BUILD/interop/qemu-system-x86_64"
		--file "$BUILD/interop/qos-test" --file "$BUILD/interop/vfio-fds")
	stage "VM: the clients against each target"
	# 2 GiB: the clients' archive unpacked (~130 MiB), DPDK's 128 MiB of
	# huge pages, the nested guest's 256 MiB.
	# bridge: the wire of the migration cases; a third function: the
	# destination of a function's.
	VM_MODULES="${VM_MODULES:-} bridge" VM_FUNCTIONS=3 \
	VM_MEM=${VM_MEM:-2G} VM_TIMEOUT=${VM_TIMEOUT:-3600} VM_EXTRA_KO=$ko \
		VM_LOG=$log VM_OUTPUT=$out tools/testing/vm/run \
		--cpio "$bundle" --file tools/testing/interop \
		--file "$BUILD/selftests" ${qemu[@]+"${qemu[@]}"} \
		--file tools/testing/selftests/ktap.sh \
		--file tools/testing/selftests/virtio_mdev/virtio_mdev.sh \
		--file tools/testing/selftests/vmdev_vf/vmdev_vf.sh \
		-- env ${knobs[@]+"${knobs[@]}"} sh -c \
		'sh ./interop/calibrate.sh ./selftests; sh ./interop/run.sh' \
		>/dev/null || rc=$?
	count_vm "$rc" "$out" "boot, module load, no kernel splat"
	# What each case cost (run.sh's result), for CI's time budget.
	grep -E '^# .*: [0-9]+ s$' "$out" | sed "s/^# /$LANE: /" || true
	echo "$LANE: VM: $((SECONDS - start)) s"
	echo "guest log: $log"
	echo "test output: $out"
}

main() {
	local totals=$BUILD/check-interop-totals
	rm -f "$totals"
	timed_stage deps scripts/deps.sh --interop || { totals "$totals"; exit 1; }
	# The VM boots the cached Debian kernel: build against its headers.
	KDIR=$(scripts/kernel.sh kdir)
	export VMDEV_KV
	VMDEV_KV=$(scripts/kernel.sh version)
	timed_stage build build_modules || { totals "$totals"; exit 1; }
	timed_stage "upstream vDPA" build_upstream || { totals "$totals"; exit 1; }
	timed_stage selftests build_selftests || { totals "$totals"; exit 1; }
	if want_qemu; then
		timed_stage "vhost-vfio QEMU" build_qemu || { totals "$totals"; exit 1; }
	fi
	timed_stage "clients' archive" pack_clients || { totals "$totals"; exit 1; }
	run_vm
	totals "$totals"
}

main "$@"
