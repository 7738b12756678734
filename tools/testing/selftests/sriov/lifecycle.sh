#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# SR-IOV through vmdev_vf on the test VM's SR-IOV PF (tools/testing/vm/run
# --sriov): the PF bound to vmdev_vf through driver_override; echo N >
# sriov_numvfs creates N VFs, which bind to vmdev_vf although virtio_pci,
# loaded here, matches them too; each is an mdev parent with the two
# types, has an IOMMU group of its own and MSI-X vectors of its own.
# Disabling is refused (EBUSY) while a VF has a device, open or not, and
# changes nothing (so is another count while VFs exist); it works once
# the devices are gone. Unbinding the PF while a VF's virtio device
# carries an interface and another's vhost device is open removes them
# all (the vhost user gets ENODEV). A VF goes
# to another driver when its driver_override names it (also with
# sriov_drivers_autoprobe 0, the VFs are vmdev_vf's until then); echo 0
# disables it there too. Unloading vmdev_vf disables the VFs. KTAP
# output; the runner fails it on any kernel warning.

A=5a0f3e2c-0b1d-4c2e-9d7a-000000000e01
B=5a0f3e2c-0b1d-4c2e-9d7a-000000000e02
VMDEVCTL=${VMDEVCTL:-../../vmdevctl}
. ../ktap.sh
. ../vmdev_vf/vmdev_vf.sh
. ./sriov.sh

cleanup() {
	kill ${holder:-} 2>/dev/null
	for u in $A $B; do
		[ -e "$MDEV/$u" ] && echo 1 > "$MDEV/$u/remove"
	done
	[ -d "$DRV" ] || modprobe vmdev_vf
	[ -n "${PF:-}" ] || return
	echo 1 > "$PCI/$PF/sriov_drivers_autoprobe"
	[ "$(drv "$PF")" = vmdev_vf ] && sriov_set "$PF" 0 >/dev/null
	vf_release "$PF"
	[ -z "${vpci_loaded_here:-}" ] || modprobe -r virtio_pci
}
trap cleanup EXIT

# all_vfs CMD...: CMD VF for each VF of the PF, all of them true, and
# TOTAL of them.
all_vfs() {
	_n=0
	for _vf in $(sriov_vfs "$PF"); do
		"$@" "$_vf" || { echo "$_vf: no"; return 1; }
		_n=$((_n + 1))
	done
	[ "$_n" -eq "$TOTAL" ] || { echo "$_n VFs, not $TOTAL"; return 1; }
}

enabled() {
	out=$(sriov_set "$PF" "$1") && [ -z "$out" ] &&
		[ "$(cat "$PCI/$PF/sriov_numvfs")" = "$1" ] || {
		echo "sriov_numvfs: ${out:-reads $(cat "$PCI/$PF/sriov_numvfs")}"
		return 1
	}
	set -- $(sriov_vfs "$PF")
	VF0=${1:-}
	VF1=${2:-}
}

is_ours() { [ "$(drv "$1")" = vmdev_vf ] || { echo "$1: driver '$(drv "$1")'"; false; }; }

two_types() {
	[ "$(ls "/sys/class/mdev_bus/$1/mdev_supported_types" | tr '\n' ' ')" = \
		"vmdev_vf-vhost vmdev_vf-virtio " ]
}

# Alone in its group, and in none the PF or another VF is in.
own_group() {
	_g=$(group "$1")
	[ "$(ls "/sys/kernel/iommu_groups/$_g/devices")" = "$1" ] &&
		[ "$_g" != "$(group "$PF")" ] &&
		! echo " $seen_groups " | grep -q " $_g " &&
		seen_groups="$seen_groups $_g"
}

# As many MSI-X vectors as the PF: one per queue, one for config changes.
own_vectors() {
	[ "$(grep -c "vmdev_vf-$1-" /proc/interrupts)" -eq "$pf_vectors" ] ||
		{ grep "vmdev_vf-$1-" /proc/interrupts; false; }
}

# refused N: echo N > sriov_numvfs fails with EBUSY and changes nothing.
refused() {
	out=$(sriov_set "$PF" "$1")
	echo "$out" | grep -q 'Device or resource busy' &&
		[ "$(cat "$PCI/$PF/sriov_numvfs")" = "$TOTAL" ] &&
		[ -e "$PCI/$VF0" ] && [ -e "$PCI/$VF1" ] || {
		echo "sriov_numvfs: '$out', reads $(cat "$PCI/$PF/sriov_numvfs")"
		return 1
	}
}

# t NAME CMD...: check, but CMD runs in this shell (what it sets stays
# set); its output shows only when it fails.
t() {
	_name=$1
	shift
	if "$@" >/tmp/sriov.out 2>&1; then
		ok "$_name"
	else
		sed 's/^/# /' /tmp/sriov.out
		not_ok "$_name"
	fi
}

# hold UUID: vmdevctl keeps the vhost device open, waiting for frames.
hold() {
	"$VMDEVCTL" recv "$1" --count 1000000 --timeout 120000 >/tmp/sriov.recv 2>&1 &
	holder=$!
	sleep 3
	kill -0 $holder
}

echo "TAP version 13"
sriov_setup
echo "1..27"
# The stock driver, which matches every modern virtio function, is there
# to take the VFs if vmdev_vf did not claim them first.
lsmod | grep -q '^virtio_pci ' || vpci_loaded_here=1
modprobe virtio_pci

