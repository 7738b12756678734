#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# vmdev_vf with the vhost personality: vmdevctl (libvmdev) opens one
# function's vmdev_vf-vhost device the way a hypervisor would, through the
# function's own IOMMU group, reads its config through the fd and sends
# frames that the other function's kernel interface (vmdev_vf-virtio)
# receives: rings and buffers mapped with VFIO_IOMMU_MAP_DMA into the
# function's IOMMU domain. KTAP output. The CLI is looked for beside the
# selftests (the test VM's /extra) or in $VMDEVCTL.

A=5a0f3e2c-0b1d-4c2e-9d7a-000000000e01
B=5a0f3e2c-0b1d-4c2e-9d7a-000000000e02
VMDEVCTL=${VMDEVCTL:-../../vmdevctl}
. ../ktap.sh
. ./vmdev_vf.sh

cleanup() {
	for u in $A $B; do
		[ -e "$MDEV/$u" ] && echo 1 > "$MDEV/$u/remove"
	done
	for f in ${F1:-} ${F2:-}; do
		vf_release "$f"
	done
}
trap cleanup EXIT

echo "TAP version 13"
vf_setup
if [ ! -x "$VMDEVCTL" ] || ! modprobe vhost_mdev 2>/dev/null ||
   [ ! -d /sys/module/vfio_iommu_type1 ]; then
	echo "1..0 # SKIP no vmdevctl, vhost_mdev or vfio_iommu_type1"
	exit 0
fi
echo "1..4"

vf_bind "$F1" && vf_bind "$F2" && vf_create "$F1" vhost $A &&
	vf_create "$F2" virtio $B
ifb=$(vf_iface "$F2")
ip link set "$ifb" up
check "the device's group is its function's" \
	sh -c "[ \"\$(readlink $MDEV/$A/../iommu_group)\" = \"\$(readlink $PCI/$F1/iommu_group)\" ]"
check "show reads the function's config through the fd" \
	sh -c "$VMDEVCTL show $A | grep -qi \"\$(cat $MDEV/$A/mac)\""

before=$(cat "/sys/class/net/$ifb/statistics/rx_packets")
check "send 20 frames to the other function" \
	"$VMDEVCTL" send $A --count 20 --size 300 --dst "$(cat "$MDEV/$B/mac")"
sleep 1
after=$(cat "/sys/class/net/$ifb/statistics/rx_packets")
echo "# $ifb rx_packets $before -> $after"
if [ $((after - before)) -ge 20 ]; then
	ok "the other function's interface receives them"
else
	not_ok "the other function's interface receives them"
fi

ktap_totals
