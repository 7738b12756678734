#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Persistent devices with Debian's mdevctl (1.2.0), as the admin guide
# describes them: define an mvnet-vhost and an mvnet-virtio device with
# attributes (mac, mtu, max_vq_pairs, written in that order when the device
# starts), list the definitions, start them, read the attributes back and
# use the devices, stop, undefine; a value out of range makes the start
# fail and leaves no device; a vmdev_vf function bound after boot starts
# its --auto device through mdevctl's udev rule, run by a real udevd (with
# the rule's mdevctl path corrected: see the admin guide). KTAP output.

U1=5a0f3e2c-0b1d-4c2e-9d7a-0000000000c1
U2=5a0f3e2c-0b1d-4c2e-9d7a-0000000000c2
U3=5a0f3e2c-0b1d-4c2e-9d7a-0000000000c3
U4=5a0f3e2c-0b1d-4c2e-9d7a-0000000000c4
VMDEVCTL=${VMDEVCTL:-../../vmdevctl}
MDEV=/sys/bus/mdev/devices
CONF=/etc/mdevctl.d
. ../ktap.sh
. ../vmdev_vf/vmdev_vf.sh

cleanup() {
	[ -n "${udevd:-}" ] && udevadm control --exit 2>/dev/null
	rm -f /etc/udev/rules.d/60-mdevctl.rules
	for u in $U1 $U2 $U3 $U4; do
		[ -e "$MDEV/$u" ] && echo 1 > "$MDEV/$u/remove"
		rm -f "$CONF"/*/"$u"
	done
	[ -n "${F1:-}" ] && vf_release "$F1"
}
trap cleanup EXIT

echo "TAP version 13"
vf_setup
if ! command -v mdevctl >/dev/null || ! command -v udevadm >/dev/null ||
   [ ! -x "$VMDEVCTL" ] || ! modprobe vhost_mdev 2>/dev/null ||
   [ ! -e /sys/class/mdev_bus/mvnet ]; then
	echo "1..0 # SKIP no mdevctl, udevadm, vmdevctl, vhost_mdev or mvnet"
	exit 0
fi
echo "1..18"

# define UUID PARENT TYPE [ATTR VALUE]...: an --auto definition, then its
# attributes in order (1.2.0's define has no --addattr; modify has).
define() {
	_u=$1 _p=$2 _t=$3
	shift 3
	mdevctl define --auto -u "$_u" -p "$_p" -t "$_t" || return 1
	while [ $# -ge 2 ]; do
		mdevctl modify -u "$_u" --addattr="$1" --value="$2" || return 1
		shift 2
	done
}

# defined_as UUID TEXT: the --dumpjson listing of UUID, without blanks,
# holds TEXT.
defined_as() {
	_json=$(mdevctl list --defined --dumpjson -u "$1" | tr -d ' \n')
	echo "$_json" | grep -qF "$2" || { echo "$_json"; return 1; }
}

# attrs_are UUID MAC MTU PAIRS: what sysfs reads back.
attrs_are() {
	grep -qx "$2" "$MDEV/$1/mac" && grep -qx "$3" "$MDEV/$1/mtu" &&
		grep -qx "$4" "$MDEV/$1/max_vq_pairs" && return 0
	head "$MDEV/$1/mac" "$MDEV/$1/mtu" "$MDEV/$1/max_vq_pairs"
	return 1
}

# stopped_and_undefined UUID PARENT: stop removes the device and keeps the
# definition; undefine removes that.
stopped_and_undefined() {
	mdevctl stop -u "$1" && gone "$MDEV/$1" &&
		mdevctl list --defined | grep -q "^$1 $2 " &&
		mdevctl undefine -u "$1" && [ ! -e "$CONF/$2/$1" ] &&
		! mdevctl list --defined | grep -q "^$1"
}

# --- mvnet-vhost ---------------------------------------------------------

check "define an mvnet-vhost device with mac, mtu, max_vq_pairs" \
	define "$U1" mvnet mvnet-vhost mac 02:00:00:00:0c:01 mtu 9000 \
	max_vq_pairs 2
check "list --defined --dumpjson: type, auto start, attributes in order" \
	defined_as "$U1" '"mdev_type":"mvnet-vhost","start":"auto","attrs":[{"mac":"02:00:00:00:0c:01"},{"mtu":"9000"},{"max_vq_pairs":"2"}]'
check "start creates it (list shows it active and defined)" \
	sh -c "mdevctl start -u $U1 && [ -e $MDEV/$U1 ] &&
	       mdevctl list | grep -q '^$U1 mvnet mvnet-vhost auto (defined)'"
check "its sysfs attributes hold the defined values" \
	attrs_are "$U1" 02:00:00:00:0c:01 9000 2
check "its vhost character device appears" \
	wait_for 10 test -c "/dev/vhost-mdev/$U1"
check "vmdevctl reads the MTU through the device" \
	sh -c "$VMDEVCTL show $U1 | grep -q 'config.mtu *9000'"
check "stop removes it, undefine forgets it" \
	stopped_and_undefined "$U1" mvnet

# --- mvnet-virtio, with virtio_net loaded: it binds at creation ----------

check "define and start an mvnet-virtio device with attributes" \
	sh -c "mdevctl define --auto -u $U2 -p mvnet -t mvnet-virtio &&
	       mdevctl modify -u $U2 --addattr=mac --value=02:00:00:00:0c:02 &&
	       mdevctl modify -u $U2 --addattr=mtu --value=4000 &&
	       mdevctl modify -u $U2 --addattr=max_vq_pairs --value=3 &&
	       mdevctl start -u $U2"
check "its sysfs attributes hold the defined values" \
	attrs_are "$U2" 02:00:00:00:0c:02 4000 3
if2=$(wait_for 30 sh -c "ls $MDEV/$U2/virtio*/net 2>/dev/null")
check "virtio_net's interface has the MAC, MTU and queue pairs" \
	sh -c "[ -n '$if2' ] && grep -qx 02:00:00:00:0c:02 /sys/class/net/$if2/address &&
	       grep -qx 4000 /sys/class/net/$if2/mtu &&
	       ethtool -l $if2 | grep -m1 Combined: | grep -qw 3"
check "stop removes it and its interface" \
	sh -c "mdevctl stop -u $U2 && [ ! -e $MDEV/$U2 ] && [ ! -e /sys/class/net/$if2 ]"
check "undefine the mvnet-virtio device" \
	sh -c "mdevctl undefine -u $U2 && [ ! -e $CONF/mvnet/$U2 ]"

# --- a value out of range ------------------------------------------------

define "$U3" mvnet mvnet-vhost mac 02:00:00:00:0c:03 mtu 10 max_vq_pairs 1
check "start with mtu 10 fails and names the attribute" \
	sh -c "! mdevctl start -u $U3 2>/tmp/mdevctl.err &&
	       grep -q mtu /tmp/mdevctl.err || { cat /tmp/mdevctl.err; false; }"
check "and leaves no device behind (the definition stays)" \
	sh -c "[ ! -e $MDEV/$U3 ] && ! mdevctl list | grep -q $U3 &&
	       mdevctl list --defined | grep -q '^$U3' &&
	       mdevctl undefine -u $U3"

# --- vmdev_vf: a function bound after boot, started by the udev rule -----

# Debian 12's rule runs /usr/sbin/mdevctl; the package installs
# /usr/bin/mdevctl. The admin guide's override, a copy with the path
# corrected, takes the place of the shipped rule.
mkdir -p /etc/udev/rules.d
sed 's|/usr/sbin/mdevctl|/usr/bin/mdevctl|g' /lib/udev/rules.d/60-mdevctl.rules \
	> /etc/udev/rules.d/60-mdevctl.rules
ln -sf "$(command -v udevadm)" /tmp/systemd-udevd
/tmp/systemd-udevd --daemon --resolve-names=never 2>/dev/null && udevd=1
vf_release "$F1"
check "define an --auto vmdev_vf-virtio device on an unbound function" \
	define "$U4" "$F1" vmdev_vf-virtio max_vq_pairs 1
vf_bind "$F1"
check "binding the function starts it through the udev rule" \
	wait_for 30 test -e "$MDEV/$U4"
check "virtio_net binds to it" vf_iface "$F1"
check "stop and undefine it" stopped_and_undefined "$U4" "$F1"

ktap_totals
