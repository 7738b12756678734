#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The interop cases, in the test VM (make check-interop boots it with this
# directory as /extra/interop, beside it ../selftests/ktap.sh and the
# shell helpers of the virtio_mdev and vmdev_vf selftests, the upstream
# vDPA modules carried and bundle.sh's clients merged into the root).
#
# Unmodified clients, DPDK's dpdk-testpmd and a nested QEMU, drive one
# vhost-vdpa character device per target:
#
#   upstream  upstream vhost_vdpa over vdpa_sim_net (a loopback device):
#             the peer, whose behaviour the cases encode
#   mvnet     our character device, /dev/vhost-mdev/<UUID>, for an
#             mvnet-vhost mdev: a loopback, or linked to an mvnet-virtio
#             device whose virtio_net interface is the other end
#   vf        our character device for a vmdev_vf-vhost mdev on one of
#             the test VM's two virtio-net-pci functions (a QEMU hub is
#             their wire); the other function's vmdev_vf-virtio device
#             and its virtio_net interface are the other end
#
# A target is functions named after it:
#   <t>_traits      sets, in this shell: cases (the case groups it has),
#                   link (what testpmd shows as its port's link: "up" or
#                   "down", clients.sh says why not always "up"), foreign
#                   ("drop" or "deliver": what the device does with frames
#                   to a MAC it does not own, see case_txonly), module
#                   (the one holding the node open), traffic (the
#                   testpmd forwarding mode that keeps it busy: "io" on
#                   a loopback, "txonly" on a wire), and ring if the
#                   device's rings cannot have 256 entries (testpmd's
#                   ring size: DPDK 22.11 does not ask the device)
#   <t>_up          creates the device, prints its node (status 4: skip
#                   the target, the reason on stdout)
#   <t>_down        removes it
#   <t>_peer_up     for "ping" and "icmpecho": a kernel interface at
#                   the other end of the device's wire, PEER_ADDR in
#                   network namespace PEER_NS; <t>_peer_down removes it
# The cases take nothing else, so another device is one more set of
# functions and its name in TARGETS.
#
# Case groups, each result counted from what the clients report:
#   (always)       node: the device and its node exist
#   dpdk           testpmd start: testpmd's virtio_user port on the node
#                    starts, its link is <t>_traits' link
#                  txonly: testpmd transmits (to a MAC the device does not
#                    own) for INTEROP_SECONDS, then receives for 1 s: a
#                    device that drops such frames completes at least ten
#                    rings' worth and returns none; one that delivers
#                    them completes at least a ring's worth (then
#                    testpmd's full receive ring holds it back) and
#                    returns exactly those, bytes equal; no errors
#                  rxonly: 4 bursts of 32 frames to the device's own MAC,
#                    then receive only: exactly 128 frames and bytes
#                    each way
#                  io: the same 128 frames forwarded back at each return
#                    for INTEROP_SECONDS: at least ten rings' worth
#                    received, and transmitted minus received between 0
#                    and 128 (the frames in flight; none created, none
#                    lost)
#                  testpmd quit: it stops and exits cleanly
#   killed         testpmd killed (SIGKILL) while it forwards leaves
#                    nothing behind: every huge page it had pinned is
#                    free again once its files are removed, the module's
#                    reference count is what it was, and the node opens
#                    again (a new testpmd starts and quits cleanly)
#   qemu           qemu L2: a nested guest with the node as its
#                    virtio-net-pci NIC's vhost-vdpa backend: virtio_net
#                    binds, 3 pings to an address resolving to the NIC's
#                    own MAC go out, and everything transmitted comes
#                    back (rx = tx, in packets and bytes), as a loopback
#                    device must
#   ping           qemu L2 ping: the same nested guest pings the peer's
#                    kernel interface through the device: 3 of 3 answered
#   svqping        qemu L2 ping through QEMU's shadow virtqueue: "ping"
#                    with Debian's QEMU 7.2 relaying every ring in
#                    userspace (-netdev vhost-vdpa,...,x-svq=on, upstream
#                    vDPA's way to migrate), on a device whose
#                    device_features leave out VIRTIO_NET_F_CTRL_RX, which
#                    7.2's shadow virtqueue does not handle; first, with
#                    the device's every feature, QEMU refuses at once
#                    ("does not work with features 0x40000"): the feature
#                    choice is what makes it work
#   svqmigrate     qemu L2 migrated through QEMU's shadow virtqueue:
#                    first svqping's refusal, then the nested guest on the
#                    node (Debian's QEMU 7.2, -netdev vhost-vdpa,...,
#                    x-svq=on, both devices without CTRL_RX) pings the
#                    peer and, pinging on (two a second for 20 s) while it
#                    sends the peer INTEROP_MIG_MIB MiB (16) of random
#                    bytes over TCP, is live-migrated (once the peer has
#                    the first MiB) to a second QEMU waiting (-incoming,
#                    over a UNIX socket) on a second mvnet device; the
#                    two devices' peers are ports of one bridge in the
#                    peer's namespace, the peer's address on it: one
#                    wire.  The migration completes, the guest finishes on
#                    the destination, the peer receives every byte (size
#                    and MD5 equal), at least 100 of the guest's frames
#                    came through each device, the long ping loses at
#                    most 6 and its last replies come from the
#                    destination; QEMU's total time and downtime are
#                    printed
#   logmigrate     the same migration with the kernel's dirty log:
#                    Debian's QEMU 7.2, -netdev vhost-vdpa without x-svq,
#                    on devices whose character device offers
#                    VHOST_F_LOG_ALL (vhost_mdev's cdev_dirty_log=1) and
#                    that have no control queue (7.2 reads the queue
#                    pairs' state before it stops a device with one, and
#                    does not restore its settings): QEMU lets the
#                    migration go, gives the device a log and reads it;
#                    the same checks, and ftrace saw VHOST_SET_LOG_BASE
#                    and logged writes
#   vfiomigrate    the same migration over vhost-vfio (the project's
#                    QEMU, L2_QEMU): the VFIO device fd of an mvnet device
#                    offers VHOST_F_LOG_ALL, and on devices without a
#                    control queue the series migrates through vhost's
#                    dirty log; the same checks, ftrace's included, and
#                    one more: the destination starts paused (-S, as
#                    libvirt starts it), and runs once the guest's RAM on
#                    both sides (pmemsave) has been compared: every byte
#                    must be equal, or the case fails and the bytes that
#                    differ are listed (a page the device wrote whose bit
#                    the log lost is one)
#   vfiounmigratable  on a function (vf): its VFIO device fd offers no
#                    VHOST_F_LOG_ALL (the kernel does not see its DMA), so
#                    QEMU with -only-migratable refuses to start, saying
#                    the device does not log its writes
#   relaymigrate   on a function (vf), through the core's relay (the
#                    device's "relay" attribute on, its character device
#                    offering VHOST_F_LOG_ALL with cdev_dirty_log=1):
#                    logmigrate's migration (Debian's QEMU 7.2, the
#                    kernel's log), with vfiomigrate's RAM comparison,
#                    from the function to a relayed device on a third
#                    function (make check-interop boots the VM with
#                    three), the peer the second function's interface:
#                    QEMU's hub is the wire, so the frames of the two
#                    devices are not counted apart
#   crossmigrate   the same across parents: from the relayed function to
#                    an mvnet device, then (a new guest) from an mvnet
#                    device to the relayed function; the mvnet device's
#                    peer and the second function's interface are ports
#                    of one bridge, and both devices offer the features
#                    both can carry
#   vfio           qemu L2 over vhost-vfio: "qemu", with the device's
#                    mdev as the NIC's -netdev vhost-vfio backend (its
#                    VFIO device fd, guest RAM mapped through the VFIO
#                    container) in the project's QEMU build (tools/qemu/,
#                    L2_QEMU; make check-interop builds it when these
#                    cases are selected)
#   vfioping       qemu L2 ping over vhost-vfio: "ping", the same way
#   vfiofd         qemu L2 ping over vhost-vfio, the device opened as a
#                    management layer does by vfio-fds (vfio-fds.c, beside
#                    this directory as L2_VFIO_FDS): its group into a new
#                    container with a type1 IOMMU, the device fd by the
#                    UUID; QEMU inherits both (-netdev
#                    vhost-vfio,fd=3,containerfd=4): "ping", 3 of 3
#                    answered.  On mvnet first two devices in one
#                    container, both netdevs given the same containerfd=:
#                    QEMU starts (guest RAM mapped once) and quits
#                    cleanly, and the device opens again
#   vfiotcp        qemu L2 TCP over vhost-vfio: the nested guest pings the
#                    peer's kernel interface, sends it INTEROP_MIB MiB
#                    (default 8) of random bytes over TCP, then receives
#                    as many from it (busybox nc both ends): every byte
#                    crosses both ways (sizes and MD5s equal).  Where the
#                    target has several queue pairs (mvnet), the guest and
#                    the peer first switch to 2 with ethtool -L and the
#                    guest sends its TCP on the second: both transmit
#                    queues carry traffic (its per-queue counters), and the
#                    peer's second receive queue takes it; then the mvnet
#                    device's link attribute goes down and up, and the
#                    guest's carrier follows (config interrupts)
#   vfiokill       qemu over vhost-vfio killed (SIGKILL) while its L2
#                    pings through the device: every page pinned for it
#                    is unpinned (FOLL_PIN counts of /proc/vmstat back to
#                    where they were), the module holds no more
#                    references than before, and a new QEMU opens the
#                    device (a VFIO device still held would be EBUSY)
#   vfioerrors     QEMU refuses, with exit 1 at once and the message
#                    saying why: no such sysfsdev, not an mdev, neither
#                    sysfsdev= nor fd=, fd= without containerfd=,
#                    containerfd= without fd=, one fd as both, a
#                    containerfd= that is no VFIO container, the same
#                    device twice, queues= above the device's pairs, a
#                    *-virtio device, the device open through its
#                    character device or held by another QEMU; while
#                    -only-migratable is no error (its control queue's
#                    settings migrate); afterwards nothing is pinned, the
#                    module's refcnt is what it was, and the device opens
#   qtest          the series' qtest (tests/qtest/vhost-vfio-test.c, in
#                    libqos' qos-test beside this directory) on the
#                    device, a loopback: QEMU under the qtest accelerator
#                    with -netdev vhost-vfio, no guest; the config the
#                    guest reads is the device's, a frame goes round
#                    byte for byte with an interrupt, the device's link
#                    going down and up reaches the guest as configuration
#                    interrupts, migration is refused (the device has a
#                    control queue); then, the device
#                    opened as a management layer does (group, container
#                    with a type1 IOMMU, device fd) and its fds inherited
#                    by QEMU as fd= and containerfd=, the frame goes round
#                    again, and bad fds are refused with their reason (no
#                    container, no IOMMU set, no VFIO device, one fd
#                    without the other); then two more devices without a
#                    control queue: the guest migrates from one to the
#                    other while the device receives a frame into display
#                    memory already sent, which must reach the
#                    destination, where the rings go on; all 7 pass, none
#                    skipped
#   icmpecho       testpmd in icmpecho forwarding on the node, pinged by
#                    the peer's kernel interface: 3 of 3 answered, and
#                    testpmd received and sent at least the 3 echoes and
#                    an ARP exchange
#   (always)       teardown: the device and the modules go away: nothing
#                    is left holding them
#
# Targets run one after the other, each removing its modules or devices
# before the next: with two providers of vhost-vdpa* nodes loaded, DPDK
# recognises the nodes of the first one only (clients.sh).
#
# Output: one KTAP program per target, framed for scripts/ktap-summary
# ("### test interop/<target>" ... "### end interop/<target> exit N").
#
# Environment: INTEROP_TARGETS (default "upstream mvnet vf"),
# INTEROP_CASES (the case groups run where a target has them; default
# "dpdk killed qemu ping svqping svqmigrate logmigrate icmpecho vfio
# vfioping vfiotcp vfiokill qtest vfioerrors vfiofd vfiomigrate
# vfiounmigratable relaymigrate crossmigrate"),
# INTEROP_SECONDS (each timed run, default 5), INTEROP_MIG_MIB (the
# migration cases' transfer, 16), INTEROP_MIG_MEMCMP (1: every migration
# case compares the guest's RAM on both sides, as vfiomigrate always
# does), L2_TIMEOUT (clients.sh),
# L2_QEMU (the vhost-vfio QEMU: default ./qemu-system-x86_64 beside this
# directory, as make check-interop puts it), QOS_TEST (its qos-test,
# likewise ./qos-test), L2_VFIO_FDS (likewise ./vfio-fds).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/clients.sh"

