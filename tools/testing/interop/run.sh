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
#   mvnet     our character device, /dev/vhost-mdev/<UUID>, for an
#             mvnet-vhost mdev (loopback)
#
# A target is four functions: <target>_up creates the device and prints
# its node (status 4: skip the target, the reason on stdout);
# <target>_down removes it; <target>_link prints the link state testpmd
# shows for its port (clients.sh says why that is not always "up");
# <target>_foreign prints what the device does with frames to a MAC it
# does not own, "drop" or "deliver" (see case_txonly).  The cases take nothing but the node, so
# another device is one more pair and its name in TARGETS.
#
# Cases per target, each counted from what the client reports:
#   node           the device and its node exist
#   testpmd start  testpmd's virtio_user port on the node starts, and its
#                  link shows what DPDK 22.11 shows for the device (see
#                  <target>_link)
#   txonly         testpmd transmits (to a MAC the device does not own)
#                  for INTEROP_SECONDS, then receives for 1 s: a device
#                  that drops such frames completes at least ten rings'
#                  worth and returns none; one that delivers them
#                  completes at least a ring's worth (then testpmd's full
#                  receive ring holds it back) and returns exactly those,
#                  bytes equal; no errors
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
# The mvnet target's device (<target>_up runs in a subshell: fixed, so
# that <target>_down knows it)
mvnet_uuid=7e3c1d40-5a2b-4f6e-9c1d-0000000000a1

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

# What testpmd shows as the port's link: vdpa_sim_net does not offer
# VIRTIO_NET_F_STATUS, so DPDK takes the link for up.
upstream_link() { echo up; }
# Frames to a MAC it does not own: vdpa_sim_net drops them.
upstream_foreign() { echo drop; }

upstream_down() {
	vdpa dev del vdpa0 &&
		rmmod vhost_vdpa vdpa_sim_net vdpa_sim vringh vdpa
}

# Our character device for an mvnet-vhost mdev (loopback):
# /dev/vhost-mdev/<UUID>, in the region vhost-vdpa-mdev.  vhost_mdev is
# one of the project modules the VM loads at boot.
mvnet_up() {
	echo "$mvnet_uuid" >"$MDEV_TYPES/mvnet-vhost/create" || return 1
	ours_first && wait_node "/dev/vhost-mdev/$mvnet_uuid" && return 0
	mvnet_down
	return 1
}

# mvnet offers VIRTIO_NET_F_STATUS (its link is up), which DPDK 22.11's
# virtio_user negotiates but never reads from a vhost-vdpa device: its
# port shows the link down (clients.sh).
mvnet_link() { echo down; }
# Frames to a MAC it does not own: promiscuous until the driver sets a
# receive filter (DPDK sends none), mvnet delivers them.
mvnet_foreign() { echo deliver; }

mvnet_down() {
	echo 1 >"/sys/bus/mdev/devices/$mvnet_uuid/remove"
}

# DPDK takes a node for vhost-vdpa when its major is that of the first
# /proc/devices entry named vhost-vdpa*: that must be ours (the upstream
# target unloads vhost_vdpa when it is done).
ours_first() {
	_of=$(sed -n '/^Character devices:/,/^$/s/^ *[0-9]* \(vhost-vdpa.*\)/\1/p' \
		/proc/devices | head -n1)
	[ "$_of" = vhost-vdpa-mdev ] && return 0
	echo "the first vhost-vdpa* region is \"$_of\", not vhost-vdpa-mdev"
	return 1
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

# Frames to a MAC the device does not own: a device that drops them
# completes transmit at full speed and none comes back; one that delivers
# them (promiscuous) fills testpmd's receive ring, which txonly never
# empties, and then holds transmit (backpressure): at least a ring's worth
# goes, and receiving afterwards brings back exactly what went.
case_txonly() {
	forward txonly start "$SECONDS_RUN" || return 1
	echo "# $(($(st tx_packets) / SECONDS_RUN)) frames/s"
	no_errors || return 1
	testpmd_cmd "set fwd rxonly" >/dev/null &&
		testpmd_cmd "start" >/dev/null && sleep 1 &&
		testpmd_cmd "stop" >/dev/null || return 1
	stats=$(testpmd_stats)
	echo "# then rxonly 1s: $stats"
	case $("${target}_foreign") in
	drop)
		[ "$(st tx_packets)" -ge $((10 * RING)) ] &&
			[ "$(st rx_packets)" = 0 ] ;;
	deliver)
		[ "$(st tx_packets)" -ge "$RING" ] &&
			[ "$(st rx_packets)" = "$(st tx_packets)" ] &&
			[ "$(st rx_bytes)" = "$(st tx_bytes)" ] ;;
	*) false ;;
	esac && [ "$(st rx_missed)" = 0 ] && no_errors
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
	mac=$(testpmd_mac)
	_dc_link=$(testpmd_link)
	echo "# port MAC $mac, link $_dc_link (expected: $("${target}_link"))"
	if [ "$_dc_link" = "$("${target}_link")" ]; then
		ok "$target: testpmd start"
	else
		not_ok "$target: testpmd start"
	fi
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
