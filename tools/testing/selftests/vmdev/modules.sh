#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Module loading in the test VM behaves as on a Debian host: modprobe is
# kmod, which follows soft dependencies, so vfio brought its IOMMU backend
# along when our modules were loaded at boot (no test loads it itself), and
# our modules load on demand by their aliases. KTAP output.

. ../ktap.sh

echo "TAP version 13"
echo "1..4"
check "modprobe is kmod" sh -c "modprobe --version | grep -q '^kmod'"
check "depmod indexed vfio's soft dependency" \
	grep -q '^softdep vfio .*vfio_iommu_type1' \
	"/lib/modules/$(uname -r)/modules.softdep"
check "vfio_iommu_type1 came with vfio" test -d /sys/module/vfio_iommu_type1
check "a personality loads by its alias" \
	sh -c "modprobe -r vhost_mdev && modprobe vmdev-personality-vhost &&
	       test -d /sys/module/vhost_mdev"
ktap_totals
