#!/usr/bin/env bash
# Finds or builds nginx with HTTP/3, the real-world peer of the tests
# (tests/integration/31-nginx.sh) and of the benchmark, and prints the path
# of its binary on stdout.  Everything else (progress, errors) goes to
# stderr.  nginx is a test and benchmark dependency only: qget itself never
# needs it, and `make all` never runs this script.
#
# Order of preference:
#   1. QGET_NGINX from the environment (an nginx binary built with
#      --with-http_v3_module), used as it is;
#   2. a build cached under $QGET_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/qget)
#      against the same OpenSSL;
#   3. Debian stable's nginx source package, fetched with a private apt
#      configuration (never /etc/apt), unpacked with dpkg-source so that
#      Debian's patch series is applied, and built once into that cache.
#
# The OpenSSL is the one qget links: OPENSSL_CFLAGS and OPENSSL_LIBS from
# the environment (make passes them), else what scripts/openssl-dep.sh
# reports.  Its static libssl.a and libcrypto.a are linked in, and only
# they are visible to the linker under the names -lssl and -lcrypto, so
# the system's older shared OpenSSL can never be picked up.  OpenSSL 3.5
# has no BoringSSL-style QUIC API: nginx (>= 1.25) then uses its OpenSSL
# compatibility layer for QUIC, which this script checks configure chose.
set -euo pipefail

cache=${QGET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qget}
here=$(cd "$(dirname "$0")" && pwd)

say() { printf 'nginx-dep: %s\n' "$*" >&2; }
die() {
	say "error: $*"
	say "nginx is needed by the tests and the benchmark only (not by qget);"
	say "set QGET_NGINX to an nginx binary built with --with-http_v3_module"
	say "to use another one, then run make again."
	exit 1
}

if [ -n "${QGET_NGINX:-}" ]; then
	[ -x "$QGET_NGINX" ] || die "QGET_NGINX=$QGET_NGINX is not an executable"
	"$QGET_NGINX" -V 2>&1 | grep -q -- --with-http_v3_module ||
		die "QGET_NGINX=$QGET_NGINX was not built with --with-http_v3_module"
	echo "$QGET_NGINX"
	exit 0
fi

if [ -z "${OPENSSL_LIBS:-}" ]; then
	vars=$("$here/openssl-dep.sh") || die "scripts/openssl-dep.sh found no OpenSSL to build nginx against"
	OPENSSL_CFLAGS=$(sed -n 's/^OPENSSL_CFLAGS := //p' <<<"$vars")
	OPENSSL_LIBS=$(sed -n 's/^OPENSSL_LIBS := //p' <<<"$vars")
fi
[ -n "$OPENSSL_LIBS" ] || die "no OPENSSL_LIBS from scripts/openssl-dep.sh"

# The OpenSSL's static archives (an install tree's lib/libssl.a and
# lib/libcrypto.a) and the rest of its link flags; the cache folder's name
# says which OpenSSL a build is for.
ssl_a= crypto_a= other_libs=()
for w in $OPENSSL_LIBS; do
	case $w in
	*/libssl.a) ssl_a=$w ;;
	*/libcrypto.a) crypto_a=$w ;;
	*) other_libs+=("$w") ;;
	esac
done
if [ -n "$ssl_a" ] && [ -n "$crypto_a" ]; then
	ossl_tag=$(basename "$(dirname "$(dirname "$ssl_a")")")
else
	# A system OpenSSL >= 3.5 (pkg-config): its own flags, shared.
	ossl_tag=openssl-system
fi

newest_cached() {
	local d
	for d in $(ls -d "$cache"/nginx-*-"$ossl_tag" 2>/dev/null | sort -rV); do
		[ -f "$d/.built" ] && [ -x "$d/sbin/nginx" ] && { echo "$d"; return 0; }
	done
	# None: an empty answer, not a failure (set -e would end the script
	# silently at built=$(newest_cached) after an interrupted build).
	return 0
}

# One build at a time: make test and make test-asan (or two checkouts)
# may ask at once, and the second must wait for the first's build.
mkdir -p "$cache"
exec 9>"$cache/.nginx-dep.lock"
flock 9

built=$(newest_cached)

