# SPDX-License-Identifier: GPL-2.0-only
#
# What the SR-IOV shell tests share, sourced (not run) after ../ktap.sh and
# ../vmdev_vf/vmdev_vf.sh: the test VM's SR-IOV PF (tools/testing/vm/run
# --sriov: a virtio-net-pci function of the patched QEMU with sriov-vfs=N,
# behind a root port of its own, on the same QEMU hub as the two plain
# functions) and its VFs.

# The first modern virtio-net function with an SR-IOV capability.
sriov_pf() {
	for d in "$PCI"/*; do
		[ -e "$d/sriov_totalvfs" ] && [ "$(cat "$d/vendor")" = 0x1af4 ] &&
			[ "$(cat "$d/device")" = 0x1041 ] &&
			{ basename "$d"; return 0; }
	done
	return 1
}

# sriov_vfs PF: its VFs, one BDF a line, in VF order.
sriov_vfs() {
	_i=0
	while [ -e "$PCI/$1/virtfn$_i" ]; do
		basename "$(readlink "$PCI/$1/virtfn$_i")"
		_i=$((_i + 1))
	done
}

# sriov_set PF N: echo N > sriov_numvfs; its error message, if any, on
# stdout (busybox's echo says what the write returned).
sriov_set() {
	busybox sh -c 'echo "$1" > "$2"' - "$2" "$PCI/$1/sriov_numvfs" 2>&1
}

# drv BDF: the name of the driver bound to it, or nothing.
drv() {
	[ -e "$PCI/$1/driver" ] && basename "$(readlink "$PCI/$1/driver")"
	return 0
}

# group BDF: its IOMMU group number.
group() {
	basename "$(readlink "$PCI/$1/iommu_group")"
}

# sriov_setup: skip unless the PF, vmdev_vf and the modules the tests use
# are there; sets PF and TOTAL.
sriov_setup() {
	if ! PF=$(sriov_pf) || [ ! -d "$DRV" ] ||
	   ! modprobe virtio_net 2>/dev/null || ! modprobe virtio_mdev 2>/dev/null ||
	   ! modprobe vhost_mdev 2>/dev/null; then
		echo "1..0 # SKIP needs the SR-IOV PF (run --sriov), vmdev_vf, virtio_net, virtio_mdev, vhost_mdev"
		exit 0
	fi
	TOTAL=$(cat "$PCI/$PF/sriov_totalvfs")
}
