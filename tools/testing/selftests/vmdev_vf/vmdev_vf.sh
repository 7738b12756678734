# SPDX-License-Identifier: GPL-2.0-only
#
# What the vmdev_vf shell tests share, sourced (not run) after ../ktap.sh:
# finding the modern virtio-net functions of the test VM, binding them to
# vmdev_vf through driver_override, and where their devices and interfaces
# appear.

PCI=/sys/bus/pci/devices
DRV=/sys/bus/pci/drivers/vmdev_vf
MDEV=/sys/bus/mdev/devices

# The modern virtio-net functions (1af4:1041), one BDF a line.
vf_functions() {
	for d in "$PCI"/*; do
		[ "$(cat "$d/vendor")" = 0x1af4 ] &&
			[ "$(cat "$d/device")" = 0x1041 ] && basename "$d"
	done
}

# vf_bind BDF [DRIVER]: bind the function to DRIVER (default vmdev_vf;
# virtio-pci, as virtio_pci names itself, for the stock one), whatever
# drove it before.
vf_bind() {
	[ -e "$PCI/$1/driver" ] && echo "$1" > "$PCI/$1/driver/unbind"
	echo "${2:-vmdev_vf}" > "$PCI/$1/driver_override" &&
		echo "$1" > /sys/bus/pci/drivers_probe &&
		[ "$(basename "$(readlink "$PCI/$1/driver")")" = "${2:-vmdev_vf}" ]
}

# vf_release BDF: unbind it and forget the override.
vf_release() {
	[ -e "$PCI/$1/driver" ] && echo "$1" > "$PCI/$1/driver/unbind"
	[ -e "$PCI/$1/driver_override" ] && echo > "$PCI/$1/driver_override"
	return 0
}

# vf_create BDF PERSONALITY UUID: the function's one device.
vf_create() {
	echo "$3" > "/sys/class/mdev_bus/$1/mdev_supported_types/vmdev_vf-$2/create"
}

# vf_iface BDF: the interface virtio_net gives the function's virtio
# device, which hangs off the function itself (its DMA device). Polls for
# up to 120 s: without udev, sysfs can lag behind virtio_net's probe, and
# an interface comes back from a deleted namespace only once the kernel's
# cleanup of that namespace has run (over half a minute seen with two
# emulated guests sharing the host's CPUs).
vf_iface() {
	wait_for 120 vf_iface_now "$1" || {
		echo "# no interface for function $1" >&2
		return 1
	}
}

vf_iface_now() {
	for d in "$PCI/$1"/virtio*/net/*; do
		[ -e "$d" ] && { basename "$d"; return 0; }
	done
	return 1
}

# vf_netns BDF NS ADDR: move the function's interface into NS with ADDR/24.
vf_netns() {
	_if=$(vf_iface "$1") || return 1
	ip netns add "$2" 2>/dev/null
	ip link set "$_if" netns "$2" &&
		ip -n "$2" addr add "$3/24" dev "$_if" &&
		ip -n "$2" link set "$_if" up
}

absent() { [ ! -e "$1" ]; }

# gone PATH: PATH disappears within 30 s.
gone() {
	wait_for 30 absent "$1" && return 0
	echo "$1 is still there"
	return 1
}

# vf_setup: skip unless two functions, virtio_net and virtio_mdev exist;
# sets F1 and F2.
vf_setup() {
	set -- $(vf_functions)
	if [ $# -lt 2 ] || [ ! -d "$DRV" ] || ! modprobe virtio_net 2>/dev/null ||
	   ! modprobe virtio_mdev 2>/dev/null; then
		echo "1..0 # SKIP needs two virtio-net-pci functions, vmdev_vf, virtio_net, virtio_mdev"
		exit 0
	fi
	F1=$1
	F2=$2
}
