#!/usr/bin/env bash
# make install lays out what it promises: libqget.so.1 exports the API and
# nothing else, and every example builds against the installed tree
# through pkg-config alone, with the shared library and with the static
# one, and runs against qget-serve.
. "$(dirname "$0")/../lib.sh"

# DESTDIR stages the tree under another root.
dest=$T/dest
if ! make -s BUILD="$BUILD" PREFIX=/opt/qget DESTDIR="$dest" install >"$T/err" 2>&1; then
	fail "make install DESTDIR" "failed: $(tail -n 3 "$T/err")"
	exit 0
fi
ver=$(sed -n 's/^#define QGET_VERSION "\(.*\)"/\1/p' include/qget.h)
for f in bin/qget bin/qget-serve bin/qget-netsim lib/libqget.a "lib/libqget.so.$ver" \
	include/qget.h lib/pkgconfig/qget.pc; do
	if [ -f "$dest/opt/qget/$f" ]; then pass "install DESTDIR: $f"; else fail "install DESTDIR: $f" "missing"; fi
done
# Every page of man/, in its section, and qget(1), which the build
# generates from man/qget.1.in and src/tool/options.def.
n=0 missing=
for m in man/*.1 man/*.3 "$BUILD/man/qget.1"; do
	n=$((n + 1))
	[ -f "$dest/opt/qget/share/man/man${m##*.}/${m##*/}" ] || missing="$missing ${m##*/}"
done
if [ -z "$missing" ]; then
	pass "install DESTDIR: all $n man pages, qget.1 among them"
else
	fail "install DESTDIR: all $n man pages, qget.1 among them" "missing:$missing"
fi
# The installed qget(1) is the generated page, filled in: not the
# template, nothing of it left unreplaced, this version on its title line,
# an option of options.def (roff spells its dashes \-) among its entries.
page=$dest/opt/qget/share/man/man1/qget.1
if [ -f "$page" ] && cmp -s "$page" "$BUILD/man/qget.1" &&
	! grep -q '@[A-Z_]*@' "$page" &&
	grep -q "^\.TH QGET 1 .*\"qget $ver\"" "$page" &&
	grep -qF '\fB\-\-remote\-name\-all\fR' "$page"; then
	pass "install DESTDIR: qget.1 is the generated page for qget $ver"
else
	fail "install DESTDIR: qget.1 is the generated page for qget $ver" \
		"$(grep -m 1 '^\.TH' "$page" 2>&1); placeholders: $(grep -o '@[A-Z_]*@' "$page" 2>/dev/null | sort -u | tr '\n' ' ')"
fi
# The links a program finds the library by: the soname (the run-time
# loader), the bare name (the linker's -lqget).
for l in "libqget.so.1:libqget.so.$ver" "libqget.so:libqget.so.1"; do
	if [ "$(readlink "$dest/opt/qget/lib/${l%%:*}")" = "${l#*:}" ]; then
		pass "install DESTDIR: lib/${l%%:*} -> ${l#*:}"
	else
		fail "install DESTDIR: lib/${l%%:*} -> ${l#*:}" \
			"$(ls -l "$dest/opt/qget/lib/${l%%:*}" 2>&1)"
	fi
done
if grep -q '^prefix=/opt/qget$' "$dest/opt/qget/lib/pkgconfig/qget.pc"; then
	pass "install: qget.pc names the PREFIX, not the DESTDIR"
else
	fail "install: qget.pc names the PREFIX, not the DESTDIR" "$(head -1 "$dest/opt/qget/lib/pkgconfig/qget.pc")"
fi

# A real install into a PREFIX.
prefix=$T/prefix
if ! make -s BUILD="$BUILD" PREFIX="$prefix" install >"$T/err" 2>&1; then
	fail "make install PREFIX" "failed: $(tail -n 3 "$T/err")"
	exit 0
fi
so=$prefix/lib/libqget.so.1

# The shared library: its soname, and a dynamic symbol table with the API
# (qget_*, versioned LIBQGET_1 or a later node such as LIBQGET_1.4, plus
# the version nodes themselves) and nothing of OpenSSL's, nghttp3's or the
# library's internals (qget__*).
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" = libqget.so.1 ]; then
	pass "install: libqget.so's soname is libqget.so.1"
else
	fail "install: libqget.so's soname is libqget.so.1" "'$soname'"
fi
nm -D --defined-only "$so" | awk '{ print $NF }' >"$T/syms"
others=$(grep -Ev '^(qget_[a-z0-9][a-z0-9_]*@@LIBQGET_1(\.[0-9]+)?|LIBQGET_1(\.[0-9]+)?)$' "$T/syms")
n=$(grep -c '^qget_' "$T/syms")
if [ -z "$others" ] && [ "$n" -gt 0 ]; then
	pass "install: libqget.so exports only qget_* ($n symbols)"
else
	fail "install: libqget.so exports only qget_* ($n symbols)" \
		"also: $(head -n 5 <<<"$others" | tr '\n' ' ')"
fi
# Every function qget.h declares is there (the other way round).
missing=$(sed -n 's/^QGET_API .*[ *]\(qget_[a-z0-9_]*\)(.*/\1/p' include/qget.h |
	sort -u | while read -r f; do grep -q "^$f@@" "$T/syms" || echo "$f"; done)
if [ -z "$missing" ]; then
	pass "install: libqget.so exports every function qget.h declares"
else
	fail "install: libqget.so exports every function qget.h declares" \
		"missing: $(tr '\n' ' ' <<<"$missing")"
fi
# OpenSSL and nghttp3 are inside: nothing of theirs is left to resolve.
if ldd -r "$so" >"$T/ldd" 2>&1 && ! grep -q 'undefined symbol' "$T/ldd"; then
	pass "install: libqget.so has no undefined symbols"
else
	fail "install: libqget.so has no undefined symbols" "$(grep -m 3 'undefined' "$T/ldd")"
fi

# The examples, and a version probe, against the installed tree through
# pkg-config alone: shared (found through an rpath to the PREFIX: the
# build tree's copy must not be the one it loads) and static (pkg-config
# --static names OpenSSL and nghttp3; -l:libqget.a picks the archive
# where -lqget would pick the shared library next to it).
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
shared_flags=$(pkg-config --cflags --libs qget)
static_flags=$(pkg-config --static --cflags --libs qget |
	sed 's/\(^\| \)-lqget\( \|$\)/\1-l:libqget.a\2/')

cat >"$T/version.c" <<'EOF'
#include <stdio.h>
#include "qget.h"
int
main(void)
{
	printf("%s %#lx %#lx %s\n", QGET_VERSION, (unsigned long)QGET_VERSION_NUM,
	    qget_version_num(), qget_version_str());
	return 0;
}
EOF

# build NAME SRC shared|static: $T/NAME-KIND; checks which libqget it uses.
build() {
	local name=$1 src=$2 kind=$3 bin=$T/$1-$3 flags needed
	if [ "$kind" = shared ]; then
		flags="$shared_flags -Wl,-rpath,$prefix/lib"
	else
		flags=$static_flags
	fi
	# A sanitized libqget needs the sanitizer runtime at link time too.
	# shellcheck disable=SC2086 # word lists
	if ! cc ${SANFLAGS:-} -o "$bin" "$src" $flags 2>"$T/cc.err"; then
		fail "install: $name builds ($kind)" "$flags: $(head -n 3 "$T/cc.err")"
		return 1
	fi
	needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
	if [ "$kind" = shared ]; then
		if ldd "$bin" | grep -qF "libqget.so.1 => $prefix/lib/libqget.so.1 "; then
			pass "install: $name builds ($kind) and loads $prefix/lib/libqget.so.1"
		else
			fail "install: $name builds ($kind) and loads $prefix/lib/libqget.so.1" \
				"$(ldd "$bin" | grep -i qget)"
			return 1
		fi
	elif [[ " $needed" == *" libqget"* ]]; then
		fail "install: $name builds ($kind) without libqget.so" "NEEDED: $needed"
		return 1
	else
		pass "install: $name builds ($kind) without libqget.so"
	fi
}

for kind in shared static; do
	build version "$T/version.c" "$kind" || continue
	"$T/version-$kind" >"$T/out" 2>"$T/err"
	RC=$?
	read -r v num rnum vstr <"$T/out"
	if [ $RC -eq 0 ] && clean_run && [ "$v" = "$ver" ] && [ "$num" = "$rnum" ] &&
		[ "$vstr" = "$ver" ] && [ $((num >> 16)) -eq 1 ]; then
		pass "install: qget_version_num() is QGET_VERSION_NUM ($num, $kind)"
	else
		fail "install: qget_version_num() is QGET_VERSION_NUM ($num, $kind)" \
			"exit $RC: $(cat "$T/out")"
	fi
done

# What the examples fetch: / (index.html) and a file of every byte value.
mkdir -p "$T/root"
printf '<p>qget example page</p>\n' >"$T/root/index.html"
head -c 300000 /dev/urandom >"$T/root/blob"
serve examples || exit 1

# run_example NAME KIND: runs $T/NAME-KIND against the server.
run_example() {
	local name=$1 kind=$2 bin=$T/$1-$2
	case $name in
	fetch) # fetch HOST PORT [CAFILE]: the whole HTTP/1.0 response of /
		"$bin" 127.0.0.1 "$PORT" "$CERTS/ca.pem" >"$T/out" 2>"$T/err"
		RC=$?
		expect "install: fetch ($kind) exit 0" 0
		[ $RC -eq 0 ] || return
		if head -n 1 "$T/out" | grep -q '^HTTP/1\.0 200 ' &&
			tail -c "$(stat -c %s "$T/root/index.html")" "$T/out" |
			cmp -s - "$T/root/index.html"; then
			pass "install: fetch ($kind) prints the 200 response with the page"
		else
			fail "install: fetch ($kind) prints the 200 response with the page" \
				"$(head -c 200 "$T/out" | tr '\r\n' '  ')"
		fi
		;;
	h3get) # h3get URL [CAFILE]: the body alone, over HTTP/3
		"$bin" "https://127.0.0.1:$PORT/blob" "$CERTS/ca.pem" >"$T/out" 2>"$T/err"
		RC=$?
		expect "install: h3get ($kind) exit 0, over HTTP/3" 0 "HTTP/3 200"
		[ $RC -eq 0 ] || return
		same "install: h3get ($kind) writes the body byte-exact" "$T/root/blob" "$T/out"
		;;
	*)
		fail "install: $name ($kind) runs" \
			"tests/integration/40-install.sh does not know how to run examples/$name.c"
		;;
	esac
}

for src in examples/*.c; do
	name=${src#examples/}
	name=${name%.c}
	for kind in shared static; do
		build "$name" "$src" "$kind" && run_example "$name" "$kind"
	done
done
stop "$SERVER_PID"

if "$prefix/bin/qget" --version >"$T/out" 2>"$T/err" && grep -q '^qget ' "$T/out" && clean_run; then
	pass "install: the installed qget runs"
else
	fail "install: the installed qget runs" "$(cat "$T/out")"
fi