TARGETS=${INTEROP_TARGETS:-upstream mvnet vf}
CASES=${INTEROP_CASES:-dpdk killed qemu ping svqping svqmigrate logmigrate icmpecho vfio vfioping vfiotcp vfiokill qtest vfioerrors vfiofd vfiomigrate vfiounmigratable relaymigrate crossmigrate}
L2_QEMU=${L2_QEMU:-$HERE/../qemu-system-x86_64}
QOS_TEST=${QOS_TEST:-$HERE/../qos-test}
L2_VFIO_FDS=${L2_VFIO_FDS:-$HERE/../vfio-fds}
SECONDS_RUN=${INTEROP_SECONDS:-5}
BURSTS=4	# tx_first bursts of 32 frames
# The other end of a wire: a kernel interface at PEER_ADDR in PEER_NS;
# testpmd or the nested guest is LOCAL_ADDR.
PEER_NS=interop_peer
PEER_ADDR=10.0.0.1
LOCAL_ADDR=10.0.0.2
# Devices by fixed UUIDs: <t>_up runs in a subshell, <t>_down does not.
mvnet_uuid=7e3c1d40-5a2b-4f6e-9c1d-0000000000a1
mvnet_peer_uuid=7e3c1d40-5a2b-4f6e-9c1d-0000000000a2
vf_uuid=7e3c1d40-5a2b-4f6e-9c1d-0000000000b1
vf_peer_uuid=7e3c1d40-5a2b-4f6e-9c1d-0000000000b2

# --- targets ------------------------------------------------------------

# vdpa_sim_net under vhost_vdpa, from scripts/upstream-vdpa.sh.  It does
# not offer VIRTIO_NET_F_STATUS, so DPDK takes its link for up; it drops
# frames to a MAC it does not own; it has no peer.
upstream_traits() {
	cases="dpdk killed qemu" link=up foreign=drop module=vhost_vdpa
	traffic=io
}

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

# An mvnet-vhost mdev.  mvnet offers VIRTIO_NET_F_STATUS, which DPDK
# 22.11's virtio_user negotiates but never reads from a vhost-vdpa device:
# its port shows the link down (clients.sh).  Promiscuous until the
# driver sets a receive filter (DPDK sends none), it delivers frames to
# any MAC.  Unlinked it is a loopback; its peer is a linked mvnet-virtio
# device.
mvnet_traits() {
	cases="dpdk killed qemu ping svqping svqmigrate logmigrate icmpecho vfio
		vfioping vfiotcp vfiokill qtest vfioerrors vfiofd vfiomigrate"
	link=down foreign=deliver mq=2
	module=vhost_mdev traffic=io
}

mvnet_up() {
	echo "$mvnet_uuid" >"$MVNET_TYPES/mvnet-vhost/create" || return 1
	ours_first && wait_node "/dev/vhost-mdev/$mvnet_uuid" && return 0
	mvnet_down
	return 1
}

mvnet_down() {
	echo 1 >"$MDEV/$mvnet_uuid/remove"
}

mvnet_peer_up() {
	modprobe virtio_net && modprobe virtio_mdev &&
		echo "$mvnet_peer_uuid" >"$MVNET_TYPES/mvnet-virtio/create" &&
		echo "$mvnet_peer_uuid" >"$MDEV/$mvnet_uuid/peer" &&
		_mp_if=$(iface "$mvnet_peer_uuid") &&
		into_netns "$PEER_NS" "$_mp_if" "$PEER_ADDR/24"
}

# Removing the peer unlinks it: the device is a loopback again.
mvnet_peer_down() {
	ip netns del "$PEER_NS"
	echo 1 >"$MDEV/$mvnet_peer_uuid/remove"
}

# A vmdev_vf-vhost mdev on the first function, a vmdev_vf-virtio one on
# the second.  What the function offers DPDK takes as is: VIRTIO_NET_F_STATUS
# (link shown down, as for mvnet); QEMU's virtio-net-pci is promiscuous
# until its driver says otherwise.  What goes out is on the wire, nothing
# comes back but what the other function sends.
vf_traits() {
	cases="icmpecho killed ping vfioping vfiotcp vfiofd vfiounmigratable relaymigrate crossmigrate"
	link=down foreign=drop mq=
	module=vhost_mdev
	traffic=txonly
	# shellcheck disable=SC2046 # BDFs
	set -- $(vf_functions)
	vf1=${1:-} vf2=${2:-} vf3=${3:-}
}

vf_up() {
	if [ -z "$vf2" ] || [ ! -d "$DRV" ]; then
		echo "needs two virtio-net-pci functions and vmdev_vf"
		return 4
	fi
	if modprobe virtio_net && modprobe virtio_mdev &&
	   vf_bind "$vf1" && vf_bind "$vf2" &&
	   vf_create "$vf1" vhost "$vf_uuid" &&
	   vf_create "$vf2" virtio "$vf_peer_uuid" && ours_first &&
	   wait_node "/dev/vhost-mdev/$vf_uuid"; then
		return 0
	fi
	vf_down
	return 1
}

vf_down() {
	_vd_rc=0
	for _vd_u in "$vf_uuid" "$vf_peer_uuid"; do
		[ ! -e "$MDEV/$_vd_u" ] || echo 1 >"$MDEV/$_vd_u/remove" ||
			_vd_rc=1
	done
	vf_release "$vf1" && vf_release "$vf2" && return $_vd_rc
}

vf_peer_up() {
	vf_netns "$vf2" "$PEER_NS" "$PEER_ADDR"
}

