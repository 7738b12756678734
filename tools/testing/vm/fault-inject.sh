#!/bin/sh
# In the test VM, debug kernel ("make check-debug"): the fault-injection pass.
#
#   sh ./fault-inject.sh [SELFTESTS [ITERATIONS [PROBABILITY [BUDGET]]]]
#
# For each of our modules that is loaded (/vm/modules), failslab is aimed at
# that module alone: require-start/require-end is its core's address range
# (/proc/modules's address, /sys/module/<m>/coresize; an allocation fails
# only when a frame of that module is on its stack), reject-start/reject-end
# kmemleak's hooks (its own bookkeeping is not ours to fail; vmdev_vf's
# "pages" runs put another stock block there, see aim()), and
# PROBABILITY percent (default 20) of those allocations fail.  Test runs
# take turns: in one, slab allocations fail in any context, kworkers,
# timers and softirq included, where our module's deferred work allocates;
# in the next, page allocations of the test processes (fail_page_alloc,
# the same filters; vmdev_vf's with two exclusions of stock code, see
# aim()); in the third, slab
# allocations of the test processes only (task-filter: make-it-fail is set
# in the shell that execs each test, and inherited).  The turns shift by one each
# round (the kind of a test's run is its place in the round plus the
# round's number plus a turn, FI_TURN, that changes from pass to pass), so
# that every test meets every kind in three rounds, and a budget of one
# round (check-debug's for some modules) meets them over several passes
# ("any" covers the test processes' slab allocations too).  FI_ANY=0
# leaves out the "any" runs, FI_PAGES=0 the page runs.  The module's lifecycle and ioctl
# tests (tests_spec below; SELFTESTS defaults to selftests) run ITERATIONS
# times (default 20) or until BUDGET seconds (default 90) have passed, the
# budget checked before each run.  Their verdicts are ignored: injected
# faults make them fail by design.
#
# Then, faults off, the module passes when: the kernel log has no splat
# (/vm/splat-re), kmemleak has no report in our modules, every mdev device
# can be removed, all our modules unload (no leaked reference) and load
# again, a clean run of the module's quick tests passes, and at least one
# fault was injected (a pass that injected nothing tested nothing).  The
# count is failslab's own: "times" starts high and drops by one per
# injected fault, each one in the module's code paths (a frame of it on the
# stack, none of kmemleak's).
#
# FI_MODULES="vmdev mvnet" limits the pass to those modules.
#
# Then the deterministic pass (pass_fail_nth below; FI_NTH=0 skips it):
# selftests/fault/fail_nth fails each allocation of each operation of a
# vhost device in turn.
#
# Output: one KTAP program per module, framed as run-tests.sh frames them
# ("### test fault-inject/<module>" ... "### end ... exit N"), so that
# scripts/ktap-summary counts one result per module.
#
# fail_page_alloc too, every third run (the "pages" runs of aim()): a
# failed page allocation prints "page allocation failure" and a call trace
# at warning level, which no check can tell from a real splat by its
# pattern; during those runs the console shows errors only, and
# check_log counts the reports against the faults injected.  verbose=0:
# verbose=1 dumps a stack per fault.
top=${1:-selftests}
# vmdev/vdpa_netlink leaves the modules it is aimed at loaded (its cases
# that unload vmdev_vdpa or mvnet skip): a module loaded again would sit
# at another address than the one failslab aims at.
export VDPA_TEST_KEEP_MODULES=1
iterations=${2:-20}
probability=${3:-20}
budget=${4:-90}
FS=/sys/kernel/debug/failslab
PA=/sys/kernel/debug/fail_page_alloc
# The console's log level as found, put back after "pages" runs.
console_saved=$(cut -f1 /proc/sys/kernel/printk)
TIMES=1000000000
PER_RUN=60	# seconds a test may take under faults

splat_re=$(cat /vm/splat-re 2>/dev/null || echo 'BUG:|WARNING:|Call Trace')
not_splat_re=$(cat /vm/not-splat-re 2>/dev/null || echo '^$')
why=""

