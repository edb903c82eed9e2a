#!/usr/bin/env bash
# libqget.so's ABI against the baseline kept in the tree (abi/libqget.abi),
# with libabigail's abidw and abidiff (Debian: abigail-tools).
#
#   scripts/abi-check.sh check LIB.so BASELINE      (make abi-check)
#   scripts/abi-check.sh baseline LIB.so BASELINE   (make abi-baseline)
#
# check passes when every function and type of the baseline is still there
# and unchanged: adding functions is allowed (that is what a minor version
# does), removing or changing one is not, nor changing a public struct,
# except appending members to the structs a caller hands over with their
# .size set (abi/libqget.suppr).  It prints abidiff's report either way,
# then PASS/FAIL lines and "N passed, N failed" like tests/run.
#
# Only what include/ declares counts: --headers-dir drops the types defined
# elsewhere (the library's internals, OpenSSL's, nghttp3's) and
# --exported-interfaces-only the functions the version script keeps out
# of the dynamic symbol table.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'abi-check: %s\n' "$*" >&2; }
usage() { say "usage: $0 check|baseline LIB.so BASELINE"; exit 2; }

[ $# -eq 3 ] || usage
mode=$1 lib=$2 baseline=$3
suppr=$(dirname "$baseline")/libqget.suppr
[ -f "$lib" ] || { say "no $lib (make it first)"; exit 2; }

if ! command -v abidiff >/dev/null || ! command -v abidw >/dev/null; then
	say "abidw/abidiff not found: install Debian's abigail-tools (apt-get install abigail-tools)"
	exit 2
fi
# Without DWARF abidiff would compare symbol names only and miss every
# change of a type or a signature.
# grep without -q reads to the end: an early exit would SIGPIPE readelf,
# and pipefail would call the library stripped.
if ! readelf -S "$lib" | grep '\.debug_info' >/dev/null; then
	say "$lib has no debug information: build it with -g (the default CFLAGS)"
	exit 2
fi

common=(--headers-dir include --drop-private-types --exported-interfaces-only
	--no-corpus-path)

if [ "$mode" = baseline ]; then
	# No build directory in it, so it reads the same from any checkout
	# (make compiles with paths relative to the top).  The locations
	# stay: without them abidiff takes every type of the baseline for a
	# private one (not under --headers-dir) and filters its changes out.
	abidw "${common[@]}" --no-comp-dir-path --type-id-style hash \
		--out-file "$baseline.tmp" "$lib"
	mv "$baseline.tmp" "$baseline"
	say "wrote $baseline ($(grep -c '<elf-symbol ' "$baseline") symbols); review and commit it"
	exit 0
fi
[ "$mode" = check ] || usage
[ -f "$baseline" ] || { say "no baseline $baseline (make abi-baseline)"; exit 2; }

passed=0 failed=0
result() { # PASS|FAIL name [why]
	if [ "$1" = PASS ]; then
		echo "PASS $2"
		passed=$((passed + 1))
	else
		echo "FAIL $2: $3"
		failed=$((failed + 1))
	fi
}

# What the dynamic symbol table exports: qget_* and the version nodes,
# LIBQGET_1 and one LIBQGET_1.N per minor version N that added functions
# since 1.4 (src/lib/libqget.map).
others=$(nm -D --defined-only "$lib" | awk '{ print $NF }' |
	grep -Ev '^(qget_[a-z0-9_]+@@LIBQGET_1(\.[0-9]+)?|LIBQGET_1(\.[0-9]+)?)$' || true)
n=$(nm -D --defined-only "$lib" | grep -c ' qget_' || true)
if [ -z "$others" ]; then
	result PASS "abi: $(basename "$lib") exports $n qget_* symbols and nothing else"
else
	result FAIL "abi: $(basename "$lib") exports only qget_*" \
		"also $(echo "$others" | head -n 5 | tr '\n' ' ')"
fi

# abidiff's exit status is a bit set: 1 error, 2 usage, 4 an ABI change,
# 8 an incompatible one (a removed symbol).  Added functions are left out
# (--no-added-syms), so any change that remains is one a caller built
# against the baseline could notice: 4 fails as well as 8.
args=(--hd2 include --drop-private-types --exported-interfaces-only
	--no-corpus-path)
[ -f "$suppr" ] && args+=(--suppressions "$suppr")
rc=0
report=$(abidiff "${args[@]}" --no-added-syms "$baseline" "$lib" 2>&1) || rc=$?
# The full report, additions included, for the reader.
echo "abidiff $baseline $lib:"
abidiff "${args[@]}" "$baseline" "$lib" 2>&1 | sed 's/^/  /' || true
if [ $rc -eq 0 ]; then
	result PASS "abi: compatible with $baseline"
elif [ $((rc & 3)) -ne 0 ]; then
	result FAIL "abi: abidiff ran" "exit $rc: $(head -n 3 <<<"$report")"
else
	what="changed"
	[ $((rc & 8)) -ne 0 ] && what="removed or incompatibly changed"
	result FAIL "abi: compatible with $baseline" \
		"abidiff exit $rc: a public function or type was $what (above); \
if on purpose, raise the major version and run make abi-baseline"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
