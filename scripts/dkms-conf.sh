#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the dkms.conf of the vhost-mdev-dkms package (debian/rules writes it
# to debian/vhost-mdev-dkms.dkms, which dh_dkms installs):
#
#   scripts/dkms-conf.sh [TREE]      TREE: the source tree, default .
#
# One BUILT_MODULE entry per module that the tree's Kbuild files build:
# every "obj-$(CONFIG_X) += name.o" line under drivers/ and samples/
# whose CONFIG_X is a tristate of one of our Kconfig files (what the
# top-level Makefile sets to m).  A new module is a Kbuild line and a
# Kconfig entry, as for the build itself; nothing here names a module.
# scripts/check-deb.sh checks the list against the modules.order of the
# build DKMS ran, and that a module added this way shows up.
set -euo pipefail

TREE=${1:-.}
cd "$TREE"

# The tristates of our Kconfig files, as the top-level Makefile finds them.
configs() {
	find Kconfig drivers samples -name Kconfig -print0 2>/dev/null |
		xargs -0r awk '/^[ \t]*(menu)?config[ \t]/ { c = $2 }
			/^[ \t]*(tristate|def_tristate)/ { if (c != "") print "CONFIG_" c; c = "" }' |
		sort -u
}

# "DIR NAME" for each module object of a Kbuild (or Makefile) line
# "obj-$(CONFIG_X) += a.o b.o" with CONFIG_X one of ours; subdirectories
# ("dir/") are not modules.
modules() {
	local ours
	ours=$(configs | tr '\n' ' ')
	find drivers samples \( -name Kbuild -o -name Makefile \) -print 2>/dev/null | sort |
		while read -r f; do
			awk -v dir="$(dirname "$f")" -v ours=" $ours" '
				# Continuation lines join the next one.
				{ line = line $0 }
				/\\$/ { sub(/\\$/, " ", line); next }
				{
					if (match(line, /^[ \t]*obj-\$\(CONFIG_[A-Za-z0-9_]+\)[ \t]*[+:]?=/)) {
						cfg = line
						sub(/^[ \t]*obj-\$\(/, "", cfg)
						sub(/\).*/, "", cfg)
						rest = substr(line, RLENGTH + 1)
						if (index(ours " ", " " cfg " ")) {
							n = split(rest, w, /[ \t]+/)
							for (i = 1; i <= n; i++)
								if (w[i] ~ /^[A-Za-z0-9_-]+\.o$/)
									print dir, substr(w[i], 1, length(w[i]) - 2)
						}
					}
					line = ""
				}' "$f"
		done | sort -u
}

main() {
	local i=0 dir name list
	list=$(modules)
	[ -n "$list" ] || { echo "dkms-conf.sh: no module found in $TREE" >&2; exit 1; }
	cat <<'EOF'
# dkms.conf of vhost-mdev, written by scripts/dkms-conf.sh from the Kbuild
# files: one BUILT_MODULE entry per module they build.  Add a module to a
# Kbuild file and a Kconfig, not here.
PACKAGE_NAME="vhost-mdev"
PACKAGE_VERSION="#MODULE_VERSION#"

# The top-level Makefile sets every tristate of our Kconfig files to m.
# DKMS adds -jN and KERNELRELEASE= to the command.
MAKE[0]="make KDIR=${kernel_source_dir} modules"
CLEAN="make KDIR=${kernel_source_dir} clean"

# Rebuilt for every kernel whose headers are installed.
AUTOINSTALL="yes"

# Not for a kernel with upstream vDPA, which does the same job (and owns
# the vdpa netlink family and the IFC VF IDs there), nor for one without
# mdev: DKMS skips such a kernel without failing (the Kbuild refuses it
# too, for a build by hand).  Documentation/admin-guide/vhost-mdev.rst,
# "Kernels with upstream vDPA".
BUILD_EXCLUSIVE_CONFIG="CONFIG_VFIO_MDEV !CONFIG_VDPA"
EOF
	while read -r dir name; do
		cat <<EOF

BUILT_MODULE_NAME[$i]="$name"
BUILT_MODULE_LOCATION[$i]="$dir/"
DEST_MODULE_LOCATION[$i]="/updates/dkms"
EOF
		i=$((i + 1))
	done <<<"$list"
}

main
