#!/usr/bin/env bash
# Finds or builds the OpenSSL (>= 3.5, the first release with a QUIC server
# API) that qget links against, and prints make variables for it on stdout.
# Everything else (progress, errors) goes to stderr.
#
# Order of preference:
#   1. OPENSSL_PREFIX from the environment (an install tree with lib/ and include/);
#   2. a system OpenSSL that pkg-config reports as >= 3.5;
#   3. a build cached under $QGET_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/qget);
#   4. Debian stable's openssl source package, fetched with a private apt
#      configuration (never /etc/apt) and built once into that cache.
set -euo pipefail

MIN_VERSION=3.5
# Part of the cache's folder name: a build configured otherwise (an
# OPENSSLDIR inside the cache, before) is not reused.  (No -pic here:
# Configure has always compiled libcrypto and libssl with -fPIC, no-shared
# or not; newest_cached checks it all the same, since libqget.so needs it.)
TAG=-sysdir
# Where the platform keeps OpenSSL's configuration and trust store:
# Debian's own OpenSSL is built with this OPENSSLDIR (certs -> /etc/ssl/certs,
# openssl.cnf -> /etc/ssl/openssl.cnf), so SSL_CTX_set_default_verify_paths()
# finds the CAs that update-ca-certificates installs.
OPENSSLDIR=${QGET_OPENSSLDIR:-/usr/lib/ssl}
cache=${QGET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qget}

say() { printf 'openssl-dep: %s\n' "$*" >&2; }
die() {
	say "error: $*"
	say "install OpenSSL >= $MIN_VERSION (e.g. Debian 13's libssl-dev) so that"
	say "'pkg-config --atleast-version=$MIN_VERSION openssl' succeeds, or set"
	say "OPENSSL_PREFIX to an OpenSSL >= $MIN_VERSION install tree, then run make again."
	exit 1
}

emit() { # prefix-or-empty cflags libs srcdir
	printf 'OPENSSL_CFLAGS := %s\n' "$2"
	printf 'OPENSSL_LIBS := %s\n' "$3"
	printf 'OPENSSL_SRC := %s\n' "$4"
	printf 'OPENSSL_BIN := %s\n' "$1"
}

# Whether static libraries can go into a shared object (libqget.so):
# link all of them into one.
is_pic() { # archive...
	local so rc=0
	so=$(mktemp "${TMPDIR:-/tmp}/openssl-pic.XXXXXX")
	"${CC:-cc}" -shared -o "$so" -Wl,--whole-archive "$@" \
		-Wl,--no-whole-archive >/dev/null 2>&1 || rc=1
	rm -f "$so"
	return $rc
}

# The newest cached source tree, if any, so that interop peers can be built
# even when the library itself comes from the system.
newest_cached() {
	local d
	for d in $(ls -d "$cache"/openssl-3.*"$TAG" 2>/dev/null | sort -rV); do
		[ -f "$d/.built" ] && { echo "$d"; return; }
	done
}

if [ -n "${OPENSSL_PREFIX:-}" ]; then
	[ -f "$OPENSSL_PREFIX/include/openssl/quic.h" ] ||
		die "OPENSSL_PREFIX=$OPENSSL_PREFIX has no include/openssl/quic.h"
	lib=$OPENSSL_PREFIX/lib; [ -d "$lib" ] || lib=$OPENSSL_PREFIX/lib64
	src=""; c=$(newest_cached); [ -n "$c" ] && [ -d "$c/src" ] && src=$c/src
	emit "$OPENSSL_PREFIX/bin/openssl" "-I$OPENSSL_PREFIX/include" \
		"$lib/libssl.a $lib/libcrypto.a -lpthread -ldl" "$src"
	exit 0
fi

if [ -z "${QGET_NO_SYSTEM_OPENSSL:-}" ] &&
	pkg-config --atleast-version=$MIN_VERSION openssl 2>/dev/null; then
	say "using system OpenSSL $(pkg-config --modversion openssl)"
	src=""; c=$(newest_cached); [ -n "$c" ] && [ -d "$c/src" ] && src=$c/src
	emit "$(command -v openssl)" "$(pkg-config --cflags openssl)" \
		"$(pkg-config --libs --static openssl)" "$src"
	exit 0