fail() { why="${why:+$why; }$*"; }
norm() { tr - _; }

# Our module names in load order, '-' as '_'.
our_modules() { norm </vm/modules; }

loaded() { grep -q "^$1 " /proc/modules; }

# "0x<start> 0x<end>" of a loaded module's core (text and data): its
# address from /proc/modules, its size from /sys/module/<m>/coresize.
# (/proc/modules's size adds the init sections, which are elsewhere and
# gone once loaded: with it the range ran into the next module.)  dash's
# arithmetic is signed 64-bit: add the size to the low 32 bits and carry by
# hand.
module_range() {
	local size addr
	size=$(cat "/sys/module/$1/coresize" 2>/dev/null) || return 1
	addr=$(awk -v m="$1" '$1 == m { print $6 }' /proc/modules)
	[ -n "$addr" ] || return 1
	add_hex "$addr" "$size"
}

# add_hex 0xADDR N: "0xADDR 0x<ADDR + N>" (64-bit addresses).
add_hex() {
	local addr hi lo end
	addr=${1#0x}
	hi=$(echo "$addr" | cut -c1-8)
	lo=$(echo "$addr" | cut -c9-16)
	end=$((0x$lo + $2))
	if [ "$end" -gt 4294967295 ]; then
		end=$((end - 4294967296))
		hi=$(printf '%x' $((0x$hi + 1)))
	fi
	printf '0x%s 0x%s%08x\n' "$addr" "$hi" "$end"
}

# "0x<start> 0x<end>" of kmemleak's hooks (kmemleak_alloc() and its
# siblings, one block of mm/kmemleak.c's text): an allocation that
# kmemleak makes for its own bookkeeping has one of them on its stack, and
# failing it tests kmemleak, not us; failslab's reject range skips them.
# Empty without kmemleak.
kmemleak_range() {
	sort /proc/kallsyms | awk '
		$3 == "kmemleak_alloc" { start = $1 }
		start != "" && $3 !~ /^kmemleak_/ { print "0x" start, "0x" $1; exit }'
}

# "0x<start> 0x<end>" of the stock IRQ core's register_irq_proc() (from
# its address to the next symbol's), which vmdev_vf's "pages" runs do not
# fail: see aim().
irq_proc_range() {
	sort /proc/kallsyms | awk '
		$3 == "register_irq_proc" { start = $1; next }
		start != "" && $1 != start { print "0x" start, "0x" $1; exit }'
}

# The modern virtio-net functions (1af4:1041), which vmdev_vf drives in
# its tests, one sysfs path a line.
vf_functions() {
	local d
	for d in /sys/bus/pci/devices/*; do
		# Not an SR-IOV VF: unbinding its PF would take it away.
		[ -e "$d/physfn" ] && continue
		[ "$(cat "$d/vendor")" = 0x1af4 ] &&
			[ "$(cat "$d/device")" = 0x1041 ] && echo "$d"
	done
}

# hold_functions on|off: take (or give back) one enable of each of those
# functions through sysfs ("enable": pci_enable_device(), a count), so
# that a driver's pci_enable_device() during vmdev_vf's "pages" runs finds
# the function enabled and leaves ACPI alone: see aim().  "enable" refuses
# (EBUSY) while a driver is bound: a function a test left bound is
# unbound first (the tests bind what they need).  Done with faults off;
# "held" lists what was taken, so that each is given back once.
held=""
hold_functions() {
	local d
	if [ "$1" = on ]; then
		[ -z "$held" ] || return 0
		for d in $(vf_functions); do
			unbind "$d"
			enabled_none "$d"
			if echo 1 >"$d/enable"; then
				held="$held $d"
			else
				fail "echo 1 >$d/enable failed"
			fi
		done
	else
		for d in $held; do
			unbind "$d"
			echo 0 >"$d/enable" || fail "echo 0 >$d/enable failed"
			enabled_none "$d"
		done
		held=""
	fi
}

# An unbound function has no enable left: what a driver's probe took
# (pci_enable_device()), its remove gave back.  Free to check here, where
# the functions are unbound anyway.
enabled_none() {
	local n
	n=$(cat "$1/enable")
	[ "$n" = 0 ] ||
		fail "${1##*/}: enable count $n while unbound (unbalanced pci_enable_device)"
}

