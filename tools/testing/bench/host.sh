#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The host side of "make bench" (which builds the modules and the programs
# first): the peer's modules (scripts/upstream-vdpa.sh), then one test VM
# per group of benchmarks, ours and the peer measured side by side in each,
# then the report.
#
#   group     benchmarks (run.sh)   the VM
#   datapath  vhost_loopback        1 GiB
#   latency   vq_latency            1 GiB
#   map       dma_map               the largest BENCH_MAP_SIZES + 1.5 GiB
#   kernel    netns                 1 GiB
#   scale     dev_scale dev_trace   2 GiB
#   hw        hw_pmd relay_log      2 GiB, the clients' archive
#             hw_netns
#   migrate   migrate               2 GiB, the clients' archive, the
#                                   interop lane, the project's QEMU
#
# Each VM runs tools/testing/bench/run.sh with BENCH_ONLY set to its
# benchmarks, tools/testing/bench as /extra/bench, build/bench/bin as
# /extra/bin, the selftests' helpers (ktap.sh, virtio_mdev, vmdev_vf)
# beside them, and the upstream vDPA modules carried (VM_EXTRA_KO); the
# hw group also gets the interop lane's clients' archive
# (tools/testing/interop/bundle.sh: Debian's dpdk-testpmd).  Its output is
# build/bench/<group>.log (the kernel's: <group>-guest.log); the JSON it
# prints between its markers, build/bench/<group>.json.  Then
# build/bench/results.json merges the groups (with the host's load before
# and after each), and report.py writes build/bench/report/ (report.md and
# a PNG per case).
#
# Environment: BENCH_GROUPS (default all, in the order above), the
# benchmarks' BENCH_* knobs (passed on to the guest), BENCH_REPORT_DIR
# (where the report goes, default build/bench/report).  A failed group
# fails the run; the report still shows the others.
#
# shellcheck disable=SC2034 # BENCH_<group> are read through eval
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../../.." && pwd)
HERE=$REPO/tools/testing/bench
OUT=$REPO/build/bench
REPORT_DIR=${BENCH_REPORT_DIR:-$OUT/report}
export VM_TIMEOUT=${VM_TIMEOUT:-1800}
# Debian's, which scripts/deps.sh --bench installs.
PYTHON=${PYTHON:-/usr/bin/python3}

GROUPS_ALL="datapath latency map kernel scale hw migrate"
BENCH_datapath=vhost_loopback
BENCH_latency=vq_latency
BENCH_map=dma_map
BENCH_kernel=netns
BENCH_scale="dev_scale dev_trace"
BENCH_hw="hw_pmd relay_log hw_netns"
BENCH_migrate=migrate

log() { echo "bench: $*" >&2; }

# The guest memory of group $1.
vm_mem() {
	local max=0 s
	case $1 in
	map)
		for s in $(echo "${BENCH_MAP_SIZES:-1024,4096}" | tr , ' '); do
			[ "$s" -le "$max" ] || max=$s
		done
		echo "$((max + 1536))M"
		;;
	scale) echo 2G ;;
	# The clients' archive unpacked, two testpmds' huge pages; or two
	# nested guests of 256 MiB.
	hw | migrate) echo 2G ;;
	*) echo 1G ;;
	esac
}

load() { cut -d' ' -f1 /proc/loadavg; }

