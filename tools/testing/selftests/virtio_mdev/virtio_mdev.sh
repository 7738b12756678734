# SPDX-License-Identifier: GPL-2.0-only
#
# What the virtio_mdev shell tests share, sourced (not run) after
# ../ktap.sh: where mvnet-virtio devices appear, and how to find the
# network interface virtio_net gives one.

MDEV=/sys/bus/mdev/devices
TYPE=/sys/class/mdev_bus/mvnet/mdev_supported_types/mvnet-virtio
VNET=/sys/bus/virtio/drivers/virtio_net
STATS=/sys/kernel/debug/mvnet/stats

# The interface under sysfs directory $1, if there is one now.
iface_under() {
	for d in "$1"/virtio*/net/*; do
		[ -e "$d" ] && { basename "$d"; return 0; }
	done
	return 1
}

# The interface of device $1. Without udev, sysfs can lag a little behind
# virtio_net's probe: poll for up to 30 s (the debug kernel is slow).
iface() {
	wait_for 30 iface_under "$MDEV/$1"
}

# The virtio device (virtioN) of device $1.
virtio_of() {
	basename "$(ls -d "$MDEV/$1"/virtio* 2>/dev/null | head -n 1)"
}

# The KTAP header and plan $1, once virtio_net and virtio_mdev are loaded
# and the type exists; else a skip, and the test exits. virtio_net is
# unloaded again by virtio_mdev_done if loaded here: bound, it would make
# the attributes of virtio devices other tests create read-only.
virtio_mdev_start() {
	echo "TAP version 13"
	grep -q '^virtio_net ' /proc/modules || vnet_loaded_here=1
	if [ ! -d "$TYPE" ] || ! modprobe virtio_net 2>/dev/null ||
	   ! modprobe virtio_mdev 2>/dev/null; then
		echo "1..0 # SKIP no mvnet-virtio type, virtio_net or virtio_mdev"
		exit 0
	fi
	echo "1..$1"
}

# For the test's cleanup: leave virtio_net as the test found it.
virtio_mdev_done() {
	[ -n "${vnet_loaded_here:-}" ] && rmmod virtio_net 2>/dev/null
}

# linked_pair UUID_A UUID_B: two new mvnet-virtio devices, linked as peers.
linked_pair() {
	echo "$1" > "$TYPE/create" && echo "$2" > "$TYPE/create" &&
	echo "$1" > "$MDEV/$2/peer"
}

# into_netns NS IF ADDR [ARG]...: a new namespace NS with interface IF moved
# into it, addressed ADDR and up; the ARGs go to "ip link set" (mtu 9000).
into_netns() {
	ip netns add "$1" && ip link set "$2" netns "$1" &&
	ip -n "$1" addr add "$3" dev "$2" || return 1
	into_ns=$1 into_if=$2
	shift 3
	ip -n "$into_ns" link set "$into_if" "$@" up
}