unbind() {
	[ -e "$1/driver" ] && echo "${1##*/}" >"$1/driver/unbind"
	return 0
}

# The tests of module $1's pass: its lifecycle and ioctl tests, where its
# allocations are (devices created, opened, configured, removed; modules
# loaded), chosen to be short on the debug kernel.  "FAULTY | CLEAN": the
# first list runs under faults, the second once afterwards, faults off, to
# show the module still works.  FI_TESTS_<module> overrides.
tests_spec() {
	local spec
	eval "spec=\${FI_TESTS_$1:-}"
	if [ -n "$spec" ]; then
		echo "$spec"
		return
	fi
	case $1 in
	vmdev) echo "vmdev/lifecycle vmdev/device_attrs vmdev/mdev_types | vmdev/device_attrs vmdev/mdev_types" ;;
	mvnet) echo "vmdev/mvnet_attrs vmdev/device_attrs vhost_mdev/datapath | vmdev/mvnet_attrs vhost_mdev/datapath" ;;
	vhost_mdev) echo "vhost_mdev/uapi vhost_mdev/lifetime vhost_mdev_cdev/iotlb vhost_mdev_cdev/node | vhost_mdev/uapi vhost_mdev_cdev/iotlb" ;;
	virtio_mdev) echo "virtio_mdev/lifetime.sh virtio_mdev/netdev_attrs.sh | virtio_mdev/netdev_attrs.sh" ;;
	vmdev_vf) echo "vmdev_vf/vhost.sh vmdev_vf/hw_vhost | vmdev_vf/vhost.sh" ;;
	vmdev_vdpa) echo "vmdev/vdpa_netlink | vmdev/vdpa_netlink" ;;
	esac
}

# tests_for MODULE faulty|clean: the paths of those tests that exist.
tests_for() {
	local spec list t
	spec=$(tests_spec "$1")
	case $2 in
	faulty) list=${spec%%|*} ;;
	clean) list=${spec#*|} ;;
	esac
	for t in $list; do
		[ -x "$top/$t" ] && echo "$top/$t"
	done
}

faults_off() {
	echo 0 >$FS/probability
	[ -d $PA ] && echo 0 >$PA/probability
	console_level "$console_saved"
}

# The console's log level (the first field of /proc/sys/kernel/printk).
console_level() {
	# shellcheck disable=SC2046 # the four fields
	set -- "$1" $(cat /proc/sys/kernel/printk)
	echo "$1 $3 $4 $5" >/proc/sys/kernel/printk
}

# The common attributes of failslab ($1) and fail_page_alloc ($1 too).
attr_setup() {
	echo 0 >"$1/probability"
	echo 1 >"$1/interval"
	echo $TIMES >"$1/times"
	echo 0 >"$1/space"
	echo 0 >"$1/verbose"
	echo Y >"$1/task-filter"
	# GFP_KERNEL allocations too (both skip them by default).
	echo N >"$1/ignore-gfp-wait"
	echo 32 >"$1/stacktrace-depth"
	# shellcheck disable=SC2046 # "start end", or nothing
	set_reject "$1" $(kmemleak_range)
}