# run_group NAME: one VM; its JSON into $OUT/NAME.json.
run_group() {
	local g=$1 rc=0 benches start l0 cpio=() extra=() modules=${VM_MODULES:-}
	local timeout=$VM_TIMEOUT qemu
	benches=$(eval "echo \$BENCH_$g")
	case $g in
	hw | migrate)
		cpio=(--cpio "$("$REPO/tools/testing/interop/bundle.sh")") ;;
	esac
	if [ "$g" = migrate ]; then
		# The project's QEMU (tools/qemu/), built and cached as the
		# interop lane's (make bench installed its build dependencies).
		if ! qemu=$("$REPO/scripts/qemu.sh" path) ||
		   ! mkdir -p "$OUT/qemu" ||
		   ! strip -o "$OUT/qemu/qemu-system-x86_64" "$qemu"; then
			log "$g: no vhost-vfio QEMU (scripts/qemu.sh path)"
			rc=1
		fi
		# Two nested boots and two migrations a round, ~7 minutes, more
		# on a busy host: the VM's time grows with the rounds.
		timeout=$((600 + 900 * ${BENCH_MIG_ROUNDS:-3}))
		[ "$timeout" -ge "$VM_TIMEOUT" ] || timeout=$VM_TIMEOUT
		# The interop lane's migration cases, as that lane lays them out.
		extra=(--file tools/testing/interop
			--file "$OUT/qemu/qemu-system-x86_64"
			--file tools/testing/selftests/virtio_mdev/virtio_mdev.sh
			--file tools/testing/selftests/vmdev_vf/vmdev_vf.sh)
		modules="$modules bridge"
	fi
	l0=$(load)
	start=$(date +%s)
	log "$g: $benches (host load $l0)"
	: >"$OUT/$g.log"
	[ "$rc" -ne 0 ] || (cd "$REPO" && VM_MEM=${VM_MEM:-$(vm_mem "$g")} \
		VM_OUTPUT="$OUT/$g.log" VM_LOG="$OUT/$g-guest.log" \
		VM_EXTRA_KO="$EXTRA_KO" VM_MODULES="$modules" \
		VM_TIMEOUT=$timeout tools/testing/vm/run \
		${cpio[@]+"${cpio[@]}"} ${extra[@]+"${extra[@]}"} \
		--file tools/testing/bench --file "$OUT/bin" \
		--file tools/testing/selftests/ktap.sh \
		--file tools/testing/selftests/virtio_mdev \
		--file tools/testing/selftests/vmdev_vf \
		-- env "${knobs[@]}" BENCH_ONLY="$benches" sh ./bench/run.sh) |
		sed -u '/^BENCH-JSON-BEGIN$/,/^BENCH-JSON-END$/d' || rc=$?
	sed -n '/^BENCH-JSON-BEGIN$/,/^BENCH-JSON-END$/{//!p}' "$OUT/$g.log" \
		>"$OUT/$g.json"
	[ -s "$OUT/$g.json" ] || rm -f "$OUT/$g.json"
	printf '{"group": "%s", "benchmarks": "%s", "vm_mem": "%s", "seconds": %s, "load_before": %s, "load_after": %s, "status": %s}\n' \
		"$g" "$benches" "${VM_MEM:-$(vm_mem "$g")}" \
		"$(($(date +%s) - start))" "$l0" "$(load)" "$rc" >"$OUT/$g.meta"
	[ "$rc" -eq 0 ] || log "$g: FAILED (exit $rc); guest output: $OUT/$g.log"
	return "$rc"
}

main() {
	local g rc=0 groups=${BENCH_GROUPS:-$GROUPS_ALL}
	[ -x "$OUT/bin/vhost_loopback" ] ||
		{ log "build first: make -C tools/testing/bench"; exit 1; }
	for g in $groups; do
		case " $GROUPS_ALL " in *" $g "*) ;; *)
			log "unknown group $g (groups: $GROUPS_ALL)"; exit 2 ;;
		esac
	done
	# The peer, and vp_vdpa and virtio_vdpa for the hw group (carried by
	# every group: nothing loads them unless asked, upstream-vdpa.sh).
	EXTRA_KO=$("$REPO/scripts/upstream-vdpa.sh" ko hw | tr '\n' ' ')
	# One round of netns is too noisy for a report.
	export BENCH_NET_REPEAT=${BENCH_NET_REPEAT:-3}
	mapfile -t knobs < <(env | grep '^BENCH_[A-Z_]*=' | grep -v '^BENCH_GROUPS=' || true)
	mkdir -p "$OUT"
	rm -f "$OUT/results.json" "$OUT"/*.json "$OUT"/*.meta
	for g in $groups; do
		run_group "$g" || rc=1
	done
	# shellcheck disable=SC2046 # one file a word
	"$PYTHON" "$HERE/report.py" merge "$OUT/results.json" "$REPO" \
		$(for g in $groups; do echo "$OUT/$g.meta"; done)
	"$PYTHON" "$HERE/report.py" report "$OUT/results.json" "$REPORT_DIR"
	log "results in ${OUT#"$REPO"/}/results.json, report in ${REPORT_DIR#"$REPO"/}/report.md"
	return $rc
}

main "$@"
