#!/usr/bin/env bash
# Finds or builds nghttp3 (>= 1.0), the HTTP/3 library qget-serve speaks
# ALPN h3 with, and prints make variables for it on stdout: NGHTTP3_CFLAGS,
# NGHTTP3_LIBS (a static library) and NGHTTP3_VERSION.  Everything else
# (progress, errors) goes to stderr.
#
# Order of preference:
#   1. NGHTTP3_PREFIX from the environment (an install tree with lib/ and include/);
#   2. a system libnghttp3 that pkg-config reports as >= 1.0 (Debian 12's
#      0.8 is too old);
#   3. a build cached under $QGET_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/qget);
#   4. the newest nghttp3 source package that Debian stable or
#      stable-backports actually delivers, fetched with a private apt
#      configuration (never /etc/apt) and built once, static, into that cache.
#
# The static library is linked into libqget.so, so it must be
# position-independent: the cached build is compiled with -fPIC, and a
# static library found elsewhere that is not is passed over for the shared one.
set -euo pipefail

MIN_VERSION=1.0
# Part of the cache's folder name: a build from before -fPIC (which
# libtool leaves out of a static-only build) is not reused.
TAG=-pic
cache=${QGET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qget}

say() { printf 'nghttp3-dep: %s\n' "$*" >&2; }
die() {
	say "error: $*"
	say "install nghttp3 >= $MIN_VERSION (e.g. Debian 13's libnghttp3-dev) so that"
	say "'pkg-config --atleast-version=$MIN_VERSION libnghttp3' succeeds, or set"
	say "NGHTTP3_PREFIX to an nghttp3 >= $MIN_VERSION install tree, then run make again."
	exit 1
}

emit() { # cflags libs version
	printf 'NGHTTP3_CFLAGS := %s\n' "$1"
	printf 'NGHTTP3_LIBS := %s\n' "$2"
	printf 'NGHTTP3_VERSION := %s\n' "$3"
}

# The version an install tree's header declares.
header_version() { # include-dir
	sed -n 's/^#define NGHTTP3_VERSION "\(.*\)"/\1/p' "$1/nghttp3/version.h" 2>/dev/null
}

# Whether a static library can go into a shared object: link all of it
# into one.  (Code built for a PIE, Debian's default, is not enough: it
# reaches global data PC-relative, which a shared object cannot.)
is_pic() { # archive
	local so rc=0
	so=$(mktemp "${TMPDIR:-/tmp}/nghttp3-pic.XXXXXX")
	"${CC:-cc}" -shared -o "$so" -Wl,--whole-archive "$1" \
		-Wl,--no-whole-archive >/dev/null 2>&1 || rc=1
	rm -f "$so"
	return $rc
}

at_least_min() { # version
	case "$1" in
	0.* | "") return 1 ;;
	*) return 0 ;;
	esac
}

if [ -n "${NGHTTP3_PREFIX:-}" ]; then
	[ -f "$NGHTTP3_PREFIX/include/nghttp3/nghttp3.h" ] ||
		die "NGHTTP3_PREFIX=$NGHTTP3_PREFIX has no include/nghttp3/nghttp3.h"
	ver=$(header_version "$NGHTTP3_PREFIX/include")
	at_least_min "$ver" || die "NGHTTP3_PREFIX=$NGHTTP3_PREFIX holds nghttp3 '$ver'"
	lib=$NGHTTP3_PREFIX/lib; [ -d "$lib" ] || lib=$NGHTTP3_PREFIX/lib64
	if [ -f "$lib/libnghttp3.a" ] && is_pic "$lib/libnghttp3.a"; then
		libs=$lib/libnghttp3.a
	else
		libs="-L$lib -Wl,-rpath,$lib -lnghttp3"
	fi
	emit "-I$NGHTTP3_PREFIX/include" "$libs" "$ver"
	exit 0
fi

if [ -z "${QGET_NO_SYSTEM_NGHTTP3:-}" ] &&
	pkg-config --atleast-version=$MIN_VERSION libnghttp3 2>/dev/null; then
	ver=$(pkg-config --modversion libnghttp3)
	say "using system nghttp3 $ver"
	lib=$(pkg-config --variable=libdir libnghttp3)
	# A distribution's libnghttp3.a is often not position-independent.
	if [ -f "$lib/libnghttp3.a" ] && is_pic "$lib/libnghttp3.a"; then
		libs=$lib/libnghttp3.a
	else
		libs=$(pkg-config --libs libnghttp3)
	fi
	emit "$(pkg-config --cflags libnghttp3)" "$libs" "$ver"
	exit 0
fi