# The interface goes back to the initial namespace.
vf_peer_down() {
	ip netns del "$PEER_NS"
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
	_r_start=$(date +%s)
	shift
	_r_rc=0
	"$@" || _r_rc=1
	# CI's time is budgeted case by case (.ci/run): say what each cost.
	echo "# $_r_name: $(($(date +%s) - _r_start)) s"
	if [ "$_r_rc" = 0 ]; then
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
	if [ "$foreign" = drop ]; then
		echo "# $(($(st tx_packets) / SECONDS_RUN)) frames/s"
	else
		echo "# held back after $(st tx_packets) frames"
	fi
	no_errors || return 1
	testpmd_cmd "set fwd rxonly" >/dev/null &&
		testpmd_cmd "start" >/dev/null && sleep 1 &&
		testpmd_cmd "stop" >/dev/null || return 1
	stats=$(testpmd_stats)
	echo "# then rxonly 1s: $stats"
	case $foreign in
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

# testpmd on node $1, or the reason it did not start as diagnostics.
start_testpmd() {
	hugepages 64 || { echo "# cannot reserve huge pages"; return 1; }
	testpmd_start "$1" && return 0
	testpmd_log | tail -n 20 | sed 's/^/# /'
	testpmd_quit
	return 1
}

quit_testpmd() {
	testpmd_quit && return 0
	testpmd_log | tail -n 20 | sed 's/^/# /'
	return 1
}

dpdk_cases() {
	if ! start_testpmd "$1"; then
		not_ok "$target: testpmd start"
		for c in txonly rxonly io quit; do
			not_ok "$target: testpmd $c # testpmd did not start"
		done
		return
	fi
	mac=$(testpmd_mac)
	_dc_link=$(testpmd_link)
	echo "# port MAC $mac, link $_dc_link (expected: $link)"
	if [ "$_dc_link" = "$link" ]; then
		ok "$target: testpmd start"
	else
		not_ok "$target: testpmd start"
	fi
	result "$target: testpmd txonly" case_txonly
	result "$target: testpmd rxonly" case_rxonly
	result "$target: testpmd io" case_io
	result "$target: testpmd quit" quit_testpmd
}

# Huge pages not in use, once the files of DPDK's earlier runs are gone
# (a killed testpmd leaves them in hugetlbfs).
free_hugepages() {
	rm -f /dev/hugepages/interop*
	awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo
}

# SIGKILL while testpmd forwards ($traffic, to the device's own MAC),
# then: the pages it pinned are free, the module holds no more references
# than before, and the node opens again.
case_killed() {
	hugepages 64 || return 1
	_k_free=$(free_hugepages)
	_k_ref=$(cat "/sys/module/$module/refcnt")
	start_testpmd "$1" || return 1
	_k_mac=$(testpmd_mac)
	testpmd_cmd "set eth-peer 0 $_k_mac" >/dev/null &&
		testpmd_cmd "set fwd $traffic" >/dev/null &&
		testpmd_cmd "start tx_first $BURSTS" >/dev/null || return 1
	sleep 2
	stats=$(testpmd_stats)
	echo "# $traffic for 2 s: $stats;" \
		"$module refcnt $(cat "/sys/module/$module/refcnt") (before: $_k_ref)"
	[ "$(st tx_packets)" -gt 0 ] || { testpmd_kill; return 1; }
	testpmd_kill
	_k_free2=$(free_hugepages)
	_k_ref2=$(cat "/sys/module/$module/refcnt")
	echo "# killed: $_k_free2 huge pages free (before: $_k_free)," \
		"$module refcnt $_k_ref2 (before: $_k_ref)"
	[ "$_k_free2" = "$_k_free" ] && [ "$_k_ref2" = "$_k_ref" ] || return 1
	start_testpmd "$1" && quit_testpmd
}

# qemu ARG...: boot the nested guest with the l2-init ARGs; its report as
# diagnostics.
l2_run() {
	_l2_rc=0
	l2_boot "$node" "$@" || _l2_rc=$?
	echo "# L2 ran ${l2_secs}s (qemu exit $_l2_rc)"
	tr -d '\r' <"$L2_LOG" | grep '^l2: ' | sed 's/^/# /'
	[ "$_l2_rc" = 0 ] && [ "$(l2_report driver)" = virtio_net ] &&
		return 0
	tail -n 20 "$L2_LOG" | sed 's/^/# /'
	return 1
}

# The vhost-vfio QEMU, or why not (a diagnostic, and the case fails).
vfio_qemu() {
	[ -x "$L2_QEMU" ] && return 0
	echo "# no vhost-vfio QEMU at $L2_QEMU (make check-interop builds one when INTEROP_CASES has a case over vhost-vfio)"
	return 1
}

# $1 (case_qemu or case_ping) with the device as a vhost-vfio backend.
over_vfio() {
	vfio_qemu || return 1
	L2_BACKEND=vhost-vfio
	_ov_rc=0
	"$1" || _ov_rc=1
	L2_BACKEND=vhost-vdpa
	return $_ov_rc
}

# $1 with the device opened by vfio-fds, QEMU given its fds.
over_vfio_fd() {
	vfio_qemu || return 1
	[ -x "$L2_VFIO_FDS" ] || { echo "# no vfio-fds at $L2_VFIO_FDS"; return 1; }
	L2_BACKEND=vhost-vfio-fd
	_of_rc=0
	"$1" || _of_rc=1
	L2_BACKEND=vhost-vdpa
	return $_of_rc
}

# Two devices in one container, as a management layer may give them: one
# containerfd= for both netdevs.  QEMU maps guest RAM into it once (a
# second mapping of the same IOVAs would fail, EEXIST), starts, quits;
# then the node's device opens again.
vfiofd_shared() {
	# Not the migration's destination (a3): a leftover would fail it.
	_vs_second=7e3c1d40-5a2b-4f6e-9c1d-0000000000a7
	echo "$_vs_second" >"$MVNET_TYPES/mvnet-vhost/create" || return 1
	echo quit | "$L2_VFIO_FDS" 5 "$MDEV/$(basename "$node")" 3 \
		"$MDEV/$_vs_second" 4 -- "$L2_QEMU" -S -nodefaults \
		-no-user-config -display none -machine q35 -accel tcg -m 64M \
		-monitor stdio \
		-netdev vhost-vfio,id=n0,fd=3,containerfd=5 \
		-device virtio-net-pci,netdev=n0,romfile= \
		-netdev vhost-vfio,id=n1,fd=4,containerfd=5 \
		-device virtio-net-pci,netdev=n1,romfile= >/dev/null
	_vs_rc=$?
	echo "# two devices, one container: QEMU exit $_vs_rc"
	echo 1 >"$MDEV/$_vs_second/remove" || _vs_rc=1
	[ "$_vs_rc" = 0 ] && vfio_opens
}

case_vfiofd() {
	_cf_rc=0
	if [ "$target" = mvnet ]; then
		vfio_qemu && [ -x "$L2_VFIO_FDS" ] && vfiofd_shared || _cf_rc=1
	fi
	over_vfio_fd case_ping || _cf_rc=1
	return $_cf_rc
}

# FOLL_PIN pins held system-wide (acquired minus released).
pins_held() {
	awk '$1 == "nr_foll_pin_acquired" { a = $2 }
	     $1 == "nr_foll_pin_released" { r = $2 }
	     END { print a - r }' /proc/vmstat
}

# The pid of the first process whose command line matches regex $1 (a
# pattern that does not match itself, or the grep finds its own).
pid_matching() {
	for _vp in /proc/[0-9]*; do
		tr '\0' ' ' <"$_vp/cmdline" 2>/dev/null | grep -q "$1" &&
			{ basename "$_vp"; return 0; }
	done
	return 1
}

# The pid of the L2's QEMU (L2_QEMU itself, not the timeout above it)
# on the device of node $1.
vfio_qemu_pid() {
	pid_matching "^$L2_QEMU .*sysfsdev=/sys/bus/mdev/devices/$(basename "$1")"
}

# QEMU on the device with no guest running, with more arguments $@: 0
# once it opened the device (and quit), else QEMU's error.
vfio_opens() {
	echo quit | timeout 60 "$L2_QEMU" -S -nodefaults -no-user-config \
		-display none -machine q35 -accel tcg -m 64M -monitor stdio "$@" \
		-netdev "vhost-vfio,id=n0,sysfsdev=/sys/bus/mdev/devices/$(basename "$node")" \
		-device virtio-net-pci,netdev=n0,romfile= >/dev/null
}

# QEMU on the command line $@ (a -netdev vhost-vfio and what else), the
# machine stopped: its exit status, its messages in _vq_msg.
vfio_qemu_try() {
	_vq_msg=$(timeout 60 "$L2_QEMU" -S -nodefaults -no-user-config \
		-display none -machine q35 -accel tcg -m 64M -monitor none \
		"$@" </dev/null 2>&1)
	_vq_rc=$?
	echo "$_vq_msg" | sed 's/^/# qemu: /'
	return $_vq_rc
}

# QEMU's answer to $2... is an error (exit 1, at once) saying $1.
vfio_refused() {
	_vr_want=$1
	shift
	vfio_qemu_try "$@"
	[ "$_vq_rc" = 1 ] && echo "$_vq_msg" | grep -qiE "$_vr_want" && return 0
	echo "# wanted exit 1 and /$_vr_want/, got exit $_vq_rc"
	return 1
}

# Clear errors for what cannot work, each leaving the device as it was:
# in the end it opens, nothing is pinned for it, its module holds no more
# references than before.  (Without vhost_mdev there is no *-vhost device
# to point QEMU at: creating one loads the module, or fails.)
case_vfioerrors() {
	vfio_qemu || return 1
	_ve_uuid=$(basename "$node")
	_ve_dev=$MDEV/$_ve_uuid
	_ve_pins=$(pins_held)
	_ve_ref=$(cat "/sys/module/$module/refcnt")
	_ve_pairs=$(cat "$_ve_dev/max_vq_pairs")
	_ve_rc=0
	vfio_refused "no device $MDEV/nonexistent" \
		-netdev "vhost-vfio,id=n0,sysfsdev=$MDEV/nonexistent" || _ve_rc=1
	vfio_refused "/sys/class/net/lo is not a mediated device" \
		-netdev vhost-vfio,id=n0,sysfsdev=/sys/class/net/lo || _ve_rc=1
	vfio_refused "either sysfsdev= or fd=" -netdev vhost-vfio,id=n0 || _ve_rc=1
	# fd= takes the container too; stdin (/dev/null) is no container,
	# nor is a second /dev/null, fd 3; one fd cannot be both.  The qtest
	# (case qtest) gives real VFIO fds, good and bad.
	vfio_refused "fd= needs containerfd=" -netdev vhost-vfio,id=n0,fd=3 ||
		_ve_rc=1
	vfio_refused "containerfd= goes with fd= only" \
		-netdev "vhost-vfio,id=n0,sysfsdev=$_ve_dev,containerfd=0" || _ve_rc=1
	vfio_refused "fd=0 and containerfd=0 are the same file descriptor" \
		-netdev vhost-vfio,id=n0,fd=0,containerfd=0 || _ve_rc=1
	exec 3</dev/null
	vfio_refused "fd 3 is not a VFIO container" \
		-netdev vhost-vfio,id=n0,fd=0,containerfd=3 || _ve_rc=1
	exec 3<&-
	vfio_refused "$_ve_dev is already attached" \
		-netdev "vhost-vfio,id=n0,sysfsdev=$_ve_dev" \
		-netdev "vhost-vfio,id=n1,sysfsdev=$_ve_dev" || _ve_rc=1
	# Not an error: the device's control queue no longer blocks a
	# migration (QEMU carries its settings through the kernel), so with
	# -only-migratable QEMU starts (vfiounmigratable: what still blocks).
	vfio_opens -only-migratable || {
		echo "# -only-migratable: QEMU did not start"
		_ve_rc=1
	}
	vfio_refused "queues=$((_ve_pairs + 1)) but the device has $_ve_pairs" \
		-netdev "vhost-vfio,id=n0,sysfsdev=$_ve_dev,queues=$((_ve_pairs + 1))" ||
		_ve_rc=1
	if echo "$mvnet_peer_uuid" >"$MVNET_TYPES/mvnet-virtio/create"; then
		vfio_refused "is of type mvnet-virtio, a virtio device" \
			-netdev "vhost-vfio,id=n0,sysfsdev=$MDEV/$mvnet_peer_uuid" ||
			_ve_rc=1
		echo 1 >"$MDEV/$mvnet_peer_uuid/remove" || _ve_rc=1
	else
		_ve_rc=1
	fi
	# Open through the character device: busy for VFIO.
	exec 9<>"/dev/vhost-mdev/$_ve_uuid"
	vfio_refused "$_ve_dev is in use" \
		-netdev "vhost-vfio,id=n0,sysfsdev=$_ve_dev" || _ve_rc=1
	exec 9>&-
	# Held by another QEMU: busy too.
	"$L2_QEMU" -S -nodefaults -no-user-config -display none -machine q35 \
		-accel tcg -m 64M -monitor none \
		-netdev "vhost-vfio,id=n0,sysfsdev=$_ve_dev" \
		-device virtio-net-pci,netdev=n0,romfile= </dev/null &
	_ve_first=$!
	# It holds the device once it has the group open.
	_ve_held=
	for _ in $(seq 100); do
		ls -l "/proc/$_ve_first/fd" 2>/dev/null | grep -q ' /dev/vfio/[0-9]' &&
			_ve_held=1 && break
		sleep 0.2
	done
	[ -n "$_ve_held" ] || { echo "# the first QEMU never opened the group"; _ve_rc=1; }
	vfio_refused "in use|busy" -netdev "vhost-vfio,id=n0,sysfsdev=$_ve_dev" ||
		_ve_rc=1
	kill "$_ve_first" || _ve_rc=1
	wait "$_ve_first"
	for _ in $(seq 20); do
		[ "$(pins_held)" = "$_ve_pins" ] && break
		sleep 0.5
	done
	echo "# pins $(pins_held) (before: $_ve_pins)," \
		"$module refcnt $(cat "/sys/module/$module/refcnt") (before: $_ve_ref)"
	[ "$_ve_rc" = 0 ] && [ "$(pins_held)" = "$_ve_pins" ] &&
		[ "$(cat "/sys/module/$module/refcnt")" = "$_ve_ref" ] &&
		vfio_opens
}

case_vfiokill() {
	vfio_qemu || return 1
	_vk_pins=$(pins_held)
	_vk_ref=$(cat "/sys/module/$module/refcnt")
	L2_BACKEND=vhost-vfio
	# Emptied here, not only by l2_boot in the background: the wait
	# below would find the last case's "l2: nic" line and go on too soon.
	: >"$L2_LOG"
	l2_boot "$node" neigh=self count=60 &
	_vk_bg=$!
	L2_BACKEND=vhost-vdpa
	# Kill it once the L2's driver has the device (DRIVER_OK, rings
	# running, pages pinned) and pings go round.
	for _ in $(seq "${L2_TIMEOUT:-900}"); do
		tr -d '\r' <"$L2_LOG" | grep -q '^l2: nic .*virtio_net' && break
		sleep 1
	done
	for _ in $(seq 60); do
		[ "$(pins_held)" -gt "$_vk_pins" ] && break
		sleep 1
	done
	sleep 1
	_vk_busy=$(pins_held)
	_vk_qemu=$(vfio_qemu_pid "$node")
	echo "# pins $_vk_busy while the L2 runs (before: $_vk_pins), qemu ${_vk_qemu:-not found}"
	[ -n "$_vk_qemu" ] && kill -9 $_vk_qemu
	wait "$_vk_bg"
	for _ in $(seq 20); do
		[ "$(pins_held)" = "$_vk_pins" ] && break
		sleep 0.5
	done
	_vk_after=$(pins_held)
	_vk_ref2=$(cat "/sys/module/$module/refcnt")
	echo "# after SIGKILL: pins $_vk_after, $module refcnt $_vk_ref2 (before: $_vk_ref)"
	[ -n "$_vk_qemu" ] && [ "$_vk_busy" -gt "$_vk_pins" ] &&
		[ "$_vk_after" = "$_vk_pins" ] && [ "$_vk_ref2" = "$_vk_ref" ] &&
		vfio_opens
}

# The vhost-vfio qtests of the series on the node's mdev, a loopback.
# qos-test registers them only when QTEST_VHOST_VFIO_SYSFSDEV is set (the
# migration test when QTEST_VHOST_VFIO_MIGRATION is): all seven must run
# and pass (a missing one is a failure, and so is a skip: the link test
# skips on a device without a link attribute).
# The qtest's migration: two more devices, provisioned alike (features,
# MAC), that log (software devices do on the VFIO fd) and have no control
# queue.
qtest_mig_uuids="7e3c1d40-5a2b-4f6e-9c1d-0000000000a5 7e3c1d40-5a2b-4f6e-9c1d-0000000000a6"

case_qtest() {
	vfio_qemu || return 1
	[ -x "$QOS_TEST" ] || { echo "# no qos-test at $QOS_TEST"; return 1; }
	_cq_rc=0
	_cq_mig=
	for _cq_u in $qtest_mig_uuids; do
		echo "$_cq_u" >"$MVNET_TYPES/mvnet-vhost/create" || _cq_rc=1
		_cq_f=$(cat "$MDEV/$_cq_u/device_features") &&
			printf '0x%016x\n' $((_cq_f & ~CTRL_VQ_FEATURES)) \
			>"$MDEV/$_cq_u/device_features" || _cq_rc=1
		[ -z "$_cq_mig" ] || cat "${_cq_mig%%,*}/mac" >"$MDEV/$_cq_u/mac" ||
			_cq_rc=1
		_cq_mig=${_cq_mig:+$_cq_mig,}$MDEV/$_cq_u
	done
	_cq_out=$(QTEST_QEMU_BINARY=$L2_QEMU \
		QTEST_VHOST_VFIO_SYSFSDEV=/sys/bus/mdev/devices/$(basename "$node") \
		QTEST_VHOST_VFIO_MIGRATION=$_cq_mig \
		timeout 300 "$QOS_TEST" --tap -m quick \
		-p /x86_64/pc/i440FX-pcihost/pci-bus-pc/pci-bus/virtio-net-pci/virtio-net/virtio-net-tests/vhost-vfio \
		-p /x86_64/pc/i440FX-pcihost/pci-bus-pc/pci-bus/virtio-net-pci/virtio-net-pci-tests/vhost-vfio \
		-p /x86_64/vhost-vfio 2>&1) || _cq_rc=1
	echo "$_cq_out" | grep -E '^(ok|not ok|Bail out|ERROR)|\*\*' | sed 's/^/# qtest: /'
	# A qos-test that timed out leaves its QEMUs, holding the devices:
	# a removal would wait for them.
	for _cq_u in $qtest_mig_uuids; do
		for _cq_p in /proc/[0-9]*; do
			tr '\0' ' ' <"$_cq_p/cmdline" 2>/dev/null |
				grep -q "sysfsdev=$MDEV/$_cq_u" &&
				kill -9 "${_cq_p#/proc/}" 2>/dev/null && sleep 1
		done
		[ ! -e "$MDEV/$_cq_u" ] || echo 1 >"$MDEV/$_cq_u/remove" || _cq_rc=1
	done
	[ "$_cq_rc" = 0 ] &&
		[ "$(echo "$_cq_out" | grep -c '^ok .*/vhost-vfio/')" = 7 ] &&
		echo "$_cq_out" | grep -q '^ok .*/vhost-vfio/migration$' &&
		! echo "$_cq_out" | grep -qE '^not ok|# SKIP'
}

# mvnet's per-queue counters of device $1 (debugfs): "packets" of QUEUE
# $2, or its column $3 (3 packets, 4 bytes, 5 drops, 6 errors).
mvnet_queue_packets() {
	# (the VM has no mountpoint(1))
	grep -q ' /sys/kernel/debug debugfs ' /proc/mounts ||
		mount -t debugfs none /sys/kernel/debug
	awk -v u="$1" -v q="$2" -v c="${3:-3}" '$1 == u && $2 == q { print $c }' \
		/sys/kernel/debug/mvnet/stats
}

case_vfiotcp() {
	vfio_qemu || return 1
	"${target}_peer_up" || { "${target}_peer_down"; return 1; }
	_ct_rc=0
	_ct_dir=$(mktemp -d)
	_ct_mib=${INTEROP_MIB:-8}
	dd if=/dev/urandom of="$_ct_dir/out" bs=1M count="$_ct_mib" 2>/dev/null
	_ct_args=
	if [ -n "$mq" ]; then
		_ct_pairs=$(cat "$MDEV/$(basename "$node")/max_vq_pairs")
		L2_NIC_OPTS="mq=on,vectors=$((2 * _ct_pairs + 2))"
		_ct_args="queues=$mq"
		# The peer too, or all it receives goes to its first queue.
		ip netns exec "$PEER_NS" ethtool -L "$_mp_if" combined "$mq" || _ct_rc=1
		_ct_rx1=$(mvnet_queue_packets "$mvnet_peer_uuid" rx1)
	fi
	# The guest's bytes into a file here; then ours to the guest, once it
	# listens (until then, connecting is refused or times out).  The
	# sink's stdin is a FIFO that stays empty and open: at the end of its
	# stdin nc half-closes the connection, and the guest's nc quits on
	# that, unsent bytes and all (a background job's stdin is /dev/null).
	mkfifo "$_ct_dir/hold"
	exec 7<>"$_ct_dir/hold"
	ip netns exec "$PEER_NS" busybox nc -l -p 5001 <"$_ct_dir/hold" \
		>"$_ct_dir/in" &
	_ct_sink=$!
	(
		for _ in $(seq 600); do
			ip netns exec "$PEER_NS" busybox nc -w 2 "$LOCAL_ADDR" 5002 \
				<"$_ct_dir/out" 2>/dev/null && exit 0
			sleep 1
		done
		exit 1
	) &
	_ct_src=$!
	# mvnet's link attribute, down and up again while the guest watches
	# its carrier: the device's config interrupts reach it through QEMU.
	_ct_link=
	if [ "$target" = mvnet ]; then
		_ct_args="$_ct_args link=1"
		: >"$L2_LOG"
		(
			l2_saw() {
				for _ in $(seq 1800); do
					grep -q "l2: $1" "$L2_LOG" && return 0
					sleep 0.5
				done
				return 1
			}
			l2_saw link-wait && echo down >"$MDEV/$(basename "$node")/link" &&
				l2_saw carrier-down && echo up >"$MDEV/$(basename "$node")/link"
		) &
		_ct_link=$!
	fi
	L2_BACKEND=vhost-vfio
	# shellcheck disable=SC2086 # a word each
	l2_run "addr=$LOCAL_ADDR/24" "ping=$PEER_ADDR" "mib=$_ct_mib" \
		"send=$PEER_ADDR:5001" recv=5002 $_ct_args || _ct_rc=1
	if [ -n "$_ct_link" ]; then
		kill "$_ct_link" 2>/dev/null
		wait "$_ct_link" 2>/dev/null
		echo up >"$MDEV/$(basename "$node")/link"
		[ "$(l2_report carrier-down) $(l2_report carrier-up)" = "1 1" ] ||
			_ct_rc=1
	fi
	L2_BACKEND=vhost-vdpa
	L2_NIC_OPTS=
	kill "$_ct_sink" "$_ct_src" 2>/dev/null
	wait "$_ct_sink" "$_ct_src" 2>/dev/null
	exec 7>&-
	_ct_in="$(wc -c <"$_ct_dir/in") $(md5sum <"$_ct_dir/in" | cut -d' ' -f1)"
	_ct_out="$(wc -c <"$_ct_dir/out") $(md5sum <"$_ct_dir/out" | cut -d' ' -f1)"
	rm -rf "$_ct_dir"
	peer_counters
	echo "# peer received $_ct_in (size, md5), sent $_ct_out"
	if [ -n "$mq" ]; then
		_ct_rx1=$(($(mvnet_queue_packets "$mvnet_peer_uuid" rx1) - ${_ct_rx1:-0}))
		echo "# peer's receive queue 1: $_ct_rx1 packets"
		{ [ "$(l2_report queues)" = "$mq" ] &&
			[ "$(l2_report q0)" -ge 3 ] &&
			[ "$(l2_report q1)" -ge 100 ] &&
			[ "$_ct_rx1" -ge 100 ]; } || _ct_rc=1
	fi
	"${target}_peer_down" || _ct_rc=1
	[ "$_ct_rc" = 0 ] && [ "$(l2_report transmitted)" = 3 ] &&
		[ "$(l2_report received)" = 3 ] &&
		[ "$(l2_report sbytes) $(l2_report smd5)" = "$_ct_in" ] &&
		[ "$(l2_report rbytes) $(l2_report rmd5)" = "$_ct_out" ] &&
		[ "$(l2_report sbytes)" = $((_ct_mib * 1048576)) ]
}

case_qemu() {
	l2_run neigh=self || return 1
	[ "$(l2_report transmitted)" = 3 ] &&
		[ "$(l2_report tx_packets)" -ge 3 ] &&
		[ "$(l2_report rx_packets)" = "$(l2_report tx_packets)" ] &&
		[ "$(l2_report rx_bytes)" = "$(l2_report tx_bytes)" ]
}

# The peer interface's counters, as a diagnostic.
peer_counters() {
	# shellcheck disable=SC2016 # for the namespace's shell
	ip netns exec "$PEER_NS" sh -c 'cd /sys/class/net && for i in *; do
		[ "$i" = lo ] || echo "# peer $i: rx_packets $(cat "$i/statistics/rx_packets")" \
			"tx_packets $(cat "$i/statistics/tx_packets")"; done'
}

case_ping() {
	"${target}_peer_up" || { "${target}_peer_down"; return 1; }
	_cp_rc=0
	l2_run "addr=$LOCAL_ADDR/24" "ping=$PEER_ADDR" || _cp_rc=1
	peer_counters
	"${target}_peer_down" || _cp_rc=1
	[ "$_cp_rc" = 0 ] && [ "$(l2_report transmitted)" = 3 ] &&
		[ "$(l2_report received)" = 3 ]
}

# VIRTIO_NET_F_CTRL_RX: QEMU 7.2's shadow virtqueue refuses a device
# offering it.
CTRL_RX_BIT=18
# VIRTIO_NET_F_CTRL_VQ and what needs it (CTRL_RX, MQ, CTRL_MAC_ADDR):
# left out of the devices a guest migrates between through the kernel's
# dirty log, since QEMU would not carry the control queue's settings.
CTRL_VQ_FEATURES=$(((1 << 17) | (1 << 18) | (1 << 22) | (1 << 23)))

# With the device's every feature, QEMU refuses x-svq=on at once, naming
# CTRL_RX.
svq_refused() {
	_sr_err=$(timeout 120 qemu-system-x86_64 -accel tcg -machine q35 \
		-nodefaults -no-user-config -display none -S \
		-netdev "vhost-vdpa,vhostdev=$node,id=n0,x-svq=on" \
		-device virtio-net-pci,netdev=n0,romfile= 2>&1)
	_sr_rc=$?
	echo "# every feature ($(cat "$MDEV/$(basename "$node")/device_features")): exit $_sr_rc: $_sr_err"
	[ "$_sr_rc" = 1 ] || return 1
	case $_sr_err in
	*"does not work with features 0x40000"*) return 0 ;;
	esac
	return 1
}