if [ -z "$built" ]; then
	command -v apt-get >/dev/null || die "no cached nginx and no apt-get to fetch its source"
	for t in dpkg-source make cc; do
		command -v "$t" >/dev/null || die "building nginx needs '$t' (Debian: dpkg-dev, make, gcc)"
	done
	# The rewrite module (return, the redirects of the tests) needs PCRE2,
	# gzip needs zlib: Debian's libpcre2-dev and zlib1g-dev.
	printf '#include <zlib.h>\n#define PCRE2_CODE_UNIT_WIDTH 8\n#include <pcre2.h>\nint main(void) { return 0; }\n' |
		cc -x c -o /dev/null - -lpcre2-8 -lz 2>/dev/null ||
		die "building nginx needs PCRE2 and zlib headers and libraries (Debian: libpcre2-dev zlib1g-dev)"
	# shellcheck source=scripts/apt-source.sh
	. "$here/apt-source.sh"
	dl=$cache/dl/nginx
	mkdir -p "$dl"
	apt_private_setup "$cache/apt-nginx" stable
	say "fetching Debian stable's nginx source (about 2 MB)"
	apt_private update >&2 ||
		die "could not reach Debian's archive to fetch the nginx source ('apt-get update' failed)"
	rm -rf "${dl:?}"/*
	(cd "$dl" && apt_private source --download-only nginx >&2) ||
		die "could not download Debian stable's nginx source package"
	# "|| true": with pipefail an empty ls fails the pipeline, and die's
	# message below would never be printed.
	dsc=$(ls "$dl"/nginx_*.dsc 2>/dev/null | sort -V | tail -n 1 || true)
	[ -n "$dsc" ] || die "apt-get source left no nginx_*.dsc in $dl"
	ver=$(sed -n 's/^Version: //p' "$dsc")
	up=${ver#*:}
	up=${up%-*}
	tarball=$(ls "$dl"/nginx_"$up".orig.tar.* 2>/dev/null | grep -v '\.asc$' | head -n 1 || true)
	[ -n "$tarball" ] || die "no upstream tarball nginx_$up.orig.tar.* beside $dsc"
	case "$up" in
	1.2[5-9].* | 1.[3-9][0-9].* | [2-9].*) ;;
	*) die "Debian stable offers nginx $up; HTTP/3 with OpenSSL's compatibility layer needs >= 1.25" ;;
	esac
	dest=$cache/nginx-$ver-$ossl_tag
	# .built marks a finished build; anything without it is a leftover
	# of an interrupted one.
	rm -rf "$dest" && mkdir -p "$dest"
	# apt checked the files against the .dsc's hashes and the .dsc against
	# the archive's signed index; say what exactly we build.
	sha256sum "$tarball" | cut -d' ' -f1 >"$dest/.source-sha256"
	say "source $(basename "$tarball") sha256 $(cat "$dest/.source-sha256")"
	say "unpacking nginx $ver with Debian's patches (dpkg-source -x)"
	log=$dest/build.log
	(cd "$dest" && dpkg-source -x "$dsc" src) >"$log" 2>&1 ||
		{ tail -n 20 "$log" >&2; die "dpkg-source -x $(basename "$dsc") failed (log: $log)"; }
	# dpkg-source leaves a copy of the upstream tarball beside the tree.
	rm -f "$dest"/nginx_*.orig.tar.*
	# A "3.0 (quilt)" package's series must be applied, all of it, in order.
	fmt=$(cat "$dest/src/debian/source/format" 2>/dev/null || true)
	if [ "$fmt" = "3.0 (quilt)" ] && [ -s "$dest/src/debian/patches/series" ]; then
		want=$(sed -e 's/#.*//' -e 's/[[:space:]].*//' -e '/^$/d' "$dest/src/debian/patches/series")
		have=$(cat "$dest/src/.pc/applied-patches" 2>/dev/null || true)
		[ "$want" = "$have" ] ||
			die "dpkg-source did not apply Debian's patch series (debian/patches/series vs .pc/applied-patches)"
		say "Debian's $(wc -l <<<"$want") patches applied: $(tr '\n' ' ' <<<"$want")"
	else
		say "Debian's source format is '$fmt' with no patch series to apply"
	fi

	# Only the two static archives, under the names nginx's configure
	# links (-lssl -lcrypto), in a folder of their own.
	ld_opt=${other_libs[*]:-}
	cc_opt="-O2 -g ${OPENSSL_CFLAGS:-}"
	if [ "$ossl_tag" != openssl-system ]; then
		mkdir -p "$dest/openssl-lib"
		ln -s "$ssl_a" "$dest/openssl-lib/libssl.a"
		ln -s "$crypto_a" "$dest/openssl-lib/libcrypto.a"
		ld_opt="-L$dest/openssl-lib $ld_opt"
	fi
	configure=(./configure --prefix="$dest"
		--with-http_v3_module --with-http_v2_module --with-http_ssl_module
		--with-http_dav_module
		# Not needed by a file server, and each would want a temp folder.
		--without-http_proxy_module --without-http_fastcgi_module
		--without-http_uwsgi_module --without-http_scgi_module
		--with-cc-opt="$cc_opt" --with-ld-opt="$ld_opt")
	printf '%q ' "${configure[@]}" >"$dest/.configure"
	say "configure: $(cat "$dest/.configure")"
	say "building nginx $ver into $dest (about a minute)"
	start=$(date +%s)
	(
		cd "$dest/src"
		# make's CFLAGS (make test-asan's -O1, its sanitizers) are not
		# nginx's: the flags above are all it gets.
		unset CFLAGS CPPFLAGS LDFLAGS SANFLAGS
		"${configure[@]}" >>"$log" 2>&1
		make -j2 >>"$log" 2>&1
		make install >>"$log" 2>&1
	) || { tail -n 30 "$log" >&2; die "building nginx $ver failed (log: $log)"; }
	grep -q 'checking for OpenSSL QUIC compatibility \.\.\. found' "$log" ||
		grep -q 'checking for OpenSSL QUIC support \.\.\. found' "$log" ||
		die "nginx's configure found no QUIC support in the OpenSSL (log: $log)"
	# grep without -q reads all of ldd's output: no SIGPIPE under pipefail.
	if [ "$ossl_tag" != openssl-system ] &&
		ldd "$dest/sbin/nginx" | grep -E 'lib(ssl|crypto)\.so' >/dev/null; then
		die "$dest/sbin/nginx links a shared OpenSSL, not $ssl_a"
	fi
	echo "$(($(date +%s) - start))" >"$dest/.build-seconds"
	touch "$dest/.built"
	say "nginx $ver built in $(cat "$dest/.build-seconds") s"
	built=$dest
fi

bin=$built/sbin/nginx
"$bin" -V 2>&1 | grep -q -- --with-http_v3_module ||
	die "$bin was not built with --with-http_v3_module"
say "$("$bin" -v 2>&1 | sed 's/^nginx version: //'), $("$bin" -V 2>&1 | grep -m 1 '^built with') (source sha256 $(cat "$built/.source-sha256" 2>/dev/null || echo unknown))"
echo "$bin"