# set_reject ATTR [START END]: ATTR's reject range, none without one.
set_reject() {
	echo 0 >"$1/reject-start"
	echo 0 >"$1/reject-end"
	if [ $# -eq 3 ]; then
		echo "$3" >"$1/reject-end"
		echo "$2" >"$1/reject-start"
	fi
}

faults_on() {
	attr_setup $FS
	echo N >$FS/cache-filter
	if [ -d $PA ]; then
		attr_setup $PA
		# order 0 and highmem too (skipped by default)
		echo 0 >$PA/min-order
		echo N >$PA/ignore-gfp-highmem
	fi
}

# Aim at module $1 where it is now: tests that unload and reload modules
# (the lifecycle tests do) move it, so this runs before every test run, and
# puts back any of our modules a test left unloaded.
#
# The kind of run ($2): "task", slab allocations of the test processes;
# "any", slab allocations in any context (the stack filter alone: what our
# module allocates in a kworker, a timer or softirq, where no task asked
# for faults, fails too); "pages", page allocations of the test processes
# (fail_page_alloc).  A failed page allocation prints "page allocation
# failure" and a call trace at warning level: during "pages" runs the
# console shows errors only (what the runner scans), and check_log judges
# the whole kernel log itself.
#
# (The "any" runs' first outings found a false alarm of ours: an xarray store
# that fails for memory leaves empty nodes, which the check of an empty
# translator took for cached pages.)
#
# vmdev_vf's "pages" runs leave two blocks of stock code alone, each of
# which fails page allocations in a way we cannot fix; every other page
# allocation with a frame of vmdev_vf on its stack may fail:
#
# - ACPI.  Failing pages under vmdev_vf's probe reaches the stock kernel's
#   ACPI _PRT evaluation (pci_enable_device() -> acpi_pci_irq_enable(),
#   which every PCI driver's probe goes through on x86; its remove,
#   pci_disable_device() -> acpi_pci_irq_disable(), too), and ACPICA does
#   not survive it.  Seen on the debug kernel (6.1.192, a pages-only run
#   of vmdev_vf/hw_vhost, 303 page faults injected): "AE_NO_MEMORY, Could
#   not update object reference count" (utdelete.c), "Method execution
#   failed \_SB.PCI0._PRT", then a KASAN use-after-free in
#   acpi_ut_update_object_reference() on the next _PRT evaluation, from
#   acpi_pci_irq_find_prt_entry(): ACPICA frees an object whose reference
#   count it could not update (and kmemleak reported ACPICA objects).
#   The functions are held enabled during those runs (hold_functions):
#   pci_enable_device() of an enabled function only counts, so that
#   neither our probe nor our remove evaluates _PRT.  The slab runs do
#   not hold them: their faults fail ACPICA's allocations during our
#   probe, which 6.1 survives as an interrupt line left unrouted ("no
#   GSI"; a failed _PRT lookup does not fail pci_enable_device()).  They
#   could in principle reach the same use-after-free (ACPICA's state
#   allocation in acpi_ut_update_object_reference() may fail there too);
#   not seen in more than 150 failed _PRT evaluations.
#
# - The IRQ core's /proc/irq/<n>/ files.  register_irq_proc(), run by
#   request_irq() for an IRQ's first handler, ignores a file it could not
#   create (smp_affinity, effective_affinity_list, ...), and
#   unregister_irq_proc(), when pci_free_irq_vectors() frees the MSI-X
#   IRQ, removes each of them by name: "WARNING ... at
#   fs/proc/generic.c:734 remove_proc_entry", "name
#   'effective_affinity_list'", from unregister_irq_proc() <- free_desc()
#   <- pci_free_irq_vectors() <- devres_release_all(), after "SLUB: Unable
#   to allocate memory ... cache: proc_dir_entry" at the probe that
#   requested it (the probe itself succeeded).  A stock bug, not ours:
#   register_irq_proc() (to the next symbol) is fail_page_alloc's reject
#   range in those runs (irq_proc_range).  kmemleak's hooks, the range it
#   replaces there, are safe to fail for pages: a kmemleak object whose
#   slab page cannot be had comes from kmemleak's own pool (the debug
#   kernel's DEBUG_KMEMLEAK_MEM_POOL_SIZE).  Such a page, a new slab of
#   kmemleak's objects for an allocation of ours, counts in vmdev_vf's
#   page faults then: one in a slab's worth of objects at most.  The slab
#   runs keep kmemleak's range (their count stays ours alone): a probe
#   that reached request_irq() and failed a /proc/irq file's slab object
#   would show the same WARNING, but every slab allocation of the probe
#   before it (ACPI's _PRT evaluation's among them) must have passed at
#   20% first; not seen yet.
#
# Why not a reject range for ACPI: fail_page_alloc has one, and the two
# blocks are apart, with the page allocator between them (kernel/irq/,
# mm/, drivers/acpi/ in link order): one range over both would reject
# every page allocation.
aim() {
	local mod attr
	faults_off
	for mod in $(our_modules); do
		loaded "$mod" || modprobe "$mod" 2>/dev/null
	done
	attr=$FS
	if [ "$2" = pages ]; then
		attr=$PA
		if [ "$1" = vmdev_vf ]; then
			hold_functions on
			# shellcheck disable=SC2086 # "start end", or nothing
			set_reject $PA $irq_range
		else
			hold_functions off
			# shellcheck disable=SC2046 # "start end", or nothing
			set_reject $PA $(kmemleak_range)
		fi
	else
		hold_functions off
	fi
	set -- $(module_range "$1") "$2"
	# Widen first, then narrow: start is never above end in between.
	echo 0 >$attr/require-start
	echo "$2" >$attr/require-end
	echo "$1" >$attr/require-start
	case $3 in
	task) echo Y >$FS/task-filter ;;
	any) echo N >$FS/task-filter ;;
	pages) console_level 4 ;;
	esac
	echo "$probability" >$attr/probability
}

