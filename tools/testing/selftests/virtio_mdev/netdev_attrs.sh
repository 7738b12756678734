#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# virtio_mdev: an mvnet-virtio device becomes a network interface carrying
# the MAC and MTU of its attributes; a write while virtio_net is bound
# unbinds it and binds it again (a new interface with the value; a bad
# value is refused first, the interface stays); they change by unbinding,
# writing, binding again, or by writing them while virtio_mdev is not
# loaded. KTAP output.

A=5a0f3e2c-0b1d-4c2e-9d7a-000000000a01
B=5a0f3e2c-0b1d-4c2e-9d7a-000000000a02
. ../ktap.sh
. ./virtio_mdev.sh

# write_fails ERRTEXT FILE VALUE: the write fails with that error (through
# busybox's shell: dash reports every write error as "I/O error").
write_fails() {
	if err=$(busybox sh -c 'echo "$1" > "$2"' - "$3" "$2" 2>&1); then
		echo "write of $3 to $2 succeeded"
		return 1
	fi
	echo "$err" | grep -q "$1" || { echo "$err"; return 1; }
}

cleanup() {
	for u in $A $B; do
		[ -e "$MDEV/$u" ] && echo 1 > "$MDEV/$u/remove"
	done
	[ -n "${modprobe_path:-}" ] &&
		echo "$modprobe_path" > /proc/sys/kernel/modprobe
	modprobe virtio_mdev 2>/dev/null
	virtio_mdev_done
}
trap cleanup EXIT

virtio_mdev_start 14

echo "$A" > "$TYPE/create"
ifa=$(iface "$A") && ok "an mvnet-virtio device becomes a network interface" ||
	not_ok "an mvnet-virtio device becomes a network interface"
# The output is the diagnostic when the line is not there.  ethtool's
# bus_info field holds 31 characters and a NUL (ETHTOOL_BUSINFO_LEN), so
# of the 36 of a UUID it shows the first 31, as the admin guide says.
check "ethtool bus-info is the mdev UUID, as much as fits" \
	sh -c "out=\$(ethtool -i '$ifa' 2>&1); echo \"\$out\";
	       echo \"\$out\" | grep -qx 'bus-info: $(echo "$A" | cut -c1-31)'"
# Bit 33 (ACCESS_PLATFORM) of the features the driver accepted.
check "a software device hides VIRTIO_F_ACCESS_PLATFORM" \
	sh -c "cut -c34 /sys/bus/virtio/devices/$(virtio_of "$A")/features | grep -qx 0"

# rebound_with FILE VALUE CHECK: writing VALUE to the device's FILE while
# virtio_net is bound succeeds, and the interface it binds again passes
# "CHECK IFNAME" (sh -c).
rebound_with() {
	echo "$2" > "$MDEV/$A/$1" || return 1
	_if=$(iface "$A") || { echo "no interface after writing $1"; return 1; }
	sh -c "$3" - "$_if"
}
check "mac written while virtio_net is bound: it binds again with it" \
	rebound_with mac 02:00:00:00:0a:11 \
	'grep -qx 02:00:00:00:0a:11 /sys/class/net/$1/address'
check "mtu written while virtio_net is bound: it binds again with it" \
	rebound_with mtu 4000 'grep -qx 4000 /sys/class/net/$1/mtu'
check "max_vq_pairs written while virtio_net is bound: it binds again with it" \
	rebound_with max_vq_pairs 2 \
	'ethtool -l $1 | grep -m1 Combined: | grep -qw 2'

vd=$(virtio_of "$A")
echo "$vd" > "$VNET/unbind"
check "unbinding virtio_net removes the interface" \
	sh -c "! ls '$MDEV/$A/$vd/net' >/dev/null 2>&1"
check "attributes are writable once unbound" sh -c \
	"echo 02:00:00:00:0a:01 > $MDEV/$A/mac && echo 9000 > $MDEV/$A/mtu"
echo "$vd" > "$VNET/bind"
ifa=$(iface "$A")
check "rebinding shows the new MAC" \
	sh -c "grep -qx 02:00:00:00:0a:01 /sys/class/net/$ifa/address"
check "rebinding shows the new MTU" \
	sh -c "grep -qx 9000 /sys/class/net/$ifa/mtu"
# The same interface: a refused value did not unbind the driver.
bad_value_keeps_iface() {
	_idx=$(cat "/sys/class/net/$ifa/ifindex") &&
		write_fails "Invalid argument" "$MDEV/$A/mtu" 10 &&
		grep -qx "$_idx" "/sys/class/net/$ifa/ifindex" &&
		grep -qx 9000 "$MDEV/$A/mtu"
}
check "a bad value while bound is refused, the interface stays" \
	bad_value_keeps_iface

# The other way: configure with no consumer at all, then load it. Creating
# a device asks for its personality module: keep it from being loaded.
check "virtio_mdev unloads with a bound device" rmmod virtio_mdev
modprobe_path=$(cat /proc/sys/kernel/modprobe)
echo /bin/true > /proc/sys/kernel/modprobe
echo "$B" > "$TYPE/create"
echo 02:00:00:00:0a:02 > "$MDEV/$B/mac"
echo 4000 > "$MDEV/$B/mtu"
echo "$modprobe_path" > /proc/sys/kernel/modprobe
modprobe virtio_mdev
ifb=$(iface "$B")
check "loading virtio_mdev attaches a device configured meanwhile" sh -c \
	"grep -qx 02:00:00:00:0a:02 /sys/class/net/$ifb/address &&
	 grep -qx 4000 /sys/class/net/$ifb/mtu"
ifa=$(iface "$A")
check "and reattaches the earlier device with its attributes" \
	sh -c "grep -qx 02:00:00:00:0a:01 /sys/class/net/$ifa/address"

ktap_totals
