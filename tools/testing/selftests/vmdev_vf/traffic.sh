#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# vmdev_vf datapath: the test VM's two virtio-net-pci functions (one wire,
# a QEMU hub) bound to vmdev_vf, each with a vmdev_vf-virtio device, one per
# network namespace: the devices report the functions' own MAC and carry
# ping both ways and a 64 MiB (TCP_MIB) TCP transfer that arrives intact, with rings
# and buffers in memory the functions reach through the IOMMU (the DMA API
# on the function). KTAP output.

A=5a0f3e2c-0b1d-4c2e-9d7a-000000000c01
B=5a0f3e2c-0b1d-4c2e-9d7a-000000000c02
NSA=vmdev_vf_a
NSB=vmdev_vf_b
. ../ktap.sh
. ../net.sh
. ./vmdev_vf.sh

cleanup() {
	ip netns del $NSA 2>/dev/null
	ip netns del $NSB 2>/dev/null
	for u in $A $B; do
		[ -e "$MDEV/$u" ] && echo 1 > "$MDEV/$u/remove"
	done
	for f in ${F1:-} ${F2:-}; do
		vf_release "$f"
	done
}
trap cleanup EXIT

# refused FILE UUID: FILE exists and writing UUID to it fails with EUSERS,
# the mdev core's answer when no instance is available (the error text of
# busybox's shell: dash reports every write error as "I/O error").
refused() {
	[ -e "$1" ] || { echo "no $1"; return 1; }
	if err=$(busybox sh -c 'echo "$1" > "$2"' - "$2" "$1" 2>&1); then
		echo "creating $2 succeeded"
		return 1
	fi
	echo "$err" | grep -q "Too many users" || { echo "$err"; return 1; }
}

echo "TAP version 13"
vf_setup
echo "1..9"

check "both functions bind through driver_override" \
	sh -c ". ./vmdev_vf.sh && vf_bind $F1 && vf_bind $F2"
check "each function offers one device of each type" \
	sh -c "grep -qx 1 /sys/class/mdev_bus/$F1/mdev_supported_types/vmdev_vf-virtio/available_instances &&
	       grep -qx 1 /sys/class/mdev_bus/$F2/mdev_supported_types/vmdev_vf-vhost/available_instances"
vf_create "$F1" virtio $A
vf_create "$F2" virtio $B
check "a second device on the same function is refused (EUSERS)" \
	refused "/sys/class/mdev_bus/$F1/mdev_supported_types/vmdev_vf-vhost/create" \
	5a0f3e2c-0b1d-4c2e-9d7a-000000000c03
ifa=$(vf_iface "$F1")
ifb=$(vf_iface "$F2")
check "virtio_net binds to both devices" test -n "$ifa" -a -n "$ifb"
check "the interface has the MAC the device reports" \
	sh -c "[ \"\$(cat /sys/class/net/$ifa/address)\" = \"\$(cat $MDEV/$A/mac)\" ]"

vf_netns "$F1" $NSA 10.98.0.1
vf_netns "$F2" $NSB 10.98.0.2
check "ping from A to B" ip netns exec $NSA ping -c 3 -W 5 10.98.0.2
check "ping from B to A" ip netns exec $NSB ping -c 3 -W 5 10.98.0.1
check "$TCP_MIB MiB over TCP arrive with the same sha256" \
	tcp_transfer $NSA $NSB 10.98.0.2 "$TCP_MIB"
check "the first queue's MSI-X vector counted interrupts" \
	sh -c "grep 'vmdev_vf-$F1-0\$' /proc/interrupts | awk '{ exit !(\$2 > 0) }'"

ktap_totals