fi

built=$(newest_cached)
if [ -n "$built" ] && ! is_pic "$built/lib/libssl.a" "$built/lib/libcrypto.a"; then
	say "the cached $(basename "$built") is not position-independent: building it again"
	built=
fi

if [ -z "$built" ]; then
	command -v apt-get >/dev/null || die "no OpenSSL >= $MIN_VERSION found and no apt-get to fetch its source"
	for t in perl make cc; do
		command -v "$t" >/dev/null || die "building OpenSSL needs '$t'"
	done
	# shellcheck source=scripts/apt-source.sh
	. "$(dirname "$0")/apt-source.sh"
	mkdir -p "$cache/dl"
	apt_private_setup "$cache/apt" stable
	say "no OpenSSL >= $MIN_VERSION here: fetching Debian stable's openssl source (about 53 MB)"
	apt_private update >&2 ||
		die "could not reach Debian's archive to fetch the openssl source ('apt-get update' failed)"
	(cd "$cache/dl" && rm -f openssl_*.orig.tar.gz* &&
		apt_private source --download-only openssl >&2) ||
		die "could not download Debian stable's openssl source package"
	tarball=$(ls "$cache"/dl/openssl_*.orig.tar.gz | sort -V | tail -n 1)
	ver=$(basename "$tarball" | sed -e 's/^openssl_//' -e 's/\.orig\.tar\.gz$//')
	case "$ver" in
	3.[5-9]* | 3.[1-9][0-9]* | [4-9].*) ;;
	*) die "Debian stable offers openssl $ver, older than $MIN_VERSION" ;;
	esac
	dest=$cache/openssl-$ver$TAG
	# Built where it stays: Configure bakes absolute paths into the tree,
	# so it cannot be moved afterwards.  .built marks a finished build;
	# anything without it is a leftover of an interrupted one.
	rm -rf "$dest" && mkdir -p "$dest/src"
	say "unpacking openssl $ver"
	# apt checked the tarball against the .dsc's hashes, and the .dsc
	# against the archive's signed index; say what exactly we build.
	sha256sum "$tarball" | cut -d' ' -f1 >"$dest/.source-sha256"
	say "source $(basename "$tarball") sha256 $(cat "$dest/.source-sha256")"
	tar -xzf "$tarball" -C "$dest/src" --strip-components=1
	say "building openssl $ver into $dest (static, no-shared, -fPIC; takes a few minutes)"
	start=$(date +%s)
	log=$dest/build.log
	(
		cd "$dest/src"
		# -fPIC: libcrypto.a and libssl.a go into libqget.so.
		./Configure no-shared no-docs no-tests enable-unstable-qlog -fPIC \
			--prefix="$dest" --libdir=lib --openssldir="$OPENSSLDIR" >"$log" 2>&1
		make -j"$(nproc)" build_sw >>"$log" 2>&1 &
		pid=$!
		while kill -0 $pid 2>/dev/null; do
			sleep 15
			n=$(find . -name '*.o' | wc -l)
			say "  ... $n objects compiled ($(($(date +%s) - start)) s)"
		done
		wait $pid
		make install_sw >>"$log" 2>&1
	) || { tail -n 30 "$log" >&2; die "building openssl $ver failed (log: $log)"; }
	is_pic "$dest/lib/libssl.a" "$dest/lib/libcrypto.a" ||
		die "openssl $ver's static libraries are not position-independent (log: $log)"
	echo "$(($(date +%s) - start))" >"$dest/.build-seconds"
	touch "$dest/.built"
	say "openssl $ver built in $(cat "$dest/.build-seconds") s"
	built=$dest
fi

[ -f "$built/.source-sha256" ] &&
	say "openssl $(basename "$built") (source sha256 $(cat "$built/.source-sha256"), OPENSSLDIR $OPENSSLDIR)"
emit "$built/bin/openssl" "-I$built/include" \
	"$built/lib/libssl.a $built/lib/libcrypto.a -lpthread -ldl" "$built/src"
