# SPDX-License-Identifier: GPL-2.0
# Sourced by tools/testing/vm/run and tools/testing/interop/bundle.sh:
# filling an initramfs staging tree from the host and the kernel cache.
#
#   norm                        module names on stdin, '-' as '_'
#   module_closure MODDIR ROOT...
#                               paths (relative to MODDIR, a
#                               /lib/modules/<version>) of the ROOT modules
#                               and everything they depend on; a root not
#                               found is named on stderr as "missing NAME"
#   copy_with_libs STAGE PROG   PROG and the shared libraries ldd names,
#                               as regular files at the same paths

# Module names, '-' and '_' being the same to the kernel.
norm() { tr - _; }

# modules.dep lists each module's full dependency chain already.
module_closure() {
	local moddir=$1
	shift
	awk -v roots="$(echo "$@" | norm)" '
	BEGIN { n = split(roots, r, /[ \t\n]+/); for (i = 1; i <= n; i++) if (r[i] != "") want[r[i]] = 1 }
	{
		path = $1; sub(/:$/, "", path)
		name = path; sub(/.*\//, "", name); sub(/\.ko.*$/, "", name); gsub(/-/, "_", name)
		if (name in want) { found[name] = 1; print path; for (i = 2; i <= NF; i++) print $i }
	}
	END { for (m in want) if (!(m in found)) print "missing " m > "/dev/stderr" }
	' "$moddir/modules.dep" | sort -u
}

copy_with_libs() {
	local stage=$1 prog=$2 f
	for f in "$prog" $(ldd "$prog" 2>/dev/null | grep -oE '/[^ ]+' || true); do
		mkdir -p "$stage$(dirname "$f")"
		cp -L "$f" "$stage$f"
	done
}
