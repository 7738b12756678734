#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The virtio personality runs the kernel's DMA through the function's
# IOMMU group, which vmdev_vf (driver_managed_dma) does not hold: another
# device of the group bound to vfio-pci would let its user take the group
# over. So a virtio device is created only on a function alone in its
# group; a vhost device, whose DMA the group's owner maps, on any. The test
# VM's functions are each alone in their group; with VM_SHARED_GROUP=1
# (make check boots that too) they sit behind one PCIe-to-PCI bridge and
# share one. KTAP output.

. ../ktap.sh
. ./vmdev_vf.sh

A=$(cat /proc/sys/kernel/random/uuid)

cleanup() {
	[ -e "$MDEV/$A" ] && echo 1 > "$MDEV/$A/remove"
	vf_release "$F1"
	vf_release "$F2"
}
trap cleanup EXIT

echo "TAP version 13"
vf_setup
echo "1..4"

group() {
	basename "$(readlink "$PCI/$1/iommu_group")"
}

check "both functions bind" sh -c '. ../ktap.sh; . ./vmdev_vf.sh;
	vf_bind '"$F1"' && vf_bind '"$F2"
if [ "$(group "$F1")" = "$(group "$F2")" ]; then
	echo "# the functions share IOMMU group $(group "$F1")"
	dmesg -c >/dev/null
	if vf_create "$F1" virtio "$A" 2>/dev/null; then
		not_ok "a virtio device is refused on a shared group"
	else
		ok "a virtio device is refused on a shared group"
	fi
	check "the kernel log says why" \
		sh -c "dmesg | grep -q 'shares its IOMMU group'"
else
	echo "# the functions are alone in IOMMU groups $(group "$F1") and $(group "$F2")"
	check "a virtio device is created on a function alone in its group" \
		vf_create "$F1" virtio "$A"
	check "its interface appears" vf_iface "$F1"
fi
[ -e "$MDEV/$A" ] && echo 1 > "$MDEV/$A/remove"
check "a vhost device is created either way" vf_create "$F1" vhost "$A"
ktap_totals
