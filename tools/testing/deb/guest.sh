#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# make check-deb's guest half (scripts/check-deb.sh): the test VM booted
# without our modules loaded (--no-load), with the modules DKMS built and
# installed on the build machine in /lib/modules/<release>/updates/dkms/
# and the packages' other files at their paths (/etc/modprobe.d/
# vhost-mdev.conf, /lib/udev/rules.d/70-vhost-mdev.rules,
# /usr/bin/vmdevctl), as on a host that installed vhost-mdev-dkms and
# vhost-mdev-tools.  Debian's kmod loads them (modprobe, modprobe.d, soft
# dependencies), a real udevd applies the rule.  The modules leave loaded,
# for the quick selftests that follow in the same boot.  KTAP output.
#
#   sh guest.sh MODULE...      the modules of the package's dkms.conf

. ./ktap.sh

DKMS_DIR=/lib/modules/$(uname -r)/updates/dkms
CONF=/etc/modprobe.d/vhost-mdev.conf
RULE=/lib/udev/rules.d/70-vhost-mdev.rules
TYPES=/sys/class/mdev_bus/mvnet/mdev_supported_types
UUID=5a0f3e2c-0b1d-4c2e-9d7a-0000000000d1
# The kvm group, which Debian's udev package creates on a host.
KVM_GID=107

cleanup() {
	[ -e "/sys/bus/mdev/devices/$UUID" ] && echo 1 >"/sys/bus/mdev/devices/$UUID/remove"
	[ -n "${udevd:-}" ] && udevadm control --exit 2>/dev/null
	[ -e "$CONF.orig" ] && mv "$CONF.orig" "$CONF"
}
trap cleanup EXIT

# Every module of the package resolves to DKMS's copy.
resolved_to_dkms() {
	_bad=0
	for _m in "$@"; do
		_p=$(modinfo -n "$_m" 2>&1)
		[ "$_p" = "$DKMS_DIR/$_m.ko" ] || { echo "$_m: $_p"; _bad=1; }
	done
	return $_bad
}

loaded() {
	for _m in "$@"; do
		[ -d "/sys/module/$_m" ] || { echo "$_m not loaded"; return 1; }
	done
}

# max_devices_is N: the parameter and what the mdev types offer.
max_devices_is() {
	grep -qx "$1" /sys/module/mvnet/parameters/max_devices &&
		grep -qx "$1" "$TYPES/mvnet-vhost/available_instances" && return 0
	head /sys/module/mvnet/parameters/max_devices \
		"$TYPES/mvnet-vhost/available_instances"
	return 1
}

# reload_mvnet_with N: mvnet (re)loaded by modprobe has max_devices N.
reload_mvnet_with() {
	{ [ ! -d /sys/module/mvnet ] || modprobe -r mvnet; } &&
		modprobe mvnet && max_devices_is "$1"
}

# node_for_kvm: the device's node exists with the rule's group and mode.
node_for_kvm() {
	[ -c "/dev/vhost-mdev/$UUID" ] &&
		[ "$(stat -c '%g %a' "/dev/vhost-mdev/$UUID")" = "$KVM_GID 660" ]
}

# Every module out (as many passes as there are modules: one pass takes
# off those nothing else uses), then each in again by modprobe.
all_unload_and_load() {
	for _pass in "$@"; do
		for _m in "$@"; do
			[ ! -d "/sys/module/$_m" ] || modprobe -r "$_m" 2>/dev/null
		done
	done
	for _m in "$@"; do
		[ ! -d "/sys/module/$_m" ] || { echo "$_m: still loaded"; return 1; }
	done
	for _m in "$@"; do
		modprobe "$_m" || return 1
	done
	loaded "$@"
}

echo "TAP version 13"
[ $# -gt 0 ] || { echo "1..0 # SKIP no modules named"; exit 4; }
echo "1..10"

check "the package's files are in place" \
	test -f "$CONF" -a -f "$RULE" -a -x /usr/bin/vmdevctl
check "modprobe resolves every module to DKMS's updates/dkms: $*" \
	resolved_to_dkms "$@"
check "modprobe's configuration has the package's soft dependency" \
	sh -c "modprobe -c | grep -qx 'softdep vhost_mdev pre: vfio_iommu_type1'"
check "modprobe vhost_mdev loads vfio_iommu_type1, vfio, vmdev and vhost_iotlb" \
	sh -c "modprobe vhost_mdev && [ -d /sys/module/vhost_mdev ] &&
	       [ -d /sys/module/vfio_iommu_type1 ] && [ -d /sys/module/vfio ] &&
	       [ -d /sys/module/vmdev ] && [ -d /sys/module/vhost_iotlb ]"

# The documented option, uncommented with another value: modprobe.d's
# options reach the module; commented out again, the default is back.
cp "$CONF" "$CONF.orig"
sed -i 's/^#\(options mvnet max_devices=\)1024$/\17/' "$CONF"
check "the documented mvnet option, uncommented as max_devices=7, is configured" \
	sh -c "modprobe -c | grep -qx 'options mvnet max_devices=7'"
check "modprobe mvnet applies it: max_devices and available_instances are 7" \
	reload_mvnet_with 7
mv "$CONF.orig" "$CONF"
check "commented out again, a reload gives the default, 1024" \
	reload_mvnet_with 1024

check "every module unloads with modprobe -r and loads again" \
	all_unload_and_load "$@"

# udev: the package's rule on a new node.
grep -q '^kvm:' /etc/group 2>/dev/null || echo "kvm:x:$KVM_GID:" >>/etc/group
ln -sf "$(command -v udevadm)" /tmp/systemd-udevd
/tmp/systemd-udevd --daemon 2>/dev/null && udevd=1
echo "$UUID" >"$TYPES/mvnet-vhost/create"
check "udev gives /dev/vhost-mdev/<UUID> to group kvm, mode 0660" \
	wait_for 20 node_for_kvm
[ -c "/dev/vhost-mdev/$UUID" ] && stat -c '# %n: group %G, mode %a' "/dev/vhost-mdev/$UUID"
check "the packaged vmdevctl lists the device" \
	sh -c "/usr/bin/vmdevctl list | grep -q $UUID"

ktap_totals