# Faults failslab injected since faults_on; with "pages", fail_page_alloc.
injected() {
	if [ "${1:-}" = pages ]; then
		[ -d $PA ] && echo $((TIMES - $(cat $PA/times))) || echo 0
	else
		echo $((TIMES - $(cat $FS/times)))
	fi
}

# dash's "local": every helper below keeps its variables to itself (a loop
# over modules in a helper must not change the caller's module).

# One run of a test with make-it-fail set on the process (and its children).
# A device whose creation failed never appears: the shell tests' waits
# (wait_for in ktap.sh) give up after VMDEV_TEST_WAIT seconds instead of
# their usual 30, so that the budget goes to more runs.
run_faulty() {
	(cd "$(dirname "$1")" &&
		VMDEV_TEST_WAIT=3 sh -c 'echo 1 >/proc/self/make-it-fail && exec timeout -k 5 '"$PER_RUN"' "$0"' \
			"./$(basename "$1")") >/dev/null 2>&1
}

remove_devices() {
	local d
	for d in /sys/bus/mdev/devices/*; do
		[ -e "$d/remove" ] || continue
		echo 1 >"$d/remove" 2>/dev/null || fail "cannot remove mdev $(basename "$d")"
	done
}

# rmmod our modules until none is left (dependents first, whatever order
# /vm/modules has); a module that stays has a reference somebody leaked.
unload_ours() {
	local mod
	for _ in 1 2 3 4 5; do
		for mod in $(our_modules); do
			loaded "$mod" && rmmod "$mod" 2>/dev/null
		done
	done
	for mod in $(our_modules); do
		loaded "$mod" && fail "rmmod $mod: still loaded (refcnt $(cat /sys/module/"$mod"/refcnt 2>/dev/null))"
	done
}

reload_ours() {
	local mod
	for mod in $(our_modules); do
		modprobe "$mod" || fail "modprobe $mod failed after the pass"
	done
}

# New splats since the log was cleared at the start of the pass.  With $1
# page allocations failed on purpose, as many "page allocation failure"
# reports may be there, each with its call trace: "Call Trace" alone is no
# splat then (every other splat has a pattern of its own), and more
# reports than injected faults are.
check_log() {
	local s re=$splat_re failures
	if [ "${1:-0}" -gt 0 ]; then
		re=$(echo "$splat_re" | sed 's/|Call Trace//; s/^Call Trace|//')
		failures=$(dmesg | grep -c 'page allocation failure')
		[ "$failures" -le "$1" ] ||
			fail "$failures page allocation failures, $1 injected"
	fi
	s=$(dmesg | grep -E "$re" | grep -vE "$not_splat_re" | head -n 5)
	[ -z "$s" ] || { fail "kernel splat"; echo "$s" | sed 's/^/# /'; }
}

check_leaks() {
	local n
	n=$(sh /vm/kmemleak-ours.sh /tmp/kmemleak-fi)
	[ "$n" -eq 0 ] || { fail "kmemleak: $n report(s)"; sed 's/^/# /' /tmp/kmemleak-fi; }
}

# A failed clean run shows each failure with the diagnostics the harness
# printed before it.
clean_run() {
	local t rc
	for t in $1; do
		(cd "$(dirname "$t")" && timeout 600 "./$(basename "$t")") >/tmp/fi-clean.log 2>&1
		rc=$?
		case $rc in
		0|4) ;;
		*)
			fail "clean run of $t: exit $rc"
			grep -B8 '^not ok' /tmp/fi-clean.log | grep -v '^ok' |
				sed 's/^/# /' | head -n 40
			;;
		esac
	done
}

in_budget() { [ $(($(date +%s) - $1)) -lt "$budget" ]; }

# The pass for module $1: KTAP on stdout.
pass_module() {
	local m=$1 runs=0 n=0 np=0 tests start i j t who turn d
	why=""
	echo "### test fault-inject/$m"
	echo "1..1"
	tests=$(tests_for "$m" faulty)
	# Carried but not loaded at boot (the runner's VM_NOLOAD).
	if ! loaded "$m" && grep -qx "$m" /vm/noload 2>/dev/null; then
		modprobe "$m"
	fi
	if ! loaded "$m"; then
		echo "ok 1 $m # SKIP not loaded"
		echo "### end fault-inject/$m exit 0"
		return
	fi
	if [ -z "$tests" ]; then
		echo "ok 1 $m # SKIP no selftests for it"
		echo "### end fault-inject/$m exit 0"
		return
	fi
	set -- $(module_range "$m")
	echo "# $m at $1-$2, probability $probability%, tests:" $tests
	set -- $(kmemleak_range)
	[ $# -eq 2 ] && echo "# not failed in slab runs: kmemleak's own allocations ($1-$2)"
	if [ "$m" = vmdev_vf ] && [ -d $PA ] && [ "${FI_PAGES:-1}" = 1 ]; then
		irq_range=$(irq_proc_range)
		[ -n "$irq_range" ] ||
			fail "register_irq_proc is not in /proc/kallsyms: its reject range cannot be set"
		set -- ${irq_range:-none none} "$(vf_functions | sed 's|.*/||' | tr '\n' ' ')"
		echo "# pages runs, not failed: register_irq_proc ($1-$2), ACPI (functions held enabled: ${3% }); kmemleak's allocations may fail and count"
	fi
	dmesg -c >/dev/null
	[ -w /sys/kernel/debug/kmemleak ] && echo clear >/sys/kernel/debug/kmemleak
	faults_on
	start=$(date +%s)
	# Where the kinds' rotation starts changes from run to run, so that
	# a budget of a round or two (check-debug's) still meets every kind
	# over time: said here, to rerun a pass as it was (FI_TURN).
	turn=${FI_TURN:-$((start % 3))}
	echo "# turn $turn (FI_TURN)"
	i=0
	# The budget is checked before every run (a round of slow tests
	# would overshoot it by minutes).
	while [ "$i" -lt "$iterations" ] && in_budget "$start"; do
		j=0
		for t in $tests; do
			in_budget "$start" || break
			# "any" first: its faults include the test
			# processes', so a module whose tests are slow
			# gets both kinds of memory failed in two runs.
			# (Not the run's number plus the round's: with
			# two tests a round, that shifts by three, and
			# each test met one kind only.)
			case $(((j + i + turn) % 3)) in
			0) who=any; [ "${FI_ANY:-1}" = 1 ] || who=task ;;
			1) who=pages
			   { [ -d $PA ] && [ "${FI_PAGES:-1}" = 1 ]; } || who=task ;;
			2) who=task ;;
			esac
			aim "$m" $who
			run_faulty "$t"
			runs=$((runs + 1))
			j=$((j + 1))
		done
		i=$((i + 1))
	done
	n=$(injected)
	np=$(injected pages)
	faults_off
	# Before the functions are unbound: that would remove what a last
	# "pages" run left, unchecked.
	remove_devices
	hold_functions off
	# Each one an allocation with a frame of $m on its stack (kmemleak's
	# bookkeeping excluded but in vmdev_vf's pages runs): a failure in our
	# code or on its behalf.
	echo "# $i round(s), $runs run(s), $n slab and $np page allocation(s) failed in $m's code paths in $(($(date +%s) - start)) s"
	[ "$n" -gt 0 ] || fail "no fault injected"
	check_leaks
	unload_ours
	# What no driver holds has no enable left (every module's pass).
	for d in $(vf_functions); do
		[ -e "$d/driver" ] || enabled_none "$d"
	done
	reload_ours
	clean_run "$(tests_for "$m" clean)"
	check_log "$np"
	if [ -z "$why" ]; then
		echo "ok 1 $m: $n slab and $np page faults injected in its code paths in $runs runs"
	else
		echo "not ok 1 $m: $why ($n slab and $np page faults injected in its code paths in $runs runs)"
	fi
	echo "### end fault-inject/$m exit 0"
}