# with_features BITS CMD...: CMD with the node's device offering its
# features less BITS, and a migration's destination given the same
# (MIG_DST_FEATURES); the device's features are put back after.
with_features() {
	_wf_file=$MDEV/$(basename "$node")/device_features
	_wf_all=$(cat "$_wf_file") || return 1
	_wf_rc=0
	MIG_DST_FEATURES=$(printf '0x%016x' $((_wf_all & ~$1)))
	shift
	echo "$MIG_DST_FEATURES" >"$_wf_file" || return 1
	echo "# device_features $MIG_DST_FEATURES"
	"$@" || _wf_rc=1
	MIG_DST_FEATURES=
	echo "$_wf_all" >"$_wf_file" || _wf_rc=1
	return $_wf_rc
}

case_svqping() {
	_cs_rc=0
	svq_refused || _cs_rc=1
	L2_NETDEV_OPTS=x-svq=on
	with_features $((1 << CTRL_RX_BIT)) case_ping || _cs_rc=1
	L2_NETDEV_OPTS=
	return $_cs_rc
}

# --- live migration -----------------------------------------------------

mig_dst_uuid=7e3c1d40-5a2b-4f6e-9c1d-0000000000a3
mig_src_peer_uuid=$mvnet_peer_uuid
mig_dst_peer_uuid=7e3c1d40-5a2b-4f6e-9c1d-0000000000a4

