# SPDX-License-Identifier: GPL-2.0-only
#
# KTAP helpers for the shell selftests, sourced (not run) from a test's own
# directory as ". ../ktap.sh". POSIX sh: the test VM runs busybox and dash.
#
#   ok NAME / not_ok NAME   one result line, numbered
#   check NAME CMD...       ok if CMD succeeds; else its output as
#                           diagnostics ("# ..."), then not ok
#   ktap_totals             the "# Totals:" line; status 0 if all passed
#   wait_for SECS CMD...    run CMD every 0.1 s until it succeeds, for up to
#                           SECS seconds; its status.  VMDEV_TEST_WAIT, when
#                           set, caps SECS: the fault-injection pass, where
#                           a device that failed to appear never will, sets
#                           it low

n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $1"
}

check() {
	_ktap_name=$1
	shift
	if _ktap_out=$("$@" 2>&1); then
		ok "$_ktap_name"
	else
		[ -n "$_ktap_out" ] && echo "$_ktap_out" | sed 's/^/# /'
		not_ok "$_ktap_name"
	fi
}

wait_for() {
	_ktap_tenths=$(($1 * 10))
	shift
	[ -n "${VMDEV_TEST_WAIT:-}" ] && [ "$_ktap_tenths" -gt $((VMDEV_TEST_WAIT * 10)) ] &&
		_ktap_tenths=$((VMDEV_TEST_WAIT * 10))
	while [ "$_ktap_tenths" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		_ktap_tenths=$((_ktap_tenths - 1))
	done
	"$@"
}

ktap_totals() {
	echo "# Totals: pass:$((n - failed)) fail:$failed xfail:0 xpass:0 skip:0 error:0"
	[ "$failed" -eq 0 ]
}