# The deterministic pass: selftests/fault/fail_nth fails each allocation
# of each operation of a vhost device in turn (/proc/thread-self/fail-nth,
# which counts every allocation of the thread, whatever the filters), then
# checks the device still works; framed as a KTAP program of its own,
# followed by one result for what it left: no splat, no leak, every device
# removable, the modules unloadable.
pass_fail_nth() {
	local t=$top/fault/fail_nth rc
	[ -x "$t" ] || return 0
	why=""
	dmesg -c >/dev/null
	[ -w /sys/kernel/debug/kmemleak ] && echo clear >/sys/kernel/debug/kmemleak
	faults_off
	# fail-nth bypasses probability and filters, not these: every slab
	# allocation counts, and no page allocation (the random pass fails
	# those; here each would print its report on the console).
	echo N >$FS/ignore-gfp-wait
	echo N >$FS/cache-filter
	echo 0 >$FS/verbose
	if [ -d $PA ]; then
		echo Y >$PA/ignore-gfp-wait
		echo 11 >$PA/min-order
	fi
	echo "### test fault-inject/fail_nth"
	(cd "$(dirname "$t")" && timeout 1200 "./$(basename "$t")") 2>&1
	rc=$?
	echo "### end fault-inject/fail_nth exit $rc"
	echo "### test fault-inject/fail_nth-after"
	echo "1..1"
	remove_devices
	check_leaks
	unload_ours
	# What no driver holds has no enable left (every module's pass).
	for d in $(vf_functions); do
		[ -e "$d/driver" ] || enabled_none "$d"
	done
	reload_ours
	check_log
	if [ -z "$why" ]; then
		echo "ok 1 fail_nth: no splat, no leak, devices and modules removable"
	else
		echo "not ok 1 fail_nth: $why"
	fi
	echo "### end fault-inject/fail_nth-after exit 0"
}

main() {
	if [ ! -e $FS/require-start ]; then
		echo "fault-inject: no $FS/require-start (the kernel lacks" \
			"CONFIG_FAULT_INJECTION_STACKTRACE_FILTER)"
		for m in $(our_modules); do
			printf '### test fault-inject/%s\n1..1\nnot ok 1 %s: no stacktrace filter\n### end fault-inject/%s exit 1\n' "$m" "$m" "$m"
		done
		return 1
	fi
	for m in $(our_modules); do
		case " ${FI_MODULES:-$m} " in
		*" $m "*) pass_module "$m" ;;
		esac
	done
	[ "${FI_NTH:-1}" = 0 ] || pass_fail_nth
}

main