# The wire of a migration: the source (the node's device) and a destination
# mvnet-vhost device, each linked to an mvnet-virtio device whose
# interfaces a bridge in PEER_NS joins, PEER_ADDR on the bridge.  The
# destination gets the source's MAC, as a migration's destination is
# provisioned.
# mig_wire_up, mig_wire_down: the wire MIG_WIRE names (default mvnet).
# Each sets _mw_a and _mw_b, the peer's interfaces that the source's and
# the destination's frames come in through, or leaves them empty where
# one interface takes both (QEMU's hub).
mig_wire_up() {
	"mig_${MIG_WIRE:-mvnet}_wire_up"
}

mig_wire_down() {
	"mig_${MIG_WIRE:-mvnet}_wire_down"
}

# The interfaces _mw_a and _mw_b, ports of one bridge in the peer's
# namespace, which has the peer's address.
mig_bridge() {
	ip netns add "$PEER_NS" &&
		ip link set "$_mw_a" netns "$PEER_NS" &&
		ip link set "$_mw_b" netns "$PEER_NS" &&
		ip -n "$PEER_NS" link add br0 type bridge &&
		ip -n "$PEER_NS" link set "$_mw_a" master br0 up &&
		ip -n "$PEER_NS" link set "$_mw_b" master br0 up &&
		ip -n "$PEER_NS" link set br0 up &&
		ip -n "$PEER_NS" addr add "$PEER_ADDR/24" dev br0
}

# Two mvnet devices, each linked to an mvnet-virtio device whose
# interface is a port of one bridge in the peer's namespace.
mig_mvnet_wire_up() {
	modprobe virtio_net && modprobe virtio_mdev && modprobe bridge &&
		echo "$mig_dst_uuid" >"$MVNET_TYPES/mvnet-vhost/create" &&
		cat "$MDEV/$mvnet_uuid/mac" >"$MDEV/$mig_dst_uuid/mac" &&
		{ [ -z "${MIG_DST_FEATURES:-}" ] || echo "$MIG_DST_FEATURES" \
			>"$MDEV/$mig_dst_uuid/device_features"; } &&
		echo "$mig_src_peer_uuid" >"$MVNET_TYPES/mvnet-virtio/create" &&
		echo "$mig_dst_peer_uuid" >"$MVNET_TYPES/mvnet-virtio/create" &&
		echo "$mig_src_peer_uuid" >"$MDEV/$mvnet_uuid/peer" &&
		echo "$mig_dst_peer_uuid" >"$MDEV/$mig_dst_uuid/peer" &&
		_mw_a=$(iface "$mig_src_peer_uuid") &&
		_mw_b=$(iface "$mig_dst_peer_uuid") &&
		wait_node "/dev/vhost-mdev/$mig_dst_uuid" >/dev/null &&
		mig_bridge
}

# The peer's namespace (its interfaces go back), then the mdevs named.
mig_remove() {
	_md_rc=0
	ip netns del "$PEER_NS" 2>/dev/null
	for _md_u in "$@"; do
		[ ! -e "$MDEV/$_md_u" ] || echo 1 >"$MDEV/$_md_u/remove" ||
			_md_rc=1
	done
	return $_md_rc
}

mig_mvnet_wire_down() {
	mig_remove "$mig_src_peer_uuid" "$mig_dst_peer_uuid" "$mig_dst_uuid"
}

# A function to a function: the source's (the vf target's) and the
# destination's, a vmdev_vf-vhost device on the third function, both
# relayed; the peer is the second function's interface, in the peer's
# namespace. QEMU's hub joins the three: one interface takes the frames
# of both devices.  The destination function keeps its own MAC (a
# function's MAC is its PF's to set): QEMU's hub floods, and its
# virtio-net-pci, without CTRL_RX, takes frames to any MAC; a real
# function must be given the guest's MAC before it takes over.
mig_relay_wire_up() {
	_mw_a= _mw_b=
	[ -n "$vf3" ] || { echo "# needs a third virtio-net-pci function"; return 1; }
	vf_bind "$vf3" && vf_create "$vf3" vhost "$mig_dst_uuid" &&
		echo 1 >"$MDEV/$mig_dst_uuid/relay" &&
		wait_node "/dev/vhost-mdev/$mig_dst_uuid" >/dev/null &&
		vf_peer_up
}

