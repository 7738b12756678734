#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# virtio_mdev lifetime: removing a device while its interface carries a TCP
# stream removes the interface cleanly; virtio_mdev and mvnet unload with
# live interfaces, load again, and devices work after that. KTAP output.

A=5a0f3e2c-0b1d-4c2e-9d7a-000000000c01
B=5a0f3e2c-0b1d-4c2e-9d7a-000000000c02
NSA=vmdev_la
NSB=vmdev_lb
. ../ktap.sh
. ./virtio_mdev.sh

# A linked pair in two namespaces, addressed; the interface names in ifa/ifb.
pair_up() {
	linked_pair "$A" "$B" && ifa=$(iface "$A") && ifb=$(iface "$B") &&
	into_netns $NSA "$ifa" 10.99.1.1/24 && into_netns $NSB "$ifb" 10.99.1.2/24
}

splats() {
	dmesg | grep -cE 'BUG|WARNING|Call Trace|lockdep'
}

cleanup() {
	kill ${tx:-} ${rx:-} 2>/dev/null
	rm -f /tmp/virtio_mdev.hold
	ip netns del $NSA 2>/dev/null
	ip netns del $NSB 2>/dev/null
	for u in $A $B; do
		[ -e "$MDEV/$u" ] && echo 1 > "$MDEV/$u/remove"
	done
	modprobe mvnet 2>/dev/null
	modprobe virtio_mdev 2>/dev/null
	virtio_mdev_done
}
trap cleanup EXIT

virtio_mdev_start 9
base=$(splats)

pair_up
check "a linked pair carries ping" ip netns exec $NSA ping -c 2 -W 5 10.99.1.2

# A stream that outlives the device. Both ends are the nc processes
# themselves (ip netns exec execs), so they can be killed by pid, and
# nothing of theirs holds this script's output open.
mkfifo /tmp/virtio_mdev.hold
exec 3<>/tmp/virtio_mdev.hold
ip netns exec $NSB nc -l -p 5003 < /tmp/virtio_mdev.hold >/dev/null 2>&1 &
rx=$!
sleep 1
ip netns exec $NSA nc 10.99.1.2 5003 < /dev/zero >/dev/null 2>&1 &
tx=$!
# sent_1000 UUID: device $1 has sent over 1000 packets.
sent_1000() {
	grep "^$1 tx" "$STATS" | awk '$3 > 1000 { f = 1 } END { exit !f }'
}

# streaming: device $1 has sent over 1000 packets, within 60 s.
streaming() {
	wait_for 60 sent_1000 "$1" && return 0
	grep "^$1 tx" "$STATS"
	return 1
}
check "the stream is running" streaming $A
echo 1 > "$MDEV/$A/remove"
check "removing the device during the stream removes the interface" \
	sh -c "! ip -n $NSA link show $ifa 2>/dev/null && [ ! -e $MDEV/$A ]"
check "the peer's interface stays" ip -n $NSB link show "$ifb"
kill $tx $rx 2>/dev/null
exec 3>&-
rm -f /tmp/virtio_mdev.hold
ip netns del $NSA
ip netns del $NSB

check "virtio_mdev unloads with a live interface" rmmod virtio_mdev
check "mvnet unloads with its devices" rmmod mvnet
check "both load again" sh -c "modprobe mvnet && modprobe virtio_mdev"
pair_up
check "a new pair carries ping" ip netns exec $NSA ping -c 2 -W 5 10.99.1.2
[ "$(splats)" -eq "$base" ] && ok "no kernel warning" || not_ok "no kernel warning"

ktap_totals
