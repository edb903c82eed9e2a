# shellcheck shell=bash
# Fetching Debian source packages without root and without touching
# /etc/apt: a private apt configuration (sources list, lists, cache, an
# empty dpkg status) under a directory of our cache.  Sourced by
# scripts/*-dep.sh, which define die().
#
#   apt_archive                    prints "URI [KEYRING]": the Debian archive
#                                  this machine's own apt configuration
#                                  names (its trust in it is configured
#                                  there too); fails when there is none
#   apt_private_setup DIR SUITE... writes a deb-src line per SUITE for that
#                                  archive as DIR's sources list, sets APT_OPTS
#   apt_private ARGS...            apt-get with those options (-q)
#   apt_private_cache ARGS...      apt-cache with those options

APT_OPTS=()
APT_ETC=${APT_ETC:-/etc/apt}

# The archive of the machine's own "deb" entries that carry Debian's main
# component: deb822 files first (Debian 12's default), then the one-line
# format.  Security and updates suites live elsewhere (or are pockets of
# the same archive), so the first entry whose suite is a plain release wins.
apt_archive() {
	local f
	for f in "$APT_ETC"/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && comps ~ /(^| )main( |$)/ &&
				    uris != "" && enabled != "no") {
					n = split(suites, s, " ")
					for (i = 1; i <= n; i++)
						if (s[i] !~ /-(security|updates|backports)$/ &&
						    s[i] !~ /\//) {
							split(uris, u, " ")
							print u[1], keys
							found = 1
							exit
						}
				}
				types = comps = uris = suites = keys = enabled = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			{
				key = tolower($1); sub(/:$/, "", key)
				$1 = ""; sub(/^ +/, "")
				if (key == "types") types = $0
				else if (key == "uris") uris = $0
				else if (key == "suites") suites = $0
				else if (key == "components") comps = $0
				else if (key == "signed-by") keys = $0
				else if (key == "enabled") enabled = tolower($0)
			}
			END { if (!found) flush() }
		' "$f" | head -n 1 | grep . && return 0
	done
	for f in "$APT_ETC"/sources.list "$APT_ETC"/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '
			$1 != "deb" { next }
			{
				keys = ""; i = 2
				if ($2 ~ /^\[/) {
					for (; i <= NF; i++) {
						if ($i ~ /signed-by=/) { keys = $i; sub(/.*signed-by=/, "", keys); sub(/\]$/, "", keys) }
						if ($i ~ /\]$/) { i++; break }
					}
				}
				uri = $i; suite = $(i + 1)
				if (suite ~ /-(security|updates|backports)$/ || suite ~ /\//) next
				for (j = i + 2; j <= NF; j++) if ($j == "main") { print uri, keys; exit }
			}
		' "$f" | head -n 1 | grep . && return 0
	done
	return 1
}

apt_private_setup() { # DIR SUITE...
	local dir=$1 archive uri keys opt="" s
	shift
	archive=$(apt_archive) ||
		die "this machine's apt configuration ($APT_ETC/sources.list.d/*.sources, $APT_ETC/sources.list) names no Debian archive with a main component to fetch sources from"
	uri=${archive%% *}
	keys=${archive#"$uri"}
	keys=${keys# }
	# A keyring that apt's own configuration names is the trust we use.
	[ -n "$keys" ] && [ -f "$keys" ] && opt="[signed-by=$keys] "
	mkdir -p "$dir/etc/sources.list.d" "$dir/etc/preferences.d" \
		"$dir/lists/partial" "$dir/cache/archives/partial"
	: >"$dir/etc/sources.list"
	for s in "$@"; do
		printf 'deb-src %s%s %s main\n' "$opt" "$uri" "$s" >>"$dir/etc/sources.list"
	done
	: >"$dir/status"
	APT_OPTS=(-o "Dir::Etc::SourceList=$dir/etc/sources.list"
		-o "Dir::Etc::SourceParts=$dir/etc/sources.list.d"
		-o "Dir::State::Lists=$dir/lists"
		-o "Dir::Cache=$dir/cache"
		-o "Dir::State::status=$dir/status"
		-o "Dir::Etc::Preferences=$dir/etc/preferences"
		-o "Dir::Etc::PreferencesParts=$dir/etc/preferences.d"
		-o "APT::Sandbox::User=root"
		-o "Debug::NoLocking=1")
}

apt_private() { apt-get -q "${APT_OPTS[@]}" "$@"; }

apt_private_cache() { apt-cache "${APT_OPTS[@]}" "$@"; }