mig_relay_wire_down() {
	_rw_rc=0
	mig_remove "$mig_dst_uuid" || _rw_rc=1
	[ -z "$vf3" ] || vf_release "$vf3" || _rw_rc=1
	return $_rw_rc
}

# What the relay does not carry (vmdev_relay_features()), which a device
# that a relayed function's guest moves to or from must not offer either:
# CTRL_GUEST_OFFLOADS, the control queue and what needs it (17-23),
# packed rings, IN_ORDER, NOTIFICATION_DATA, ring reset, NOTF_COAL,
# HASH_REPORT, RSS.
RELAY_DROPS=$(((1 << 2) | (0x7f << 17) | (1 << 34) | (1 << 35) | (1 << 38) |
	(1 << 40) | (1 << 53) | (1 << 57) | (1 << 60)))

# An mvnet device (mig_dst_uuid) beside the relayed function $1 (an mdev
# UUID), on one wire: linked to an mvnet-virtio device whose interface and
# the second function's are ports of one bridge in the peer's namespace.
# Both devices get the function's MAC and the features both can offer.
mig_mixed_wire_up() {
	modprobe virtio_net && modprobe virtio_mdev && modprobe bridge &&
		echo "$mig_dst_uuid" >"$MVNET_TYPES/mvnet-vhost/create" &&
		cat "$MDEV/$1/mac" >"$MDEV/$mig_dst_uuid/mac" &&
		_mx_f=$(printf '0x%016x' $(($(cat "$MDEV/$mig_dst_uuid/device_features") &
			$(cat "$MDEV/$1/device_features") & ~RELAY_DROPS))) &&
		echo "$_mx_f" >"$MDEV/$1/device_features" &&
		echo "$_mx_f" >"$MDEV/$mig_dst_uuid/device_features" &&
		echo "# both devices' device_features $_mx_f" &&
		echo "$mig_dst_peer_uuid" >"$MVNET_TYPES/mvnet-virtio/create" &&
		echo "$mig_dst_peer_uuid" >"$MDEV/$mig_dst_uuid/peer" &&
		_mw_a=$(vf_iface "$vf2") &&
		_mw_b=$(iface "$mig_dst_peer_uuid") &&
		wait_node "/dev/vhost-mdev/$mig_dst_uuid" >/dev/null &&
		mig_bridge
}

mig_mixed_wire_down() {
	mig_remove "$mig_dst_peer_uuid" "$mig_dst_uuid"
}

# The function (the vf target's device) to the mvnet device.
mig_tomvnet_wire_up() {
	mig_mixed_wire_up "$vf_uuid"
}

mig_tomvnet_wire_down() {
	mig_mixed_wire_down
}

# The mvnet device to the function: mig_run's source is $node, its
# destination mig_dst_uuid, so the two swap for this wire.
mig_fromvnet_wire_up() {
	mig_mixed_wire_up "$vf_uuid" || return 1
	_mx_node=$node _mx_dst=$mig_dst_uuid
	node=/dev/vhost-mdev/$mig_dst_uuid
	mig_dst_uuid=$vf_uuid
	# The source's frames come in through the mvnet peer now.
	_mx_a=$_mw_a
	_mw_a=$_mw_b
	_mw_b=$_mx_a
}

mig_fromvnet_wire_down() {
	if [ -n "${_mx_node:-}" ]; then
		node=$_mx_node mig_dst_uuid=$_mx_dst
		_mx_node= _mx_dst=
	fi
	mig_mixed_wire_down
}

# mig_saw FILE TEXT: TEXT appears in FILE within L2_TIMEOUT seconds.
mig_saw() {
	for _ in $(seq $((2 * ${L2_TIMEOUT:-900}))); do
		tr -d '\r' <"$1" 2>/dev/null | grep -q "$2" && return 0
		sleep 0.5
	done
	return 1
}

# The value after "$2: " in the last "info migrate" of monitor log $1.
mig_info() {
	tr -d '\r' <"$1" | sed -n "s/^$2: \([0-9a-z]*\).*/\1/p" | tail -n1
}

# Whether the guest's transfer has begun: MIG_SINK has MIG_SINK_BYTES
# (within L2_TIMEOUT seconds; without MIG_SINK, 2 s after "migrate-ready").
mig_started() {
	if [ -z "${MIG_SINK:-}" ]; then
		sleep 2
		return 0
	fi
	for _ in $(seq $((2 * ${L2_TIMEOUT:-900}))); do
		[ "$(wc -c <"$MIG_SINK")" -ge "$MIG_SINK_BYTES" ] && return 0
		sleep 0.5
	done
	echo "# the transfer never began"
	return 1
}

# mig_first_report LOG WHO: the nested guest's first kernel report in
# console LOG (WHO's), with what follows it: the tail of a log shows the
# panic, not what led to it.
mig_first_report() {
	tr -d '\r' <"$1" | awk -v who="$2" '
		!p && /BUG: |WARNING: |corruption|general protection|Oops|Kernel panic/ {
			p = 1; print "# first report on the " who ":" }
		p && n++ < 60 { print "#   " $0 }'
}

# mig_memcmp DIR: the nested guest's RAM on the source (its monitor on
# fd 8) and on the destination (fd 9), both paused, compared byte for byte
# as their pmemsave commands write it into two FIFOs in DIR.  Prints the
# first differing bytes (guest-physical address, source's and
# destination's values) and how many pages differ; true when none does
# and all of it was compared (wc counts the destination's bytes; cmp
# fails if the source's are fewer or more).
mig_memcmp() {
	mkfifo "$1/src.ram" "$1/dst.ram" "$1/count"
	wc -c <"$1/count" >"$1/bytes" &
	_mm_wc=$!
	{ tee "$1/count" <"$1/dst.ram" |
		timeout 600 cmp -l "$1/src.ram" - 2>&1; echo "cmp exit $?"; } |
		awk '
		BEGIN { last = -1 }
		function oct(s,  v, i) { v = 0
			for (i = 1; i <= length(s); i++) v = v * 8 + substr(s, i, 1)
			return v }
		$1 ~ /^[0-9]+$/ { p = int(($1 - 1) / 4096)
			if (p != last) { n++; last = p }
			if (++b <= 32)
				printf "# RAM differs at %#x: source 0x%02x, destination 0x%02x\n",
					$1 - 1, oct($2), oct($3)
			next }
		{ print "# " $0 }
		END { print "# pages that differ: " n + 0 }' >"$1/cmp.out" &
	_mm_cmp=$!
	# Should a QEMU never open its FIFO, open it for it: the readers
	# then see an empty file (and the count is short) instead of waiting.
	# Killed when done, its sleep with it, and holding none of our fds
	# (the VM's output would wait for it).
	# shellcheck disable=SC2016 # the inner shell's $1
	( trap 'kill $! 2>/dev/null; exit 0' TERM
	  sleep 300 &
	  wait $!
	  for _mm_f in src.ram dst.ram; do
		timeout 5 sh -c ': >"$1"' sh "$1/$_mm_f"
	  done ) </dev/null >/dev/null 2>&1 8>&- 9>&- &
	_mm_dog=$!
	# Quoted: unquoted, HMP would read the path's slashes as divisions.
	echo "pmemsave 0 $((L2_KIB << 10)) \"$1/src.ram\"" >&8
	echo "pmemsave 0 $((L2_KIB << 10)) \"$1/dst.ram\"" >&9
	wait "$_mm_cmp"
	wait "$_mm_wc"
	kill "$_mm_dog" 2>/dev/null
	_mm_bytes=$(tr -d ' ' <"$1/bytes")
	cat "$1/cmp.out"
	echo "# RAM compared: ${_mm_bytes:-?} bytes"
	[ "$_mm_bytes" = $((L2_KIB << 10)) ] &&
		grep -qx '# pages that differ: 0' "$1/cmp.out" &&
		grep -qx '# cmp exit 0' "$1/cmp.out"
}

# mig_dst_status TRIES REGEX: within TRIES half-seconds, mig_run's
# destination monitor (fd 9, dmon.log) answers "info status" with a
# status matching REGEX.
mig_dst_status() {
	for _ in $(seq "$1"); do
		echo "info status" >&9
		sleep 0.5
		tr -d '\r' <"$_mr_dir/dmon.log" | grep -q "^VM status: $2" &&
			return 0
	done
	return 1
}

