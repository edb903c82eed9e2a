# shellcheck shell=bash
# Fetching Debian source packages without root and without touching
# /etc/apt: a private apt configuration (sources list, lists, cache, an
# empty dpkg status) under a directory of our cache.  Sourced by
# scripts/*-dep.sh, which define die().
#
#   apt_private_setup DIR LINE...  writes LINEs ("deb-src URL SUITE main")
#                                  as DIR's sources list, sets APT_OPTS
#   apt_private ARGS...            apt-get with those options (-q)
#   apt_private_cache ARGS...      apt-cache with those options

APT_OPTS=()

apt_private_setup() { # DIR LINE...
	local dir=$1
	shift
	mkdir -p "$dir/etc/sources.list.d" "$dir/etc/preferences.d" \
		"$dir/lists/partial" "$dir/cache/archives/partial"
	printf '%s\n' "$@" >"$dir/etc/sources.list"
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
