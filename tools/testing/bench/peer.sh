# SPDX-License-Identifier: GPL-2.0-only
#
# The peer, sourced by run.sh (POSIX sh): upstream Linux vDPA as the test VM
# carries it (scripts/upstream-vdpa.sh builds vringh, vdpa, vhost_vdpa,
# vdpa_sim and vdpa_sim_net from Debian's linux-source of the very kernel
# under test; host.sh hands them to the VM with VM_EXTRA_KO): vdpa_sim_net
# devices made with Debian's iproute2 "vdpa" tool, each bound to vhost_vdpa,
# which gives it a /dev/vhost-vdpa-N node.
#
# Every benchmark drives the peer with the same library (libvmdev) and
# protocol as our character device, so the two differ only in the kernel.

PEER_MGMTDEV=vdpasim_net
PEER_MODULES="vhost_vdpa vdpa_sim_net vdpa_sim vdpa vringh"
# vhost_vdpa and vdpa_sim each keep at most max_iotlb_entries mappings
# (2048 by default) and fail an UPDATE beyond (ENOSPC): each run of
# physically contiguous pages is one, so 4 GiB of guest memory can need
# far more (2 MiB pages: at least 2048).  Room for 4 GiB of single 4 KiB
# pages.
PEER_IOTLB_ENTRIES=1048576

# The modules, or a reason on stderr.
peer_load() {
	modprobe vdpa_sim max_iotlb_entries=$PEER_IOTLB_ENTRIES &&
		modprobe vdpa_sim_net &&
		modprobe vhost_vdpa max_iotlb_entries=$PEER_IOTLB_ENTRIES &&
		return 0
	echo "peer: no upstream vDPA modules (VM_EXTRA_KO, scripts/upstream-vdpa.sh)" >&2
	return 1
}

peer_unload() {
	# shellcheck disable=SC2086 # one module a word
	rmmod $PEER_MODULES 2>/dev/null || true
}

# vdpa_node NAME: the vhost_vdpa node of vdpa device NAME on stdout, once
# devtmpfs has it: found through the device's sysfs directory (its
# vhost-vdpa-N child), not by major (another vhost-vdpa* driver may be
# loaded: ours).  5 s at most.
vdpa_node() {
	i=0
	while [ $i -lt 50 ]; do
		for d in /sys/bus/vdpa/devices/"$1"/vhost-vdpa-*; do
			if [ -e "$d" ] && [ -c "/dev/${d##*/}" ]; then
				echo "/dev/${d##*/}"
				return 0
			fi
		done
		sleep 0.1
		i=$((i + 1))
	done
	echo "vdpa device $1 has no vhost-vdpa node" >&2
	return 1
}

# peer_add NAME MAC: a vdpa_sim_net device NAME with MAC; its node on
# stdout once devtmpfs has it.
peer_add() {
	vdpa dev add name "$1" mgmtdev $PEER_MGMTDEV mac "$2" || return 1
	vdpa_node "$1"
}

peer_del() {
	vdpa dev del "$1"
}
