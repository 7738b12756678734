# SPDX-License-Identifier: GPL-2.0-only
#
# The dma_map benchmark, sourced by run.sh (POSIX sh, set -eu): the time to
# map and to unmap BENCH_MAP_SIZES (1024,4096) MiB of one anonymous region,
# 2 MiB pages then 4 KiB pages, through ../bin/dma_map's four targets:
#
#   mvnet-cdev     our character device of an mvnet-vhost device
#   vhost_vdpa     upstream vhost_vdpa over a vdpa_sim_net device
#   vmdev_vf-cdev  our character device of a vmdev_vf-vhost device on the
#                  test VM's first virtio-net-pci function (its own IOMMU
#                  group, the emulated intel-iommu)
#   vmdev_vf-vfio  the same device through its VFIO container
#
# Every target pins the whole range, so the guest needs more than the
# largest size free (host.sh gives the VM that much more memory); with
# less, the sizes that fit (MemAvailable less 512 MiB) are measured and the
# others said to be left out.
#
# Environment: BENCH_MAP_SIZES (MiB, "1024,4096"), BENCH_MAP_REPEAT (3;
# the median is reported), BENCH_MAP_HUGE (1; 0: 4 KiB pages only),
# BENCH_VF_LIB (as in netns.sh).

# shellcheck source=../selftests/vmdev_vf/vmdev_vf.sh
. "${BENCH_VF_LIB:-$HERE/../vmdev_vf/vmdev_vf.sh}"

# The sizes of BENCH_MAP_SIZES that fit, comma-separated.
map_sizes() {
	avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
	fit=""
	for s in $(echo "${BENCH_MAP_SIZES:-1024,4096}" | tr , ' '); do
		if [ $((avail - 512)) -ge "$s" ]; then
			fit="$fit${fit:+,}$s"
		else
			echo "dma_map: $s MiB left out: the guest has $avail MiB" \
				"available (VM_MEM)" >&2
		fi
	done
	[ -n "$fit" ] || return 1
	echo "$fit"
}

# (Called as a condition, as every bench_*: set -e does not apply inside.)
bench_dma_map() {
	# shellcheck disable=SC2046 # one BDF a word
	set -- "$1" $(vf_functions)
	if [ $# -lt 2 ] || [ ! -d "$DRV" ]; then
		echo "dma_map: needs a virtio-net-pci function and vmdev_vf" >&2
		return 1
	fi
	sizes=$(map_sizes) || { echo "dma_map: no memory to map" >&2; return 1; }
	ret=0
	if sw=$(new_device mvnet-vhost) && DEVICES="$DEVICES $sw" &&
	   hw=$(cat /proc/sys/kernel/random/uuid) && DEVICES="$DEVICES $hw" &&
	   peer_load && PEERS="$PEERS bench0" &&
	   node=$(peer_add bench0 "$PEER_MAC") &&
	   vf_bind "$2" && vf_create "$2" vhost "$hw"; then
		:
	else
		echo "dma_map: setup failed" >&2
		ret=1
	fi
	if [ $ret = 0 ]; then
		echo "dma_map: function $2 (vmdev_vf), IOMMU group" \
			"$(basename "$(readlink "$PCI/$2/iommu_group")")"
		huge=""
		[ "${BENCH_MAP_HUGE:-1}" != 0 ] || huge=--no-huge
		# shellcheck disable=SC2086 # $huge: no word or one
		"$BIN/dma_map" --cdev "$sw" --peer-node "$node" --cdev-hw "$hw" \
			--vfio-hw "$hw" --sizes-mib "$sizes" \
			--repeat "${BENCH_MAP_REPEAT:-3}" $huge --json "$1" || ret=1
	fi
	teardown
	vf_release "$2"
	return $ret
}
