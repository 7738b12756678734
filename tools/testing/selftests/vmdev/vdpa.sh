#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Debian's unmodified vdpa tool (iproute2 6.1) manages vmdev devices
# through vmdev_vdpa, the "vdpa" generic netlink family, as the admin guide
# shows: the tool loads the module on demand; "vdpa mgmtdev show" lists
# mvnet and a vmdev_vf function (whose one device "dev add" makes too,
# refusing a MAC, MTU or queue pairs, which the function's own are);
# "vdpa dev add" creates a device (vhost by
# default, virtio with the module's personality parameter) with its MAC,
# MTU and queue pairs; "dev show", "dev config show" (negotiated features
# once virtio_net set them), "dev vstats show" (mvnet's counters) and
# "dev del"; devices created through sysfs
# are shown and removed by their UUID, and the other way round; bad input
# gets upstream's errno and changes nothing; changes need CAP_NET_ADMIN.
# Each JSON output (-j) is checked whole; vdpa_upstream.sh compares them
# with upstream's, where upstream's modules are (the interop lane). KTAP
# output.

MAC=02:00:00:00:0d:01
U1=5a0f3e2c-0b1d-4c2e-9d7a-0000000000d1
MDEV=/sys/bus/mdev/devices
TYPES=/sys/class/mdev_bus/mvnet/mdev_supported_types
PARAM=/sys/module/vmdev_vdpa/parameters/personality
. ../ktap.sh
. ../vmdev_vf/vmdev_vf.sh
. ./vdpa_lib.sh

cleanup() {
	for d in "$MDEV"/*; do
		[ -e "$d/remove" ] && echo 1 > "$d/remove"
	done
	[ -n "${F1:-}" ] && vf_release "$F1"
	rmmod vmdev_vdpa 2>/dev/null
}
trap cleanup EXIT

echo "TAP version 13"
if [ ! -d /sys/module/mvnet ] || ! command -v vdpa >/dev/null; then
	echo "1..0 # SKIP no mvnet or no vdpa tool"
	exit 0
fi
echo "1..31"

# is EXPECTED CMD...: CMD's output is EXPECTED, exactly.
is() {
	_want=$1
	shift
	_got=$("$@" 2>&1)
	[ "$_got" = "$_want" ] && return 0
	echo "got:  $_got"
	echo "want: $_want"
	return 1
}

# matches REGEX CMD...: CMD's output matches the extended REGEX, whole.
matches() {
	_re=$1
	shift
	_got=$("$@" 2>&1)
	echo "$_got" | grep -qxE "$_re" && return 0
	echo "got:  $_got"
	echo "want: $_re"
	return 1
}

# fails ERRNO_TEXT CMD...: CMD fails, saying the kernel's ERRNO_TEXT.
fails() {
	_text=$1
	shift
	_out=$("$@" 2>&1) && { echo "succeeded: $_out"; return 1; }
	echo "$_out" | grep -q "kernel answers: $_text" && return 0
	echo "$_out"
	return 1
}

devices() { ls "$MDEV" | wc -l; }

# devices_are N: N mdev devices exist.
devices_are() {
	[ "$(devices)" = "$1" ] && return 0
	echo "$(devices) devices, not $1:"
	ls "$MDEV"
	return 1
}

# uuid_of NAME: the mdev UUID of the device vdpa knows as NAME.
uuid_of() {
	grep -lx "$1" "$MDEV"/*/vdpa_name 2>/dev/null | head -n1 | cut -d/ -f6
}

attr_is() {
	[ "$(cat "$MDEV/$1/$2")" = "$3" ] && return 0
	echo "$2 is $(cat "$MDEV/$1/$2"), not $3"
	return 1
}

FEAT='"MTU","MAC","MRG_RXBUF","STATUS","CTRL_VQ","CTRL_RX","MQ","CTRL_MAC_ADDR","RING_EVENT_IDX","VERSION_1","ACCESS_PLATFORM"'
DEV0='"vdpa0":{"type":"network","mgmtdev":"mvnet","vendor_id":6900,"max_vqs":5,"max_vq_size":1024}'
DEVU='"'$U1'":{"type":"network","mgmtdev":"mvnet","vendor_id":6900,"max_vqs":17,"max_vq_size":1024}'

autoloads() {
	rmmod vmdev_vdpa 2>/dev/null
	vdpa mgmtdev show >/dev/null && test -d /sys/module/vmdev_vdpa
}

vf_mgmtdev() {
	vf_bind "$F1" || return 1
	matches '\{"mgmtdev":\{"pci/'"$F1"'":\{"supported_classes":\["net"\],"max_supported_vqs":3,"dev_features":\[.*"VERSION_1".*\]\}\}\}' \
		vdpa -j mgmtdev show "pci/$F1"
}

