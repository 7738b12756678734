# SPDX-License-Identifier: GPL-2.0-only
#
# What the vdpa tool tests share, sourced (not run) after ../ktap.sh.

# json_shape: the shape of one JSON document on stdin (the vdpa tool's -j
# output), one "path=type" line per value, sorted, duplicates dropped: a
# key's path is its parents' keys joined by ".", an array element adds
# "[]", and the second level (the management device's or the device's
# name, which differ between ours and upstream's) reads "*". Types are
# object, array (empty ones), string, number, bool, null.
json_shape() {
	awk '
	function ws() { while (substr(s, i, 1) ~ /[ \t\r\n]/) i++ }
	function str(   out, c) {
		i++
		out = ""
		while ((c = substr(s, i, 1)) != "\"") {
			if (c == "") { bad = 1; return out }
			if (c == "\\") { out = out c substr(s, i + 1, 1); i += 2; continue }
			out = out c
			i++
		}
		i++
		return out
	}
	function value(path, depth,   c, k) {
		ws()
		c = substr(s, i, 1)
		if (c == "{") {
			i++; ws()
			if (substr(s, i, 1) == "}") { i++; print path "=object"; return }
			for (;;) {
				ws(); k = str(); ws()
				if (substr(s, i, 1) != ":") { bad = 1; return }
				i++
				value(path "." (depth == 1 ? "*" : k), depth + 1)
				ws(); c = substr(s, i, 1); i++
				if (c == "}") return
				if (c != ",") { bad = 1; return }
			}
		}
		if (c == "[") {
			i++; ws()
			if (substr(s, i, 1) == "]") { i++; print path "=array"; return }
			for (;;) {
				value(path "[]", depth + 1)
				ws(); c = substr(s, i, 1); i++
				if (c == "]") return
				if (c != ",") { bad = 1; return }
			}
		}
		if (c == "\"") { str(); print path "=string"; return }
		if (c ~ /[-0-9]/) {
			while (substr(s, i, 1) ~ /[-+0-9.eE]/) i++
			print path "=number"; return
		}
		if (substr(s, i, 4) == "true") { i += 4; print path "=bool"; return }
		if (substr(s, i, 5) == "false") { i += 5; print path "=bool"; return }
		if (substr(s, i, 4) == "null") { i += 4; print path "=null"; return }
		bad = 1
	}
	{ s = s $0 "\n" }
	END {
		i = 1
		value("", 0)
		ws()
		if (bad || i <= length(s)) { print "json_shape: not one JSON document"; exit 1 }
	}' | sort -u
}
