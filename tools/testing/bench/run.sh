#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The benchmarks, in the test VM ("make bench" boots it with this directory
# as /extra/bench and the programs of build/bench/bin as /extra/bin).  Each
# benchmark prints its table; their JSON documents go out on stdout as one
# {"benchmarks": [...]} between the BENCH-JSON markers, which host.sh cuts
# into build/bench/results.json.
#
# Adding a benchmark: a bench_<name> function, below or in a <name>.sh
# sourced here, that runs it and writes its JSON object to the file given as
# $1, and its name in BENCHES.  What a benchmark creates goes in DEVICES
# (mdev UUIDs) and NETNS (network namespaces), which teardown removes.
#
# Environment: BENCH_DURATION_MS (per measurement, default 1000),
# BENCH_WARMUP_MS (200), BENCH_REPEAT (3; the median is reported),
# BENCH_SIZES and BENCH_BATCHES (vhost_loopback's lists), BENCH_BIN (the
# programs, default ../bin beside this directory), BENCH_NET_* (netns.sh's),
# BENCH_MAP_* (dma_map.sh's), BENCH_ONLY (the benchmarks to run, default
# all); host.sh passes the host's BENCH_* variables on.
#
# shellcheck disable=SC2317 # the bench_* functions are called by name
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${BENCH_BIN:-$HERE/../bin}
BENCHES=${BENCH_ONLY:-vhost_loopback netns dma_map}
TYPES=/sys/class/mdev_bus/mvnet/mdev_supported_types
DEVS=/sys/bus/mdev/devices
TMP=$(mktemp -d)
DEVICES=""
NETNS=""

# Common options of the programs.
opts() {
	echo "--duration-ms ${BENCH_DURATION_MS:-1000}" \
		"--warmup-ms ${BENCH_WARMUP_MS:-200} --repeat ${BENCH_REPEAT:-3}"
}

# A new device of mdev type $1; its UUID on stdout, removed on exit.
new_device() {
	uuid=$(cat /proc/sys/kernel/random/uuid)
	echo "$uuid" >"$TYPES/$1/create"
	echo "$uuid"
}

# Removes the namespaces in NETNS, then the devices in DEVICES.
teardown() {
	for n in $NETNS; do
		ip netns del "$n" 2>/dev/null || true
	done
	NETNS=""
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

# bench_netns
. "$HERE/netns.sh"
# bench_dma_map
. "$HERE/dma_map.sh"

# (Called as a condition: set -e does not apply inside, so say every
# status.)
bench_vhost_loopback() {
	ret=0
	dev=$(new_device mvnet-vhost) || return 1
	DEVICES="$DEVICES $dev"
	# shellcheck disable=SC2046 # one word per option
	"$BIN/vhost_loopback" --uuid "$dev" $(opts) \
		${BENCH_SIZES:+--sizes "$BENCH_SIZES"} \
		${BENCH_BATCHES:+--batches "$BENCH_BATCHES"} --json "$1" || ret=$?
	echo 1 >"$DEVS/$dev/remove" || ret=1
	return "$ret"
}

# busybox's modprobe does not follow vfio's soft dependency on its backend.
grep -q '^vfio_iommu_type1 ' /proc/modules || modprobe vfio_iommu_type1
grep -q '^vhost_mdev ' /proc/modules || modprobe vhost_mdev

rc=0
for b in $BENCHES; do
	echo "== $b"
	if ! "bench_$b" "$TMP/$b.json"; then
		echo "bench: $b failed" >&2
		rc=1
	fi
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
