#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# A removal that waits for its user holds up nothing else. While a vhost
# device's node is held open and its removal waits for the close, a
# personality module unloads and loads again (which registers it, the
# core's one writer) and other devices are created and removed, each within
# a deadline; then the user closes and the removal completes. KTAP output.

. ../ktap.sh

TYPES=/sys/class/mdev_bus/mvnet/mdev_supported_types
DEVICES=/sys/bus/mdev/devices
# Seconds each step may take; the removal itself waits for the close only.
DEADLINE=30

new_uuid() {
	cat /proc/sys/kernel/random/uuid
}

# done_within SECS PID: PID exited within SECS seconds, with status 0.
done_within() {
	wait_for "$1" sh -c "! kill -0 $2 2>/dev/null" || return 1
	wait "$2"
}

echo "TAP version 13"
echo "1..7"

modprobe vhost_mdev
modprobe virtio_mdev
a=$(new_uuid)
b=$(new_uuid)
c=$(new_uuid)
check "create a vhost device" sh -c "echo $a > $TYPES/mvnet-vhost/create"
wait_for 10 test -c "/dev/vhost-mdev/$a"

# The node held open by another process, as a hypervisor would.
sleep 600 3<"/dev/vhost-mdev/$a" &
holder=$!
sleep 0.5
echo 1 > "$DEVICES/$a/remove" &
remover=$!
sleep 1
if kill -0 "$remover" 2>/dev/null; then
	ok "the removal waits for the user"
else
	not_ok "the removal waits for the user"
fi

# The writer: unregistering and registering a personality.
(modprobe -r virtio_mdev && modprobe virtio_mdev) &
loader=$!
if done_within "$DEADLINE" "$loader"; then
	ok "a personality unloads and loads meanwhile"
else
	not_ok "a personality unloads and loads meanwhile"
fi

(echo "$b" > "$TYPES/mvnet-vhost/create" &&
	echo "$c" > "$TYPES/mvnet-virtio/create") &
creator=$!
if done_within "$DEADLINE" "$creator"; then
	ok "devices are created meanwhile"
else
	not_ok "devices are created meanwhile"
fi

(echo 1 > "$DEVICES/$b/remove" && echo 1 > "$DEVICES/$c/remove") &
other=$!
if done_within "$DEADLINE" "$other"; then
	ok "other devices are removed meanwhile"
else
	not_ok "other devices are removed meanwhile"
fi

kill "$holder"
if done_within "$DEADLINE" "$remover"; then
	ok "the removal completes once the user closes"
else
	not_ok "the removal completes once the user closes"
fi
check "the device is gone" sh -c "! test -e $DEVICES/$a"

# Whatever failed above, leave nothing behind for the next test.
for u in "$a" "$b" "$c"; do
	[ -e "$DEVICES/$u" ] && echo 1 > "$DEVICES/$u/remove" 2>/dev/null
done
modprobe virtio_mdev
ktap_totals
