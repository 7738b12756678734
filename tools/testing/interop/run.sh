#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The interop cases, in the test VM (make check-interop boots it with this
# directory as /extra/interop, ../selftests/ktap.sh in it, the upstream
# vDPA modules carried and bundle.sh's clients merged into the root).
#
# Unmodified clients, DPDK's dpdk-testpmd and a nested QEMU, drive one
# vhost-vdpa character device per target:
#
#   upstream  upstream vhost_vdpa over vdpa_sim_net (a loopback device):
#             the peer, whose behaviour the cases encode
#   mvnet     our character device for an mvnet-vhost mdev (loopback);
#             skipped while creating one gives no vhost-vdpa node
#
# A target is a pair of functions: <target>_up creates the device and
# prints its node (status 4: skip the target, the reason on stdout);
# <target>_down removes it.  The cases take nothing but the node, so
# another device is one more pair and its name in TARGETS.
#
# Cases per target, each counted from what the client reports:
#   node           the device and its node exist
#   testpmd start  testpmd's virtio_user port on the node links up
#   txonly         testpmd transmits (to a MAC the device does not own)
#                  for INTEROP_SECONDS: the device completes at least ten
#                  rings' worth, no errors
#   rxonly         4 bursts of 32 frames to the device's own MAC, then
#                  receive only: exactly 128 frames and bytes each way
#   io             the same 128 frames forwarded back at each return for
#                  INTEROP_SECONDS: at least ten rings' worth received,
#                  and transmitted minus received between 0 and 128 (the
#                  frames in flight; none created, none lost)
#   testpmd quit   it stops and exits cleanly
#   qemu L2        a nested guest with the node as its virtio-net-pci
#                  NIC's vhost-vdpa backend: virtio_net binds, 3 pings
#                  to an address resolving to the NIC's own MAC go out,
#                  and everything transmitted comes back (rx = tx, in
#                  packets and bytes), as a loopback device must
#   teardown       the device and the modules go away: nothing is left
#                  holding them
#
# Targets run one after the other, each removing its modules or devices
# before the next: with two providers of vhost-vdpa* nodes loaded, DPDK
# recognises the nodes of the first one only (clients.sh).
#
# Output: one KTAP program per target, framed for scripts/ktap-summary
# ("### test interop/<target>" ... "### end interop/<target> exit N").
#
# Environment: INTEROP_TARGETS (default "upstream mvnet"), INTEROP_CASES
# (default "dpdk qemu"), INTEROP_SECONDS (each timed run, default 5),
# L2_TIMEOUT (clients.sh).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/clients.sh"

TARGETS=${INTEROP_TARGETS:-upstream mvnet}
CASES=${INTEROP_CASES:-dpdk qemu}
SECONDS_RUN=${INTEROP_SECONDS:-5}
RING=256	# queue_size of testpmd_start
BURSTS=4	# tx_first bursts of 32 frames
MDEV_TYPES=/sys/class/mdev_bus/mvnet/mdev_supported_types

# --- targets ------------------------------------------------------------

# vdpa_sim_net under vhost_vdpa, from scripts/upstream-vdpa.sh.
upstream_up() {
	modprobe vdpa_sim_net && modprobe vhost_vdpa || return 1
	vdpa dev add name vdpa0 mgmtdev vdpasim_net mac 00:11:22:33:44:55 ||
		return 1
	# vhost_vdpa's device for it, vhost-vdpa-N, is the node's name.
	for _ in $(seq 20); do
		_uu_name=$(ls /sys/bus/vdpa/devices/vdpa0 | grep -m1 '^vhost-vdpa-')
		[ -n "$_uu_name" ] && break
		sleep 0.1
	done
	wait_node "/dev/${_uu_name:-vhost-vdpa-?}"
}

upstream_down() {
	vdpa dev del vdpa0 &&
		rmmod vhost_vdpa vdpa_sim_net vdpa_sim vringh vdpa
}

# Our character device: whatever /dev/vhost-vdpa* node appears when an
# mvnet-vhost mdev is created (DPDK wants the region named vhost-vdpa*).
mvnet_up() {
	_mu_before=$(ls /dev/vhost-vdpa* 2>/dev/null)
	mvnet_uuid=$(cat /proc/sys/kernel/random/uuid)
	echo "$mvnet_uuid" >"$MDEV_TYPES/mvnet-vhost/create" || return 1
	for _ in $(seq 20); do
		_mu_node=$(ls /dev/vhost-vdpa* 2>/dev/null |
			grep -vxF -e "$_mu_before" -e '' | head -n1)
		[ -n "$_mu_node" ] && break
		sleep 0.1
	done
	if [ -z "$_mu_node" ]; then
		mvnet_down
		echo "no vhost-vdpa node for an mvnet-vhost mdev (issue 7)"
		return 4
	fi
	wait_node "$_mu_node"
}

mvnet_down() {
	echo 1 >"/sys/bus/mdev/devices/$mvnet_uuid/remove"
}

# $1 once it is a character device (udev-less: devtmpfs makes it).
wait_node() {
	for _ in $(seq 20); do
		[ -c "$1" ] && { echo "$1"; return 0; }
		sleep 0.1
	done
	echo "# no character device $1"
	return 1
}

# --- cases --------------------------------------------------------------

# NAME CMD...: ok NAME if CMD succeeds.  Unlike ktap.sh's check, CMD runs
# in this shell with its output (the counts, as "# " lines) shown either
# way.
result() {
	_r_name=$1
	shift
	if "$@"; then
		ok "$_r_name"
	else
		not_ok "$_r_name"
	fi
}