# mig_run ARG...: the nested guest boots on the node with the l2-init
# ARGs and is migrated, while its long ping and TCP transfer run, to a
# QEMU waiting on the destination device's node; the two QEMUs' consoles
# together become L2_LOG.  The migration starts once mig_started says so.
# Sets mig_status, mig_total and mig_downtime
# (ms, as QEMU measures them: "info migrate").  Each QEMU has a monitor
# on a pair of FIFOs (-chardev pipe).  With MIG_MEMCMP=1 the destination
# stays paused once the guest is in (-S, as libvirt starts it) until the
# guest's RAM on both sides has been compared (mig_memcmp), and then runs:
# any difference (a page the source's device wrote and the log missed is
# one) fails the case, whether or not the guest would have noticed.  With
# MIG_AFTER=FN, FN runs once the destination is told to run the guest,
# and its failure fails the case too; MIG_L2_ARGS adds l2-init arguments.
mig_run() {
	# 8 KiB short of 256 MiB, on both sides.  QEMU 7.2 under TCG (both
	# QEMUs here run the nested guest so) loses guest writes when it
	# migrates a RAM block that is a whole number of 64-page bitmap
	# words: its dirty-bitmap sync then takes a fast path that clears the
	# pages' bits without making the vCPU's TLB trap the next write to
	# them, so a page written through a TLB entry that survives the sync
	# is never sent again.  The nested kernel's own data (struct pages,
	# behind global mappings) was such a page: mig_memcmp found it stale
	# on the destination, and the guest then died there on a corrupted
	# free list.  A block of any other length is synced page by page,
	# which resets the TLB; later QEMUs reset it on the fast path too.
	# KVM, which a real host uses, tracks writes in the page tables.
	_mr_kib=$L2_KIB
	L2_KIB=262136
	_mr_dir=$(mktemp -d)
	mig_status=
	mig_total=
	mig_downtime=
	_mr_readers=
	_mr_mem=0
	_mr_after=0
	for _mr_m in smon dmon; do
		mkfifo "$_mr_dir/$_mr_m.in" "$_mr_dir/$_mr_m.out"
		cat "$_mr_dir/$_mr_m.out" >"$_mr_dir/$_mr_m.log" &
		_mr_readers="$_mr_readers $!"
	done
	_mr_paused=
	[ "${MIG_MEMCMP:-${INTEROP_MIG_MEMCMP:-}}" != 1 ] || _mr_paused=-S
	(
		L2_LOG=$_mr_dir/dst.log
		L2_QEMU_ARGS="$_mr_paused -chardev pipe,id=mon,path=$_mr_dir/dmon -mon chardev=mon,mode=readline -incoming unix:$_mr_dir/mig"
		l2_boot "/dev/vhost-mdev/$mig_dst_uuid" "$@"
	) &
	_mr_dst=$!
	(
		L2_LOG=$_mr_dir/src.log
		L2_QEMU_ARGS="-chardev pipe,id=mon,path=$_mr_dir/smon -mon chardev=mon,mode=readline"
		l2_boot "$node" "$@"
	) &
	_mr_src=$!
	# Read-write: opening them does not wait for a QEMU that never
	# started, and a write after its QEMU exited does not kill us (SIGPIPE).
	exec 8<>"$_mr_dir/smon.in"
	exec 9<>"$_mr_dir/dmon.in"
	if mig_saw "$_mr_dir/src.log" "l2: migrate-ready" &&
	   wait_for 60 test -S "$_mr_dir/mig" &&
	   mig_started; then
		echo "migrate_set_parameter max-bandwidth 1G" >&8
		echo "migrate -d unix:$_mr_dir/mig" >&8
		for _ in $(seq 600); do
			sleep 1
			echo "info migrate" >&8
			sleep 0.5
			mig_status=$(mig_info "$_mr_dir/smon.log" "Migration status")
			case $mig_status in completed | failed | cancelled) break ;; esac
		done
		mig_total=$(mig_info "$_mr_dir/smon.log" "total time")
		mig_downtime=$(mig_info "$_mr_dir/smon.log" "downtime")
		if [ "$mig_status" = completed ] && [ -n "$_mr_paused" ]; then
			# Plain "paused" once the guest's state is all in
			# ("paused (inmigrate)" while it is still loading).
			if mig_dst_status 120 'paused *$'; then
				mig_memcmp "$_mr_dir" || _mr_mem=1
				# Either way: what the guest makes of it is news too.
				echo cont >&9
			else
				_mr_mem=1
				echo "# the destination never paused with the guest in"
				echo quit >&9
			fi
		fi
		# What only the running destination shows (MIG_AFTER).
		if [ "$mig_status" = completed ] && [ -n "${MIG_AFTER:-}" ] &&
		   [ "$_mr_mem" = 0 ]; then
			"$MIG_AFTER" || _mr_after=1
		fi
	else
		echo "# the guest never got ready to migrate"
	fi
	echo quit >&8
	exec 8>&-
	wait "$_mr_src"
	_mr_src_rc=$?
	[ "$mig_status" = completed ] || echo quit >&9
	wait "$_mr_dst"
	_mr_dst_rc=$?
	exec 9>&-
	echo "# migration $mig_status: total time ${mig_total:-?} ms, downtime ${mig_downtime:-?} ms; source qemu exit $_mr_src_rc, destination $_mr_dst_rc"
	cat "$_mr_dir/src.log" "$_mr_dir/dst.log" >"$L2_LOG"
	tr -d '\r' <"$L2_LOG" | grep '^l2: ' | sed 's/^/# /'
	[ "$mig_status" = completed ] && [ "$_mr_dst_rc" = 0 ] &&
		tr -d '\r' <"$_mr_dir/dst.log" | grep -q '^l2: done' ||
		{ tail -n 40 "$_mr_dir/smon.log" "$_mr_dir/dmon.log" \
			"$_mr_dir/dst.log" | sed 's/^/# /'
		  mig_first_report "$_mr_dir/src.log" source
		  mig_first_report "$_mr_dir/dst.log" destination; }
	# shellcheck disable=SC2086 # a PID a word
	kill $_mr_readers 2>/dev/null
	rm -rf "$_mr_dir"
	L2_KIB=$_mr_kib
	[ "$mig_status" = completed ] && [ "$_mr_dst_rc" = 0 ] &&
		[ "$_mr_mem" = 0 ] && [ "$_mr_after" = 0 ] &&
		[ "$(l2_report driver)" = virtio_net ]
}

