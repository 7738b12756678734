#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The benchmarks, in the test VM (host.sh boots it, once per group, with
# this directory as /extra/bench, the programs of build/bench/bin as
# /extra/bin and the upstream vDPA modules carried).  Each benchmark prints
# its table; their JSON objects go out on stdout as one {"benchmarks":
# [...]} between the BENCH-JSON markers, which host.sh cuts out.
#
#   vhost_loopback  software datapath: loopback frames/s, ours (VFIO and
#                   character device) and upstream's vdpa_sim_net
#   vq_latency      kick-to-device and device-to-call, the same three
#   dma_map         mapping and unmapping 1 and 4 GiB of 4 KiB and 2 MiB
#                   pages: our character device, upstream vhost_vdpa, and
#                   our two front ends on a PCI function
#   netns           the kernel personality: mvnet-virtio against veth, our
#                   virtio personality on the NICs against virtio_pci
#   dev_scale       creating and removing 1, 64 and 512 devices, kernel
#                   memory per device: mvnet-vhost against vdpa_sim_net
#   dev_trace       where dev_scale's time goes: the stages of a create and
#                   a remove, from the function-graph tracer, the same two
#   hw_pmd          the test VM's two virtio-net functions under testpmd
#                   (txonly to rxonly): ours (vmdev_vf, character device)
#                   against upstream vp_vdpa + vhost_vdpa and against
#                   vfio-pci passthrough (DPDK's own virtio PMD)
#   hw_netns        the kernel personality on the same functions:
#                   vmdev_vf-virtio against virtio_vdpa over vp_vdpa
#   migrate         one live migration of a nested guest between two mvnet
#                   devices: over vhost-vfio with the kernel's dirty log
#                   against QEMU's shadow virtqueue on the character device
#
# Adding a benchmark: a bench_<name> function, below or in a <name>.sh
# sourced here, that runs it and writes its JSON object to the file given as
# $1, and its name in ALL (and in a group of host.sh).  What a benchmark
# creates goes in DEVICES (mdev UUIDs), PEERS (vdpa device names) and NETNS
# (network namespaces), which teardown removes.
#
# Environment: BENCH_ONLY (the benchmarks to run, default all), BENCH_BIN
# (the programs, default ../bin beside this directory), and each
# benchmark's knobs (README); host.sh passes the host's BENCH_* variables.
#
# shellcheck disable=SC2317 # the bench_* functions are called by name
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${BENCH_BIN:-$HERE/../bin}
ALL="vhost_loopback vq_latency dma_map netns dev_scale dev_trace hw_pmd relay_log hw_netns migrate"
BENCHES=${BENCH_ONLY:-$ALL}
TYPES=/sys/class/mdev_bus/mvnet/mdev_supported_types
DEVS=/sys/bus/mdev/devices
TMP=$(mktemp -d)
DEVICES=""
PEERS=""
NETNS=""
# Locally administered, for the peer's loopback device.
PEER_MAC=02:00:00:00:be:01

# A new device of mdev type $1; its UUID on stdout, removed on exit.
new_device() {
	uuid=$(cat /proc/sys/kernel/random/uuid)
	echo "$uuid" >"$TYPES/$1/create"
	echo "$uuid"
}

# The median of the numbers on stdin, or null for none.
median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) print "null"
		else if (NR % 2) print v[(NR + 1) / 2]
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B: A / B, or null when either is null or B is 0.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "null" || b == "null" || b == 0) print "null"
		else printf "%.4f\n", a / b }'
}

# Removes the namespaces in NETNS, the peer devices in PEERS, then the
# devices in DEVICES.
teardown() {
	for n in $NETNS; do
		ip netns del "$n" 2>/dev/null || true
	done
	NETNS=""
	for p in $PEERS; do
		peer_del "$p" 2>/dev/null || true
	done
	PEERS=""
	for d in $DEVICES; do
		[ ! -e "$DEVS/$d" ] || echo 1 >"$DEVS/$d/remove" || true
	done
	DEVICES=""
}

cleanup() {
	teardown
	rm -rf "$TMP"
}
trap cleanup EXIT

# peer_*
. "$HERE/peer.sh"
# bench_netns
. "$HERE/netns.sh"
# bench_dma_map
. "$HERE/dma_map.sh"
# bench_dev_trace
. "$HERE/dev_trace.sh"
# bench_hw_pmd, bench_relay_log, bench_hw_netns
. "$HERE/hw_pmd.sh"
# bench_migrate
. "$HERE/migrate.sh"

# The three loopback devices of vhost_loopback and vq_latency: two
# mvnet-vhost devices (LOOP_VFIO, LOOP_CDEV) and a vdpa_sim_net (LOOP_PEER,
# its node).
loop_devices() {
	LOOP_VFIO=$(new_device mvnet-vhost) && DEVICES="$DEVICES $LOOP_VFIO" &&
	LOOP_CDEV=$(new_device mvnet-vhost) && DEVICES="$DEVICES $LOOP_CDEV" &&
	peer_load && PEERS="$PEERS bench0" &&
	LOOP_PEER=$(peer_add bench0 "$PEER_MAC")
}

# (Called as a condition: set -e does not apply inside, so say every
# status.)
bench_vhost_loopback() {
	ret=0
	loop_devices || return 1
	# shellcheck disable=SC2046 # one word per option
	"$BIN/vhost_loopback" --uuid "$LOOP_VFIO" --cdev-uuid "$LOOP_CDEV" \
		--peer-node "$LOOP_PEER" \
		--duration-ms "${BENCH_DURATION_MS:-1000}" \
		--warmup-ms "${BENCH_WARMUP_MS:-200}" \
		--repeat "${BENCH_REPEAT:-3}" \
		${BENCH_SIZES:+--sizes "$BENCH_SIZES"} \
		${BENCH_BATCHES:+--batches "$BENCH_BATCHES"} --json "$1" || ret=$?
	teardown
	return "$ret"
}

bench_vq_latency() {
	ret=0
	loop_devices || return 1
	"$BIN/vq_latency" --uuid "$LOOP_VFIO" --cdev-uuid "$LOOP_CDEV" \
		--peer-node "$LOOP_PEER" --samples "${BENCH_LAT_SAMPLES:-2000}" \
		--json "$1" || ret=$?
	teardown
	return "$ret"
}

bench_dev_scale() {
	peer_load || return 1
	"$BIN/dev_scale" --counts "${BENCH_SCALE_COUNTS:-1,64,512}" \
		--repeat "${BENCH_SCALE_REPEAT:-3}" --json "$1"
}

# busybox's modprobe does not follow vfio's soft dependency on its backend.
grep -q '^vfio_iommu_type1 ' /proc/modules || modprobe vfio_iommu_type1
grep -q '^vhost_mdev ' /proc/modules || modprobe vhost_mdev
# Upstream vhost_vdpa charges pinned pages against RLIMIT_MEMLOCK, even
# for root.
# shellcheck disable=SC3045 # dash has it
ulimit -l unlimited

rc=0
# (bench, not b: netns.sh's functions use b as they go.)
for bench in $BENCHES; do
	echo "== $bench"
	if ! "bench_$bench" "$TMP/$bench.json"; then
		echo "bench: $bench failed" >&2
		rc=1
	fi
	teardown
	echo
done

echo "BENCH-JSON-BEGIN"
echo '{"benchmarks": ['
sep=""
for b in $BENCHES; do
	[ -s "$TMP/$b.json" ] || continue
	printf '%s' "$sep"
	cat "$TMP/$b.json"
	sep=","
done
echo ']}'
echo "BENCH-JSON-END"
exit $rc