# The value of $1 in testpmd_stats' line.
st() { pair "$1" "$stats"; }

# testpmd's own counters, zeroed; then frames to what the device
# returns, drained (a loopback may still hold frames of the last case).
fresh_stats() {
	testpmd_cmd "set fwd rxonly" >/dev/null &&
		testpmd_cmd "start" >/dev/null && sleep 1 &&
		testpmd_cmd "stop" >/dev/null &&
		testpmd_cmd "clear port stats all" >/dev/null
}

# One timed forwarding run: MODE, the start command, seconds; leaves
# testpmd_stats in $stats and prints them as a diagnostic.
forward() {
	fresh_stats &&
		testpmd_cmd "set fwd $1" >/dev/null &&
		testpmd_cmd "$2" >/dev/null || return 1
	sleep "$3"
	testpmd_cmd "stop" >/dev/null || return 1
	stats=$(testpmd_stats)
	echo "# $1 ${3}s: $stats"
}

no_errors() {
	[ "$(st rx_errors)" = 0 ] && [ "$(st tx_errors)" = 0 ] &&
		[ "$(st rx_nombuf)" = 0 ]
}

case_txonly() {
	forward txonly start "$SECONDS_RUN" || return 1
	echo "# $(($(st tx_packets) / SECONDS_RUN)) frames/s"
	[ "$(st tx_packets)" -ge $((10 * RING)) ] && no_errors
}

case_rxonly() {
	_n=$((BURSTS * 32))
	testpmd_cmd "set eth-peer 0 $mac" >/dev/null &&
		forward rxonly "start tx_first $BURSTS" 2 || return 1
	[ "$(st tx_packets)" -eq "$_n" ] && [ "$(st rx_packets)" -eq "$_n" ] &&
		[ "$(st rx_bytes)" -eq "$(st tx_bytes)" ] &&
		[ "$(st rx_missed)" = 0 ] && no_errors
}

case_io() {
	_n=$((BURSTS * 32))
	testpmd_cmd "set eth-peer 0 $mac" >/dev/null &&
		forward io "start tx_first $BURSTS" "$SECONDS_RUN" || return 1
	_d=$(($(st tx_packets) - $(st rx_packets)))
	echo "# $(($(st rx_packets) / SECONDS_RUN)) frames/s each way," \
		"$_d in flight"
	[ "$(st rx_packets)" -ge $((10 * RING)) ] &&
		[ "$_d" -ge 0 ] && [ "$_d" -le "$_n" ] && no_errors
}

dpdk_cases() {
	if ! hugepages 64; then
		echo "# cannot reserve huge pages"
		for c in "testpmd start" txonly rxonly io "testpmd quit"; do
			not_ok "$target: $c"
		done
		return
	fi
	if ! testpmd_start "$1"; then
		testpmd_log | tail -n 20 | sed 's/^/# /'
		testpmd_quit
		not_ok "$target: testpmd start"
		for c in txonly rxonly io "testpmd quit"; do
			not_ok "$target: $c # testpmd did not start"
		done
		return
	fi
	ok "$target: testpmd start"
	mac=$(testpmd_mac)
	echo "# port MAC $mac"
	result "$target: testpmd txonly" case_txonly
	result "$target: testpmd rxonly" case_rxonly
	result "$target: testpmd io" case_io
	if testpmd_quit; then
		ok "$target: testpmd quit"
	else
		testpmd_log | tail -n 20 | sed 's/^/# /'
		not_ok "$target: testpmd quit"
	fi
}

case_qemu() {
	_rc=0
	l2_boot "$1" neigh=self || _rc=$?
	echo "# L2 ran ${l2_secs}s (qemu exit $_rc)"
	tr -d '\r' <"$L2_LOG" | grep '^l2: ' | sed 's/^/# /'
	[ "$_rc" = 0 ] || { tail -n 20 "$L2_LOG" | sed 's/^/# /'; return 1; }
	[ "$(l2_report driver)" = virtio_net ] &&
		[ "$(l2_report transmitted)" = 3 ] &&
		[ "$(l2_report tx_packets)" -ge 3 ] &&
		[ "$(l2_report rx_packets)" = "$(l2_report tx_packets)" ] &&
		[ "$(l2_report rx_bytes)" = "$(l2_report tx_bytes)" ]
}

# --- one target: a KTAP program -----------------------------------------

plan() {
	_p=2
	for c in $CASES; do
		case $c in
		dpdk) _p=$((_p + 5)) ;;
		qemu) _p=$((_p + 1)) ;;
		esac
	done
	echo "$_p"
}

run_target() {
	target=$1
	echo "TAP version 13"
	_out=$("${target}_up")
	_rc=$?
	if [ "$_rc" = 4 ]; then
		echo "1..0 # SKIP $_out"
		return 4
	fi
	if [ "$_rc" != 0 ]; then
		echo "1..1"
		echo "$_out" | sed 's/^/# /'
		not_ok "$target: node"
		return 1
	fi
	echo "1..$(plan)"
	node=$(echo "$_out" | tail -n1)
	ok "$target: node $node"
	for c in $CASES; do
		case $c in
		dpdk) dpdk_cases "$node" ;;
		qemu) result "$target: qemu L2" case_qemu "$node" ;;
		esac
	done
	result "$target: teardown" "${target}_down"
	ktap_totals
}

# ok, not_ok, ktap_totals (make check-interop puts it beside this directory)
. "$HERE/../ktap.sh"
for t in $TARGETS; do
	echo "### test interop/$t"
	(run_target "$t")
	echo "### end interop/$t exit $?"
done