# A migration between two mvnet devices on one wire while the guest pings
# the peer and sends it MIB random bytes over TCP: the transfer arrives
# whole and the pings resume on the destination.  $1: backend options.
migrate_case() {
	L2_NETDEV_OPTS=$1
	_mc_rc=0
	_mc_dir=$(mktemp -d)
	_mc_mib=${INTEROP_MIG_MIB:-16}
	mig_wire_up || { echo "# no wire"; mig_wire_down; rm -rf "$_mc_dir"; return 1; }
	mkfifo "$_mc_dir/hold"
	exec 7<>"$_mc_dir/hold"
	ip netns exec "$PEER_NS" busybox nc -l -p 5001 <"$_mc_dir/hold" \
		>"$_mc_dir/in" &
	_mc_sink=$!
	# Migrated once the peer has a MiB: the transfer spans the switch.
	MIG_SINK=$_mc_dir/in MIG_SINK_BYTES=1048576
	# shellcheck disable=SC2086 # MIG_L2_ARGS: words
	mig_run "addr=$LOCAL_ADDR/24" "ping=$PEER_ADDR" "mib=$_mc_mib" \
		"send=$PEER_ADDR:5001" migrate=20 ${MIG_L2_ARGS:-} || _mc_rc=1
	MIG_SINK=
	# What reached the peer through each device, where the wire tells
	# them apart (a hub does not: it passes both to one interface).
	if [ -n "$_mw_a" ]; then
		_mc_src_rx=$(ip netns exec "$PEER_NS" cat "/sys/class/net/$_mw_a/statistics/rx_packets")
		_mc_dst_rx=$(ip netns exec "$PEER_NS" cat "/sys/class/net/$_mw_b/statistics/rx_packets")
		echo "# frames from the guest: $_mc_src_rx through the source device, $_mc_dst_rx through the destination"
	else
		echo "# frames from the guest: one interface behind QEMU's hub takes both devices'"
	fi
	L2_NETDEV_OPTS=
	kill "$_mc_sink" 2>/dev/null
	wait "$_mc_sink" 2>/dev/null
	exec 7>&-
	_mc_in="$(wc -c <"$_mc_dir/in") $(md5sum <"$_mc_dir/in" | cut -d' ' -f1)"
	echo "# peer received $_mc_in (size, md5)"
	rm -rf "$_mc_dir"
	peer_counters
	mig_wire_down || _mc_rc=1
	_mc_ping=$(tr -d '\r' <"$L2_LOG" | sed -n 's/^l2: ping transmitted \([0-9]*\) received \([0-9]*\)$/\1 \2/p')
	# shellcheck disable=SC2046 # its three numbers
	set -- $(tr -d '\r' <"$L2_LOG" | sed -n 's/^l2: mping transmitted \([0-9]*\) received \([0-9]*\) last \([0-9]*\)$/\1 \2 \3/p')
	echo "# long ping: transmitted ${1:-?} received ${2:-?}, last reply seq ${3:-?}"
	[ "$_mc_rc" = 0 ] && [ "$_mc_ping" = "3 3" ] && [ $# = 3 ] &&
		{ [ -z "$_mw_a" ] || { [ "${_mc_src_rx:-0}" -ge 100 ] &&
			[ "${_mc_dst_rx:-0}" -ge 100 ]; }; } &&
		[ "$2" -ge $(($1 - 6)) ] && [ "$3" -ge $(($1 - 3)) ] &&
		[ "$(l2_report sbytes) $(l2_report smd5)" = "$_mc_in" ] &&
		[ "$(l2_report sbytes)" = $((_mc_mib * 1048576)) ]
}

# Through QEMU 7.2's shadow virtqueue (Debian's QEMU, unmodified): both
# devices without CTRL_RX, which it does not handle; with it, QEMU refuses
# (as in case_svqping).
case_svqmigrate() {
	_sm_rc=0
	svq_refused || _sm_rc=1
	with_features $((1 << CTRL_RX_BIT)) migrate_case x-svq=on || _sm_rc=1
	return $_sm_rc
}

# with_log_trace CMD...: CMD, with ftrace counting the kernel's dirty log
# calls meanwhile: it fails unless CMD succeeds and the log was set
# (VHOST_SET_LOG_BASE) and written.
with_log_trace() {
	_wl_rc=0
	_wl_t=/sys/kernel/tracing
	[ -e "$_wl_t/trace" ] || mount -t tracefs nodev "$_wl_t" || return 1
	_wl_on=$(cat "$_wl_t/tracing_on")
	echo 0 >"$_wl_t/tracing_on"
	printf '%s\n' vhost_mdev_log_set_base vhost_mdev_log_write \
		>"$_wl_t/set_ftrace_filter" || return 1
	echo function >"$_wl_t/current_tracer"
	: >"$_wl_t/trace"
	echo 1 >"$_wl_t/tracing_on"
	"$@" || _wl_rc=1
	echo 0 >"$_wl_t/tracing_on"
	_wl_base=$(grep -c 'vhost_mdev_log_set_base' "$_wl_t/trace")
	_wl_writes=$(grep -c 'vhost_mdev_log_write' "$_wl_t/trace")
	echo "# kernel log: $_wl_base VHOST_SET_LOG_BASE, $_wl_writes logged writes (at least; the trace buffer may have wrapped)"
	echo nop >"$_wl_t/current_tracer"
	: >"$_wl_t/set_ftrace_filter"
	echo "$_wl_on" >"$_wl_t/tracing_on"
	[ "$_wl_rc" = 0 ] && [ "$_wl_base" -ge 1 ] && [ "$_wl_writes" -ge 1 ]
}

# With the kernel's dirty log: Debian's QEMU 7.2, -netdev vhost-vdpa
# without x-svq, on character devices that offer VHOST_F_LOG_ALL
# (vhost_mdev's cdev_dirty_log): QEMU then neither blocks the migration
# nor relays the rings, it gives the device its log (VHOST_SET_LOG_BASE)
# and reads it.  No control queue (nor what needs it): QEMU 7.2 reads the
# queue pairs' state before it stops a device that has one, and does not
# restore its settings on the destination.
case_logmigrate() {
	_lm_rc=0
	_lm_param=/sys/module/vhost_mdev/parameters/cdev_dirty_log
	echo 1 >"$_lm_param" || return 1
	with_log_trace with_features "$CTRL_VQ_FEATURES" migrate_case "" ||
		_lm_rc=1
	echo 0 >"$_lm_param" || _lm_rc=1
	return $_lm_rc
}

# The same migration over vhost-vfio (the series' QEMU): the VFIO device
# fd of a software device always offers VHOST_F_LOG_ALL, and the series
# lets the guest migrate through vhost's log with the device's every
# feature, its control queue included: QEMU reads what the guest set there
# (VHOST_MDEV_GET_NET_STATE) when the source stops, and gives it to the
# destination before DRIVER_OK (the qtest case checks those settings
# across a stop and a start).
case_vfiomigrate() {
	vfio_qemu || return 1
	L2_BACKEND=vhost-vfio
	_vm_rc=0
	MIG_MEMCMP=1 MIG_AFTER=mig_filter_kept MIG_L2_ARGS=hold=$FK_PORT
	with_log_trace migrate_case "" || _vm_rc=1
	MIG_MEMCMP= MIG_AFTER= MIG_L2_ARGS=
	L2_BACKEND=vhost-vdpa
	return $_vm_rc
}

# The guest's receive filter holds on the destination device: the L2's
# virtio_net turned promiscuous mode off through the control queue of the
# source, and frames to a MAC it never asked for are dropped by the
# destination (its receive queue's drops).  A destination left with a
# reset filter, promiscuous, would take them.  The peer sends them by
# pinging an address whose neighbour entry is that MAC; the bridge floods
# them to both devices' wires.  The guest waits at its end (l2-init's
# hold) until released here, so the device runs throughout.  Runs inside
# mig_run, with its destination monitor (fd 9, dmon.log).
FK_PORT=5003

# Whether mig_run's destination QEMU (the one on its dmon monitor) runs.
# (dm[o]n: not the grep's own command line.)
mig_dst_alive() {
	pid_matching "path=$_mr_dir/dm[o]n" >/dev/null
}

mig_filter_kept() {
	_fk_rc=0
	_fk_addr=${PEER_ADDR%.*}.99
	# Running: the device was given the guest's settings, and DRIVER_OK.
	mig_dst_status 60 running ||
		{ echo "# the destination never ran"; _fk_rc=1; }
	_fk_drops=$(mvnet_queue_packets "$mig_dst_uuid" rx0 5)
	ip -n "$PEER_NS" neigh replace "$_fk_addr" lladdr 02:00:00:00:00:99 \
		dev br0 nud permanent || _fk_rc=1
	ip netns exec "$PEER_NS" busybox ping -c 4 -W 1 "$_fk_addr" >/dev/null
	ip -n "$PEER_NS" neigh del "$_fk_addr" dev br0
	_fk_drops=$(($(mvnet_queue_packets "$mig_dst_uuid" rx0 5) - ${_fk_drops:-0}))
	echo "# destination's filter: $_fk_drops of 4 frames to a foreign MAC dropped"
	# It listens once its transfers and pings are done ("l2: counters"),
	# however long they take (INTEROP_MIG_MIB); unless its QEMU is gone.
	for _ in $(seq "${L2_TIMEOUT:-900}"); do
		tr -d '\r' <"$_mr_dir/dst.log" | grep -q '^l2: counters' && break
		mig_dst_alive || break
		sleep 1
	done
	_fk_rel=
	for _ in $(seq 20); do
		mig_dst_alive || break
		timeout 10 ip netns exec "$PEER_NS" busybox nc -w 2 "$LOCAL_ADDR" \
			"$FK_PORT" </dev/null 2>/dev/null && { _fk_rel=1; break; }
		sleep 0.5
	done
	[ -n "$_fk_rel" ] || { echo "# the guest was never released"; _fk_rc=1; }
	[ "$_fk_rc" = 0 ] && [ "$_fk_drops" -ge 4 ]
}

# A function's DMA is not logged: its VFIO device fd offers no
# VHOST_F_LOG_ALL, and QEMU blocks the guest's migration, saying why.
case_vfiounmigratable() {
	vfio_qemu || return 1
	vfio_refused "cannot be migrated: it does not log its writes" \
		-only-migratable -netdev "vhost-vfio,id=n0,sysfsdev=$MDEV/$(basename "$node")"
}

# The relay (vmdev_vf's devices with their "relay" attribute on): both
# ends offer the dirty log on their character devices (the relay's only
# front end), and Debian's QEMU migrates the guest through it as in
# logmigrate, comparing its RAM at the switch as vfiomigrate does.  The
# function's features are the relay's already (no control queue).
relay_migrate() {
	_rm_param=/sys/module/vhost_mdev/parameters/cdev_dirty_log
	_rm_rc=0
	echo 1 >"$_rm_param" || return 1
	echo 1 >"$MDEV/$vf_uuid/relay" || { echo 0 >"$_rm_param"; return 1; }
	MIG_MEMCMP=1 MIG_WIRE=$1
	with_log_trace migrate_case "" || _rm_rc=1
	MIG_MEMCMP= MIG_WIRE=
	echo 0 >"$MDEV/$vf_uuid/relay" || _rm_rc=1
	echo 0 >"$_rm_param" || _rm_rc=1
	return $_rm_rc
}

case_relaymigrate() {
	relay_migrate relay
}

# Across vendors' devices, as the design promises: the guest only sees
# virtio.  The function's device_features are put back after.
case_crossmigrate() {
	_cm_rc=0
	_cm_f=$(cat "$MDEV/$vf_uuid/device_features") || return 1
	relay_migrate tomvnet || _cm_rc=1
	relay_migrate fromvnet || _cm_rc=1
	echo "$_cm_f" >"$MDEV/$vf_uuid/device_features" || _cm_rc=1
	return $_cm_rc
}

case_icmpecho() {
	"${target}_peer_up" || { "${target}_peer_down"; return 1; }
	_ci_rc=0
	if start_testpmd "$1"; then
		testpmd_cmd "set fwd icmpecho" >/dev/null &&
			testpmd_cmd "start" >/dev/null || _ci_rc=1
		_ci_ping=$(ip netns exec "$PEER_NS" ping -c 3 -W 5 "$LOCAL_ADDR" 2>&1 |
			sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) packets received.*/\1 \2/p')
		testpmd_cmd "stop" >/dev/null || _ci_rc=1
		stats=$(testpmd_stats)
		quit_testpmd || _ci_rc=1
	else
		_ci_rc=1
	fi
	echo "# ping $LOCAL_ADDR from the peer: ${_ci_ping:-failed}" \
		"(transmitted, received); testpmd: ${stats:-}"
	peer_counters
	"${target}_peer_down" || _ci_rc=1
	[ "$_ci_rc" = 0 ] && [ "$_ci_ping" = "3 3" ] &&
		[ "$(st rx_packets)" -ge 4 ] && [ "$(st tx_packets)" -ge 4 ] &&
		no_errors
}

# --- one target: a KTAP program -----------------------------------------

# The case groups to run: those of the target that INTEROP_CASES names.
selected() {
	for _s_c in $cases; do
		case " $CASES " in *" $_s_c "*) echo "$_s_c" ;; esac
	done
}

plan() {
	_p=2
	for c in $(selected); do
		case $c in
		dpdk) _p=$((_p + 5)) ;;
		*) _p=$((_p + 1)) ;;
		esac
	done
	echo "$_p"
}

run_target() {
	target=$1
	echo "TAP version 13"
	ring=256
	"${target}_traits"
	RING=$ring
	TESTPMD_RING=$ring
	export TESTPMD_RING
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
	for c in $(selected); do
		case $c in
		dpdk) dpdk_cases "$node" ;;
		killed) result "$target: testpmd killed" case_killed "$node" ;;
		qemu) result "$target: qemu L2" case_qemu ;;
		ping) result "$target: qemu L2 ping" case_ping ;;
		svqping) result "$target: qemu L2 ping, x-svq=on" case_svqping ;;
		svqmigrate) result "$target: qemu L2 migrated, x-svq=on" \
			case_svqmigrate ;;
		logmigrate) result "$target: qemu L2 migrated, kernel dirty log" \
			case_logmigrate ;;
		vfiomigrate) result "$target: qemu L2 migrated over vhost-vfio, kernel dirty log" \
			case_vfiomigrate ;;
		vfiounmigratable) result "$target: vhost-vfio migration blocked, no dirty log" \
			case_vfiounmigratable ;;
		relaymigrate) result "$target: qemu L2 migrated through the relay, kernel dirty log, function to function" \
			case_relaymigrate ;;
		crossmigrate) result "$target: qemu L2 migrated through the relay, kernel dirty log, function to mvnet and back" \
			case_crossmigrate ;;
		vfio) result "$target: qemu L2 over vhost-vfio" over_vfio case_qemu ;;
		vfioping) result "$target: qemu L2 ping over vhost-vfio" \
			over_vfio case_ping ;;
		vfiokill) result "$target: qemu over vhost-vfio killed" \
			case_vfiokill ;;
		qtest) result "$target: vhost-vfio qtest" case_qtest ;;
		vfioerrors) result "$target: vhost-vfio errors" case_vfioerrors ;;
		vfiofd) result "$target: qemu L2 ping over vhost-vfio fds" \
			case_vfiofd ;;
		vfiotcp) result "$target: qemu L2 TCP over vhost-vfio" \
			case_vfiotcp ;;
		icmpecho) result "$target: testpmd icmpecho" case_icmpecho "$node" ;;
		esac
	done
	result "$target: teardown" "${target}_down"
	ktap_totals
}

# make check-interop puts these beside this directory: ok, not_ok,
# ktap_totals; iface, into_netns (MDEV); vf_functions, vf_bind,
# vf_release, vf_create, vf_netns (DRV).
. "$HERE/../ktap.sh"
. "$HERE/../virtio_mdev.sh"
. "$HERE/../vmdev_vf.sh"
MVNET_TYPES=/sys/class/mdev_bus/mvnet/mdev_supported_types
for t in $TARGETS; do
	echo "### test interop/$t"
	(run_target "$t")
	echo "### end interop/$t exit $?"
done