newest_cached() {
	local d
	for d in $(ls -d "$cache"/nghttp3-*"$TAG" 2>/dev/null | sort -rV); do
		[ -f "$d/.built" ] && { echo "$d"; return; }
	done
}

built=$(newest_cached)

if [ -z "$built" ]; then
	command -v apt-get >/dev/null ||
		die "no nghttp3 >= $MIN_VERSION found and no apt-get to fetch its source"
	for t in make cc tar xz; do
		command -v "$t" >/dev/null || die "building nghttp3 needs '$t'"
	done
	# shellcheck source=scripts/apt-source.sh
	. "$(dirname "$0")/apt-source.sh"
	dl=$cache/dl
	mkdir -p "$dl"
	apt_private_setup "$cache/apt-nghttp3" stable stable-backports
	say "no nghttp3 >= $MIN_VERSION here: fetching Debian's nghttp3 source (about 0.4 MB)"
	apt_private update >&2 ||
		die "could not reach Debian's archive to fetch the nghttp3 source ('apt-get update' failed)"
	versions=$(apt_private_cache showsrc nghttp3 2>/dev/null |
		sed -n 's/^Version: //p' | sort -rV | uniq)
	[ -n "$versions" ] || die "Debian's archive lists no nghttp3 source package"
	# The newest that downloads: the archive has answered 404 for some
	# files of a listed version (even just its .dsc, when the upstream
	# tarball came through, which is all we need).  apt checks each file
	# it saves against the index's checksums.
	tarball=
	for v in $versions; do
		up=${v#*:}
		up=${up%-*}
		at_least_min "$up" || continue
		rm -f "$dl"/nghttp3_*
		say "trying nghttp3 $v"
		(cd "$dl" && apt_private source --download-only "nghttp3=$v" >&2) ||
			say "  (apt-get reported errors for $v)"
		for f in "$dl"/nghttp3_"$up".orig.tar.*; do
			case $f in *.asc) ;; *) [ -f "$f" ] && tarball=$f ;; esac
		done
		[ -n "$tarball" ] && break
	done
	[ -n "$tarball" ] ||
		die "could not download any nghttp3 >= $MIN_VERSION source (tried: ${versions//$'\n'/ })"
	dest=$cache/nghttp3-$up$TAG
	rm -rf "$dest" && mkdir -p "$dest/src"
	say "unpacking nghttp3 $up"
	# apt checked the tarball against the .dsc's hashes; say what we build.
	sha256sum "$tarball" | cut -d' ' -f1 >"$dest/.source-sha256"
	say "source $(basename "$tarball") sha256 $(cat "$dest/.source-sha256")"
	tar -xf "$tarball" -C "$dest/src" --strip-components=1
	say "building nghttp3 $up into $dest (static library only, -fPIC)"
	start=$(date +%s)
	log=$dest/build.log
	(
		cd "$dest/src"
		if [ -x configure ]; then
			./configure --prefix="$dest" --libdir="$dest/lib" \
				--enable-lib-only --disable-shared --enable-static \
				--with-pic >"$log" 2>&1
			make -j"$(nproc)" >>"$log" 2>&1
			make install >>"$log" 2>&1
		elif command -v cmake >/dev/null && [ -f CMakeLists.txt ]; then
			cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
				-DCMAKE_INSTALL_PREFIX="$dest" -DCMAKE_INSTALL_LIBDIR=lib \
				-DENABLE_LIB_ONLY=ON -DENABLE_STATIC_LIB=ON \
				-DENABLE_SHARED_LIB=OFF \
				-DCMAKE_POSITION_INDEPENDENT_CODE=ON >"$log" 2>&1
			cmake --build build -j"$(nproc)" >>"$log" 2>&1
			cmake --install build >>"$log" 2>&1
		else
			echo "neither ./configure nor cmake with CMakeLists.txt" >>"$log"
			exit 1
		fi
	) || { tail -n 30 "$log" >&2; die "building nghttp3 $up failed (log: $log)"; }
	[ -f "$dest/lib/libnghttp3.a" ] || die "building nghttp3 $up made no lib/libnghttp3.a (log: $log)"
	is_pic "$dest/lib/libnghttp3.a" ||
		die "nghttp3 $up's lib/libnghttp3.a is not position-independent (log: $log)"
	echo "$(($(date +%s) - start))" >"$dest/.build-seconds"
	touch "$dest/.built"
	say "nghttp3 $up built in $(cat "$dest/.build-seconds") s"
	built=$dest
fi

[ -f "$built/.source-sha256" ] &&
	say "nghttp3 $(header_version "$built/include") from $built (source sha256 $(cat "$built/.source-sha256"))"
emit "-I$built/include" "$built/lib/libnghttp3.a" "$(header_version "$built/include")"