t "the PF binds to vmdev_vf (driver_override)" vf_bind "$PF"
pf_vectors=$(grep -c "vmdev_vf-$PF-" /proc/interrupts)
echo "# PF $PF: $TOTAL VFs at most, $pf_vectors MSI-X vectors"
t "echo $TOTAL > sriov_numvfs creates $TOTAL VFs" enabled "$TOTAL"
t "each VF is bound to vmdev_vf, not virtio_pci" all_vfs is_ours
t "each VF is an mdev parent with the vhost and virtio types" all_vfs two_types
seen_groups=
t "each VF is alone in an IOMMU group of its own" all_vfs own_group
t "each VF has MSI-X vectors of its own, one per queue and config" \
	all_vfs own_vectors

both() { vf_create "$VF0" virtio $A && vf_create "$VF1" vhost $B; }
t "a virtio device on the first VF, a vhost one on the second" both
t "the virtio device's interface appears" vf_iface "$VF0"
t "echo 0 is refused with EBUSY while VFs have devices" refused 0
t "another count while VFs are enabled is refused with EBUSY" refused 2
if hold $B; then
	ok "userspace holds the vhost device open"
else
	sed 's/^/# /' /tmp/sriov.recv
	not_ok "userspace holds the vhost device open"
fi
t "echo 0 is refused with EBUSY while one is open" refused 0
untouched() {
	[ -e "$MDEV/$A" ] && [ -e "$MDEV/$B" ] && kill -0 $holder && vf_iface_now "$VF0"
}
t "the devices, the interface and the user are untouched" untouched
kill $holder
wait $holder 2>/dev/null
holder=
echo 1 > "$MDEV/$A/remove"
echo 1 > "$MDEV/$B/remove"

old_group=$(group "$VF0")
disabled() {
	out=$(sriov_set "$PF" 0) && [ -z "$out" ] && gone "$PCI/$VF0" &&
		[ "$(cat "$PCI/$PF/sriov_numvfs")" = 0 ] && [ ! -e "$PCI/$PF/virtfn0" ] ||
		{ echo "sriov_numvfs: '$out', reads $(cat "$PCI/$PF/sriov_numvfs")"; false; }
}
t "with the devices removed, echo 0 disables the VFs" disabled
no_group() { [ -z "$(ls "/sys/kernel/iommu_groups/$old_group/devices" 2>/dev/null)" ]; }
t "their IOMMU groups go with them" no_group

again() { enabled "$TOTAL" && all_vfs is_ours; }
t "enabled again, the VFs are bound to vmdev_vf again" again
t "a virtio device on the first VF, a vhost one on the second, open" \
	eval 'both && vf_iface "$VF0" >/dev/null && hold $B'
t "unbinding the PF while they are in use returns" \
	timeout 60 sh -c "echo $PF > $DRV/unbind"
all_gone() {
	gone "$MDEV/$A" && gone "$MDEV/$B" && gone "$PCI/$VF0" && gone "$PCI/$VF1" &&
		[ ! -e "$PCI/$PF/virtfn0" ]
}
t "the VFs and their devices are gone" all_gone
# The error, not the end of its wait: removal wakes the waiter.
user_error() { ! wait $holder && grep -q 'No such device' /tmp/sriov.recv; }
t "the vhost user gets ENODEV" user_error
holder=
rebound() { vf_bind "$PF" && [ "$(cat "$PCI/$PF/sriov_numvfs")" = 0 ]; }
t "the PF binds again, with no VFs" rebound
# VFs behind a port without ACS join the PF's IOMMU group, where a VFIO
# user of a VF would take over the kernel's DMA of a virtio device on the
# PF: enabling is refused while the PF has one.
pf_virtio_refuses() {
	vf_create "$PF" virtio $A || return 1
	out=$(sriov_set "$PF" 2)
	echo 1 > "$MDEV/$A/remove"
	echo "$out" | grep -q 'Device or resource busy' &&
		[ "$(cat "$PCI/$PF/sriov_numvfs")" = 0 ] && [ ! -e "$PCI/$PF/virtfn0" ] ||
		{ echo "sriov_numvfs: '$out', reads $(cat "$PCI/$PF/sriov_numvfs")"; false; }
}
t "with a virtio device on the PF, enabling VFs is refused with EBUSY" \
	pf_virtio_refuses

# The administrator's choice. A VF's driver_override makes the PCI core
# probe it whatever sriov_drivers_autoprobe says: vmdev_vf's VFs are its
# own either way, until driver_override names another driver.
echo 0 > "$PCI/$PF/sriov_drivers_autoprobe"
still_ours() { enabled 2 && is_ours "$VF0" && is_ours "$VF1"; }
t "with sriov_drivers_autoprobe 0, the VFs are still vmdev_vf's" still_ours
t "driver_override gives a VF to virtio_pci" vf_bind "$VF0" virtio-pci
t "echo 0 disables VFs bound to another driver" disabled
echo 1 > "$PCI/$PF/sriov_drivers_autoprobe"

unloaded() {
	enabled "$TOTAL" && modprobe -r vmdev_vf && gone "$PCI/$VF0" &&
		[ ! -e "$PCI/$PF/virtfn0" ]
}
t "unloading vmdev_vf with VFs enabled disables them" unloaded
reloaded() { modprobe vmdev_vf && vf_bind "$PF" && again; }
t "loaded again, the PF binds and enables VFs" reloaded

ktap_totals
