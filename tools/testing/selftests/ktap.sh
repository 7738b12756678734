# SPDX-License-Identifier: GPL-2.0-only
#
# KTAP helpers for the shell selftests, sourced (not run) from a test's own
# directory as ". ../ktap.sh". POSIX sh: the test VM runs busybox and dash.
#
#   ok NAME / not_ok NAME   one result line, numbered
#   check NAME CMD...       ok if CMD succeeds; else its output as
#                           diagnostics ("# ..."), then not ok
#   ktap_totals             the "# Totals:" line; status 0 if all passed

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

ktap_totals() {
	echo "# Totals: pass:$((n - failed)) fail:$failed xfail:0 xpass:0 skip:0 error:0"
	[ "$failed" -eq 0 ]
}
