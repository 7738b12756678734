# SPDX-License-Identifier: GPL-2.0-only
#
# What the virtio_mdev shell tests share, sourced (not run) after
# ../ktap.sh: where mvnet-virtio devices appear, and how to find the
# network interface virtio_net gives one.

MDEV=/sys/bus/mdev/devices
TYPE=/sys/class/mdev_bus/mvnet/mdev_supported_types/mvnet-virtio
VNET=/sys/bus/virtio/drivers/virtio_net
STATS=/sys/kernel/debug/mvnet/stats

# The interface of device $1. Without udev, sysfs can lag a little behind
# virtio_net's probe: poll for up to 5 s.
iface() {
	i=0
	while [ $i -lt 50 ]; do
		for d in "$MDEV/$1"/virtio*/net/*; do
			[ -e "$d" ] && { basename "$d"; return 0; }
		done
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# The virtio device (virtioN) of device $1.
virtio_of() {
	basename "$(ls -d "$MDEV/$1"/virtio* 2>/dev/null | head -n 1)"
}
