#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The demonstration "make run" shows in the test VM: the mvnet parent and
# its types, two devices linked as peers, their attributes, and what the
# core refuses; frames through a vhost device, by its VFIO fd and by its
# character device; the two NICs on vmdev_vf pinging each other. Each
# step prints the command it runs.
set -e

TYPES=/sys/class/mdev_bus/mvnet/mdev_supported_types
DEVS=/sys/bus/mdev/devices

# The selftests' helpers for the functions (PCI, vf_functions,
# vf_release, vf_iface; the last polls with ktap.sh's wait_for).
# shellcheck source=../selftests/ktap.sh
. ./ktap.sh
# shellcheck source=../selftests/vmdev_vf/vmdev_vf.sh
. ./vmdev_vf/vmdev_vf.sh

# busybox's shell, unlike dash, names the errno a failed write got.
run() {
	echo "# $*"
	busybox sh -c "$*"
}

# The same through this shell, for iproute2's ip (busybox has its own).
show() {
	echo "# $*"
	"$@"
}

new_uuid() {
	cat /proc/sys/kernel/random/uuid
}

echo "== modules"
lsmod

echo
echo "== the mvnet parent offers one mdev type per personality"
for t in "$TYPES"/*; do
	echo "${t##*/}: $(cat "$t/description")"
	echo "    available_instances: $(cat "$t/available_instances")"
done

A=$(new_uuid)
B=$(new_uuid)
echo
echo "== create a vhost-personality and a virtio-personality device"
run "echo $A > $TYPES/mvnet-vhost/create"
run "echo $B > $TYPES/mvnet-virtio/create"

echo
echo "== set their attributes and link them as peers"
run "echo 02:00:00:00:00:0a > $DEVS/$A/mac"
run "echo 02:00:00:00:00:0b > $DEVS/$B/mac"
run "echo 9000 > $DEVS/$B/mtu"
run "echo 4 > $DEVS/$B/max_vq_pairs"
run "echo $B > $DEVS/$A/peer"
run "echo down > $DEVS/$B/link"
for d in "$A" "$B"; do
	echo "$d:"
	for f in personality mac mtu max_vq_pairs link peer; do
		printf '    %-13s %s\n' "$f" "$(cat "$DEVS/$d/$f")"
	done
done

echo
echo "== bad input is refused with a precise errno and changes nothing"
run "echo 01:00:5e:00:00:01 > $DEVS/$A/mac" || true
run "echo 67 > $DEVS/$A/mtu" || true
run "echo 9 > $DEVS/$A/max_vq_pairs" || true
run "echo $A > $DEVS/$A/peer" || true
echo "    mac is still $(cat "$DEVS/$A/mac")"

echo
echo "== the vhost personality: each *-vhost device is a VFIO device whose fd"
echo "   speaks the vhost-vdpa ioctls (module vhost_mdev)"
C=$(./vmdevctl create mvnet-vhost --mac 02:00:00:00:00:0c --pairs 2)
echo "# ./vmdevctl create mvnet-vhost --mac 02:00:00:00:00:0c --pairs 2"
echo "$C"
run "ls -l $DEVS/$C/iommu_group"
run "./vmdevctl show $C"
echo
echo "== frames through the device and back (unlinked: loopback), as a"
echo "   hypervisor's backend would move them: rings and buffers are IOVAs"
echo "   mapped through the VFIO container"
run "./vmdevctl loopback $C --count 32 --size 1500"
run "grep -e '^#' -e $C /sys/kernel/debug/mvnet/stats"

echo
echo "== the same device through its vhost-vdpa compatible character device,"
echo "   what QEMU's -netdev vhost-vdpa and DPDK's virtio_user open: memory"
echo "   mapped with IOTLB messages written to the node"
run "ls -l /dev/vhost-mdev/$C"
run "grep vhost-vdpa-mdev /proc/devices"
run "./vmdevctl loopback $C --cdev --count 32 --size 64"
run "./vmdevctl destroy $C"

echo
echo "== remove the vhost device: its peer is unlinked"
run "echo 1 > $DEVS/$A/remove"
echo "    peer of $B: '$(cat "$DEVS/$B/peer")'"
echo
echo "== the vendor driver (vmdev_vf): the VM's two virtio-net functions,"
echo "   bound through driver_override, a virtio-personality device each,"
echo "   each interface in a network namespace of its own: ping on the wire"
modprobe virtio_net
i=0
for f in $(vf_functions); do
	i=$((i + 1))
	vf_release "$f"
	run "echo vmdev_vf > $PCI/$f/driver_override"
	run "echo $f > /sys/bus/pci/drivers_probe"
	run "echo $(new_uuid) > /sys/class/mdev_bus/$f/mdev_supported_types/vmdev_vf-virtio/create"
	ifc=$(vf_iface "$f")
	show ip netns add "demo$i"
	show ip link set "$ifc" netns "demo$i"
	show ip -n "demo$i" addr add "10.99.0.$i/24" dev "$ifc"
	show ip -n "demo$i" link set "$ifc" up
	[ "$i" -eq 2 ] && break
done
show ip netns exec demo1 ping -c 3 10.99.0.2

echo
echo "The virtio-personality device $B is left in place to explore."
