#!/usr/bin/env bash
# make install lays out what it promises, and a program builds against the
# installed header and library through pkg-config alone.
. "$(dirname "$0")/../lib.sh"

# DESTDIR stages the tree under another root.
dest=$T/dest
if ! make -s BUILD="$BUILD" PREFIX=/opt/qget DESTDIR="$dest" install >"$T/err" 2>&1; then
	fail "make install DESTDIR" "failed"
	exit 0
fi
for f in bin/qget bin/qget-serve lib/libqget.a include/qget.h \
	lib/pkgconfig/qget.pc share/man/man1/qget.1 share/man/man1/qget-serve.1 \
	share/man/man3/libqget.3; do
	if [ -f "$dest/opt/qget/$f" ]; then pass "install DESTDIR: $f"; else fail "install DESTDIR: $f" "missing"; fi
done
if grep -q '^prefix=/opt/qget$' "$dest/opt/qget/lib/pkgconfig/qget.pc"; then
	pass "install: qget.pc names the PREFIX, not the DESTDIR"
else
	fail "install: qget.pc names the PREFIX, not the DESTDIR" "$(head -1 "$dest/opt/qget/lib/pkgconfig/qget.pc")"
fi

# A real install into a PREFIX: a program builds against it through
# pkg-config alone and runs.
prefix=$T/prefix
if ! make -s BUILD="$BUILD" PREFIX="$prefix" install >"$T/err" 2>&1; then
	fail "make install PREFIX" "failed"
	exit 0
fi
flags=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs --static qget)
# A sanitized libqget needs the sanitizer runtime at link time too.
# shellcheck disable=SC2086 # word lists
if cc ${SANFLAGS:-} -o "$T/fetch" examples/fetch.c $flags 2>"$T/err"; then
	pass "install: examples/fetch.c builds with pkg-config --static qget"
else
	fail "install: examples/fetch.c builds with pkg-config --static qget" "$flags"
fi
if "$prefix/bin/qget" --version >"$T/out" 2>"$T/err" && grep -q '^qget ' "$T/out" && clean_run; then
	pass "install: the installed qget runs"
else
	fail "install: the installed qget runs" "$(cat "$T/out")"
fi