both_listed() {
	_l=$(vdpa mgmtdev show)
	echo "$_l" | grep -q '^mvnet:' && echo "$_l" | grep -q "^pci/$F1:" && return 0
	echo "$_l"
	return 1
}

vdpa0_is_mdev() {
	[ -n "$V0" ] && attr_is "$V0" personality vhost &&
		readlink "$MDEV/$V0/mdev_type" | grep -q 'mvnet-vhost$' &&
		attr_is "$V0" mac $MAC && attr_is "$V0" mtu 9000 &&
		attr_is "$V0" max_vq_pairs 2
}

del_sysfs_created() {
	vdpa dev del "$U1" && [ ! -e "$MDEV/$U1" ] && devices_are 1
}

sysfs_remove_vdpa0() {
	echo 1 > "$MDEV/$V0/remove" && is "" vdpa dev show
}

add_by_uuid() {
	vdpa dev add name "$U1" mgmtdev mvnet && [ -e "$MDEV/$U1" ] &&
		attr_is "$U1" vdpa_name "$U1" &&
		vdpa dev del "$U1" && devices_are 0
}

has_iface() { ls "$MDEV/$(uuid_of vnet1)"/virtio*/net/* >/dev/null 2>&1; }

virtio_add() {
	modprobe virtio_mdev && modprobe virtio_net &&
		echo virtio > "$PARAM" &&
		vdpa dev add name vnet1 mgmtdev mvnet mac $MAC &&
		attr_is "$(uuid_of vnet1)" personality virtio &&
		wait_for 30 has_iface
}

virtio_del() {
	vdpa dev del vnet1 && devices_are 0 && echo vhost > "$PARAM"
}

name_in_use() {
	vdpa dev add name vdpa0 mgmtdev mvnet mac $MAC || return 1
	fails 'File exists' vdpa dev add name vdpa0 mgmtdev mvnet &&
		devices_are 1
}

too_many_pairs() {
	fails 'Invalid argument' vdpa dev add name x mgmtdev mvnet max_vqp 9 &&
		devices_are 1
}

unknown_device() {
	fails 'No such device' vdpa dev del nosuch &&
		fails 'No such device' vdpa dev show nosuch &&
		fails 'No such device' vdpa dev config show nosuch
}

# vstats_fails DEV QIDX ERRNO_TEXT: the tool exits 0 whatever the kernel
# answered; its message says.
vstats_fails() {
	_out=$(vdpa dev vstats show "$1" qidx "$2" 2>&1)
	echo "$_out" | grep -q "kernel answers: $3" && return 0
	echo "$_out"
	return 1
}

bad_queues() {
	vstats_fails vnet1 17 'Invalid argument' &&
		vstats_fails vnet1 32769 'Numerical result out of range'
}

# The tool without CAP_NET_ADMIN.
noadmin() { ./vdpa_netlink --without-net-admin "$@"; }

unprivileged() {
	fails 'Operation not permitted' noadmin vdpa dev add name x mgmtdev mvnet &&
		fails 'Operation not permitted' noadmin vdpa dev del vdpa0 &&
		noadmin vdpa dev vstats show vdpa0 qidx 0 2>&1 |
			grep -q 'kernel answers: Operation not permitted' &&
		noadmin vdpa dev show vdpa0 >/dev/null &&
		noadmin vdpa dev config show vdpa0 >/dev/null &&
		devices_are 1
}

unload_keeps_devices() {
	rmmod vmdev_vdpa && devices_are 1
}

vf_add() {
	vdpa dev add name vf0 mgmtdev "pci/$F1" || return 1
	readlink "$MDEV/$(uuid_of vf0)/mdev_type" | grep -q 'vmdev_vf-vhost$' &&
		matches '\{"dev":\{"vf0":\{"type":"network","mgmtdev":"pci/'"$F1"'","vendor_id":6900,"max_vqs":[0-9]+,"max_vq_size":[0-9]+\}\}\}' \
			vdpa -j dev show vf0
}

# vmdev_vf's devices report the function's own MAC, MTU and pairs:
# upstream's refusal of what a parent cannot set, nothing created.
vf_attrs_refused() {
	for _a in "mac $MAC" "mtu 1400" "max_vqp 1"; do
		# shellcheck disable=SC2086 # an attribute and its value
		fails 'Operation not supported' \
			vdpa dev add name vf0 mgmtdev "pci/$F1" $_a || return 1
	done
	devices_are 0
}

vf_full() {
	fails 'Too many users' vdpa dev add name vf1 mgmtdev "pci/$F1" &&
		vdpa dev del vf0 && devices_are 0
}

# --- the module, the management devices ------------------------------------

check "the tool loads vmdev_vdpa by the family's alias" autoloads
check "mgmtdev show mvnet -j: class net, 17 queues, its features" \
	is '{"mgmtdev":{"mvnet":{"supported_classes":["net"],"max_supported_vqs":17,"dev_features":['"$FEAT"']}}}' \
	vdpa -j mgmtdev show mvnet
F1=$(vf_functions | head -n1)
check "a vmdev_vf function is management device pci/BDF, 3 queues" vf_mgmtdev
check "mgmtdev show (dump) lists both" both_listed
check "dev add on the function with mac, mtu or max_vqp: EOPNOTSUPP" \
	vf_attrs_refused
check "dev add on the function: its vmdev_vf-vhost device, dev show -j" vf_add
check "a second device on it: EUSERS (it holds one); dev del the first" \
	vf_full

# --- dev add, show, config show, del -----------------------------------------

check "dev add name vdpa0 mgmtdev mvnet mac M mtu 9000 max_vqp 2" \
	vdpa dev add name vdpa0 mgmtdev mvnet mac $MAC mtu 9000 max_vqp 2
V0=$(uuid_of vdpa0)
check "it is an mvnet-vhost mdev with those attributes, named vdpa0" \
	vdpa0_is_mdev
check "its vhost character device appears" \
	wait_for 10 test -c "/dev/vhost-mdev/$V0"
check "dev show vdpa0 -j" is '{"dev":{'"$DEV0"'}}' vdpa -j dev show vdpa0
check "dev config show vdpa0 -j: MAC, link, queue pairs, MTU" \
	is '{"config":{"vdpa0":{"mac":"'$MAC'","link ":"up","link_announce ":false,"max_vq_pairs":2,"mtu":9000}}}' \
	vdpa -j dev config show vdpa0
echo "$U1" > "$TYPES/mvnet-vhost/create"
check "dev show -j (dump): a sysfs-created device by its UUID" \
	is '{"dev":{'"$DEV0,$DEVU"'}}' vdpa -j dev show
check "dev del UUID removes the sysfs-created device" del_sysfs_created
check "a sysfs remove of vdpa0 takes it from dev show" sysfs_remove_vdpa0
check "dev add name UUID creates the mdev of that UUID; dev del it" \
	add_by_uuid

# --- the virtio personality, negotiated features ------------------------------

check "personality=virtio: dev add gives virtio_net an interface" virtio_add
check "dev config show -j: the features virtio_net negotiated" \
	matches '\{"config":\{"vnet1":\{"mac":"'$MAC'","link ":"up","link_announce ":false,"max_vq_pairs":8,"mtu":1500,"negotiated_features":\[.*"VERSION_1".*\]\}\}\}' \
	vdpa -j dev config show vnet1
check "dev vstats show -j: a receive queue's counters" \
	matches '\{"vstats":\{"vnet1":\{"queue_type":"rx","packets":[0-9]+,"bytes":[0-9]+,"drops":[0-9]+,"errors":0\}\}\}' \
	vdpa -j dev vstats show vnet1 qidx 0
check "dev vstats show -j: the control queue's, commands run" \
	matches '\{"vstats":\{"vnet1":\{"queue_type":"control_vq","packets":[1-9][0-9]*,"bytes":[0-9]+,"drops":[0-9]+,"errors":0\}\}\}' \
	vdpa -j dev vstats show vnet1 qidx 16
check "dev vstats show: a queue the device lacks, EINVAL; past 0x8000, ERANGE" \
	bad_queues
check "dev del removes it and its interface" virtio_del

# --- bad input, permissions -----------------------------------------------------

check "a name in use: EEXIST, nothing created" name_in_use
check "an unknown management device: ENODEV" \
	fails 'No such device' vdpa dev add name x mgmtdev nosuch
check "more queue pairs than mvnet has: EINVAL, nothing created" \
	too_many_pairs
check "a multicast MAC: EINVAL" \
	fails 'Invalid argument' vdpa dev add name x mgmtdev mvnet mac 01:00:5e:00:00:01
check "an MTU below 68: the policy's ERANGE" \
	fails 'Numerical result out of range' vdpa dev add name x mgmtdev mvnet mtu 67
check "dev del, show, config show of an unknown device: ENODEV" \
	unknown_device
check "vstats before the driver set FEATURES_OK: EAGAIN" \
	vstats_fails vdpa0 0 'Resource temporarily unavailable'
check "without CAP_NET_ADMIN: add, del, vstats EPERM; show works" \
	unprivileged

# --- the module ---------------------------------------------------------------

check "vmdev_vdpa unloads with a device present, which stays" \
	unload_keeps_devices
ktap_totals
