# SPDX-License-Identifier: GPL-2.0-only
#
# The dma_map benchmark, sourced by run.sh (POSIX sh, set -eu): the time
# VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA take for one anonymous region
# of BENCH_MAP_MIB (1024) MiB through the container of a vmdev_vf-vhost
# device on the test VM's first virtio-net-pci function (its own IOMMU
# group, the emulated intel-iommu): ../bin/dma_map, 4 KiB pages, and 2 MiB
# pages (hugetlb) when the guest has room to reserve them besides.
#
# The region is pinned whole, so the guest needs more than its size free
# (host.sh boots it with VM_MEM=3G for that); with less, as much as fits
# (MemAvailable less 256 MiB, in 64 MiB steps) is mapped and said so, and
# the 2 MiB row needs as much again.
#
# Environment: BENCH_MAP_MIB (1024), BENCH_MAP_REPEAT (3; the median is
# reported), BENCH_MAP_HUGE (1; 0: 4 KiB pages only), BENCH_VF_LIB (as in
# netns.sh).

# shellcheck source=../selftests/vmdev_vf/vmdev_vf.sh
. "${BENCH_VF_LIB:-$HERE/../vmdev_vf/vmdev_vf.sh}"

HUGEPAGES=/proc/sys/vm/nr_hugepages

# MiB the guest could still give a process.
map_avail_mib() {
	awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo
}

# map_hugepages MIB: reserve MIB of 2 MiB pages, or none at all.
map_hugepages() {
	echo $(($1 / 2)) >$HUGEPAGES 2>/dev/null
	[ "$(cat $HUGEPAGES)" -ge $(($1 / 2)) ] && return 0
	echo 0 >$HUGEPAGES
	return 1
}

# map_run JSON BDF: the program against a new vhost device on BDF.
map_run() {
	want=${BENCH_MAP_MIB:-1024}
	avail=$(map_avail_mib)
	mib=$want
	[ $((avail - 256)) -ge "$mib" ] || mib=$(((avail - 256) / 64 * 64))
	[ "$mib" -gt 0 ] || { echo "dma_map: no memory to map" >&2; return 1; }
	[ "$mib" -eq "$want" ] || echo "dma_map: mapping $mib MiB, not $want:" \
		"the guest has $avail MiB available (VM_MEM)"
	huge=""
	if [ "${BENCH_MAP_HUGE:-1}" = 0 ]; then
		:
	elif [ $((avail - 256 - mib)) -ge "$mib" ] && map_hugepages "$mib"; then
		huge=--huge
	else
		echo "dma_map: no 2 MiB row: $mib MiB of hugepages do not fit besides"
	fi
	dev=$(cat /proc/sys/kernel/random/uuid)
	DEVICES="$DEVICES $dev"
	if ! vf_bind "$2" || ! vf_create "$2" vhost "$dev"; then
		echo "dma_map: $2: no vmdev_vf-vhost device" >&2
		return 1
	fi
	echo "dma_map: function $2 (vmdev_vf), device $dev," \
		"IOMMU group $(basename "$(readlink "$PCI/$2/iommu_group")")"
	# shellcheck disable=SC2086 # $huge: no word or one
	"$BIN/dma_map" --uuid "$dev" --size-mib "$mib" \
		--repeat "${BENCH_MAP_REPEAT:-3}" $huge --json "$1"
}

# (Called as a condition, as every bench_*: set -e does not apply inside.)
bench_dma_map() {
	# shellcheck disable=SC2046 # one BDF a word
	set -- "$1" $(vf_functions)
	if [ $# -lt 2 ] || [ ! -d "$DRV" ]; then
		echo "dma_map: needs a virtio-net-pci function and vmdev_vf" >&2
		return 1
	fi
	ret=0
	map_run "$1" "$2" || ret=1
	echo 0 >$HUGEPAGES
	teardown
	vf_release "$2"
	return $ret
}
