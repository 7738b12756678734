#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# virtio_mdev: an mvnet-virtio device becomes a network interface carrying
# the MAC and MTU of its attributes; the attributes are read-only while
# virtio_net is bound, and change by unbinding, writing, binding again, or
# by writing them while virtio_mdev is not loaded. KTAP output.

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

check "mac is busy while virtio_net is bound" \
	write_fails "busy" "$MDEV/$A/mac" 02:00:00:00:0a:01
check "mtu is busy while virtio_net is bound" \
	write_fails "busy" "$MDEV/$A/mtu" 9000
check "max_vq_pairs is busy while virtio_net is bound" \
	write_fails "busy" "$MDEV/$A/max_vq_pairs" 2

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
check "attributes are busy again after rebinding" \
	write_fails "busy" "$MDEV/$A/mtu" 1500

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
