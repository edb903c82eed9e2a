#!/usr/bin/env bash
# -o never damages what it writes to: a device or FIFO is written in
# place, a symbolic link is followed and stays a link, an existing file
# keeps its mode and owner, "-" is stdout, and a directory is refused
# before connecting.  Devices are our own nodes in $T, never the system's.
. "$(dirname "$0")/../lib.sh"

R=$T/root
D=$T/dl
mkdir -p "$D" "$T/cwd" "$T/elsewhere" "$T/adir"
head -c 100000 /dev/urandom >"$R/body"
CA=(--cacert "$CERTS/ca.pem")
serve out || exit 1
GOOD=$PORT
serve trunc --truncate-after 1000 || exit 1
TRUNC=$PORT

# only NAME DIR FILE...: DIR holds exactly FILE... (no temporary left).
only() {
	local name=$1 dir=$2 want got
	shift 2
	want=$([ $# -eq 0 ] || printf '%s\n' "$@" | sort | tr '\n' ' ')
	got=$(ls -A "$dir" | sort | tr '\n' ' ')
	if [ "$got" = "$want" ]; then pass "$name"; else fail "$name" "in $dir: $got"; fi
}

# is TEST NAME FILE: a test(1) file type check, e.g. is -c "..." "$f".
is() {
	if [ "$1" "$3" ]; then pass "$2"; else fail "$2" "$(ls -l "$3" 2>&1)"; fi
}

# Character devices: mknod needs root and a file system without nodev.
if mknod "$D/null" c 1 3 2>/dev/null && mknod "$D/full" c 1 7 2>/dev/null &&
	[ -c "$D/null" ] && : >"$D/null" 2>/dev/null; then
	q "${CA[@]}" -o "$D/null" 127.0.0.1 "$GOOD" /body
	expect "-o onto a null device: exit 0" 0
	is -c "-o onto a null device: still a character device" "$D/null"
	q "${CA[@]}" -o "$D/full" 127.0.0.1 "$GOOD" /body
	expect "-o onto a full device: exit 10" 10 'No space left'
	is -c "-o onto a full device: still a character device" "$D/full"
	q "${CA[@]}" --http3 -o "$D/null" 127.0.0.1 "$GOOD" /body
	expect "-o onto a null device over h3: exit 0" 0
	is -c "-o onto a null device over h3: still a device" "$D/null"
	only "-o onto devices: no temporary left" "$D" null full
	rm -f "$D/null" "$D/full"
else
	rm -f "$D/null" "$D/full"
	skip "-o onto a character device" "mknod is not permitted here"
fi

# A FIFO: its reader gets the bytes, and it stays a FIFO.
fifo_case() { # NAME PORT
	rm -f "$D/fifo" "$T/fifo.got"
	mkfifo "$D/fifo"
	timeout 15 cat "$D/fifo" >"$T/fifo.got" &
	local reader=$! rc
	track "$reader" "$1: FIFO reader" ""
	q "${CA[@]}" -o "$D/fifo" 127.0.0.1 "$2" /body
	# The old code replaced the FIFO: its reader would wait forever.
	[ -p "$D/fifo" ] || kill "$reader" 2>/dev/null
	wait "$reader"
	rc=$?
	proc_check "$reader" "$rc" 0 143
	is -p "$1: still a FIFO" "$D/fifo"
}
fifo_case "-o onto a FIFO" "$GOOD"
expect "-o onto a FIFO: exit 0" 0
same "-o onto a FIFO: the reader got the body" "$R/body" "$T/fifo.got"
fifo_case "-o onto a FIFO, truncated" "$TRUNC"
expect "-o onto a FIFO, truncated response: exit 7" 7 'truncated'
n=$(stat -c %s "$T/fifo.got" 2>/dev/null)
if [ "$n" = 1000 ]; then pass "-o onto a FIFO, truncated: the reader got what came"; else fail "-o onto a FIFO, truncated: the reader got what came" "$n bytes"; fi
rm -f "$D/fifo"
only "-o onto a FIFO: no temporary left" "$D"

# Symbolic links: the target is written, the link stays a link.
printf old >"$D/target"
ln -s target "$D/link"
q "${CA[@]}" -o "$D/link" 127.0.0.1 "$GOOD" /body
expect "-o onto a link: exit 0" 0
is -L "-o onto a link: still a link" "$D/link"
same "-o onto a link: its target has the body" "$R/body" "$D/target"
ln -s link "$D/link2"
printf old >"$D/target"
q "${CA[@]}" -o "$D/link2" 127.0.0.1 "$GOOD" /body
expect "-o onto a chain of links: exit 0" 0
if [ -L "$D/link2" ] && [ -L "$D/link" ]; then pass "-o onto a chain of links: both stay links"; else fail "-o onto a chain of links: both stay links" "$(ls -l "$D")"; fi
same "-o onto a chain of links: the last target has the body" "$R/body" "$D/target"
# A link to another directory: the temporary goes there, beside the target.
printf old >"$T/elsewhere/file"
ln -s "$T/elsewhere/file" "$D/far"
q "${CA[@]}" -o "$D/far" 127.0.0.1 "$GOOD" /body
expect "-o onto a link to another directory: exit 0" 0
is -L "-o onto a link to another directory: still a link" "$D/far"
same "-o onto a link to another directory: target written" "$R/body" "$T/elsewhere/file"
only "-o onto a link to another directory: no temporary left there" "$T/elsewhere" file
# A dangling link: its target is created, as curl's open(O_CREAT) does.
ln -s created "$D/dangling"
q "${CA[@]}" -o "$D/dangling" 127.0.0.1 "$GOOD" /body
expect "-o onto a dangling link: exit 0" 0
is -L "-o onto a dangling link: still a link" "$D/dangling"
same "-o onto a dangling link: its target is created" "$R/body" "$D/created"
# A failed download leaves the link's target as it was.
printf old >"$D/target"
q "${CA[@]}" -o "$D/link" 127.0.0.1 "$TRUNC" /body
expect "-o onto a link, truncated response: exit 7" 7 'truncated'
if [ -L "$D/link" ] && [ "$(cat "$D/target")" = old ]; then pass "-o onto a link, truncated: link and target untouched"; else fail "-o onto a link, truncated: link and target untouched" "$(ls -l "$D")"; fi
only "-o onto links: no temporary left" "$D" target link link2 far dangling created
rm -f "$D"/*

# An existing file keeps its mode; a new one gets 0666 & ~umask.
for m in 600 640 755; do
	printf old >"$D/m$m"
	chmod "$m" "$D/m$m"
	q "${CA[@]}" -o "$D/m$m" 127.0.0.1 "$GOOD" /body
	expect "-o onto an existing $m file: exit 0" 0
	got=$(stat -c %a "$D/m$m")
	if [ "$got" = "$m" ]; then pass "-o onto an existing $m file: mode kept"; else fail "-o onto an existing $m file: mode kept" "mode $got"; fi
	same "-o onto an existing $m file: body" "$R/body" "$D/m$m"
done
printf old >"$D/m640h3"
chmod 640 "$D/m640h3"
q "${CA[@]}" --http3 -o "$D/m640h3" 127.0.0.1 "$GOOD" /body
expect "-o onto an existing 640 file over h3: exit 0" 0
got=$(stat -c %a "$D/m640h3")
if [ "$got" = 640 ]; then pass "-o over h3: mode kept"; else fail "-o over h3: mode kept" "mode $got"; fi
old_umask=$(umask)
umask 027
q "${CA[@]}" -o "$D/new" 127.0.0.1 "$GOOD" /body
umask "$old_umask"
expect "-o onto a new file: exit 0" 0
got=$(stat -c %a "$D/new")
if [ "$got" = 640 ]; then pass "-o onto a new file: mode is 0666 & ~umask 027"; else fail "-o onto a new file: mode is 0666 & ~umask 027" "mode $got"; fi
if [ "$(id -u)" = 0 ]; then
	printf old >"$D/owned"
	chown 65534:65534 "$D/owned"
	chmod 640 "$D/owned"
	q "${CA[@]}" -o "$D/owned" 127.0.0.1 "$GOOD" /body
	expect "-o onto another user's file as root: exit 0" 0
	got=$(stat -c %u:%g:%a "$D/owned")
	if [ "$got" = 65534:65534:640 ]; then pass "-o as root: owner, group and mode kept"; else fail "-o as root: owner, group and mode kept" "$got"; fi
	same "-o as root onto another user's file: body" "$R/body" "$D/owned"
else
	skip "-o as root: owner kept" "not root"
fi
printf old >"$D/kept"
chmod 600 "$D/kept"
q "${CA[@]}" -o "$D/kept" 127.0.0.1 "$TRUNC" /body
expect "-o onto an existing file, truncated response: exit 7" 7 'truncated'
if [ "$(cat "$D/kept")" = old ] && [ "$(stat -c %a "$D/kept")" = 600 ]; then pass "-o, truncated: the existing file is untouched"; else fail "-o, truncated: the existing file is untouched" "$(ls -l "$D/kept")"; fi
rm -f "$D"/*

# "-o -" is stdout: no file named "-" appears.
cd "$T/cwd" || exit 1
q "${CA[@]}" -o - 127.0.0.1 "$GOOD" /body
cd "$top" || exit 1
expect "-o -: exit 0" 0
same "-o -: the body on stdout" "$R/body" "$T/out"
only "-o -: no file named '-'" "$T/cwd"

# /dev/fd/N and /proc/self/fd/N name an open file (for a pipe, no path at
# all): written where the descriptor points, nothing created or renamed.
# (Not /dev/stdout: a regression would replace the system's link.)
"${QGET[@]}" "${CA[@]}" -o /dev/fd/1 127.0.0.1 "$GOOD" /body 2>"$T/err" | cat >"$T/piped"
RC=${PIPESTATUS[0]}
expect "-o /dev/fd/1 onto a pipe: exit 0" 0
same "-o /dev/fd/1 onto a pipe: the body through the pipe" "$R/body" "$T/piped"
q "${CA[@]}" -w json -o /proc/self/fd/1 127.0.0.1 "$GOOD" /body
expect "-o /proc/self/fd/1 with -w json: exit 0" 0
head -c 100000 "$T/out" >"$T/out.body"
if same "-o /proc/self/fd/1: the body, then" "$R/body" "$T/out.body" >/dev/null &&
	tail -c +100001 "$T/out" | grep -q '"exitcode":0'; then
	pass "-o /proc/self/fd/1: the body, then the JSON, on stdout"
else
	fail "-o /proc/self/fd/1: the body, then the JSON, on stdout" "$(stat -c %s "$T/out") bytes"
fi
printf 'kept:' >"$T/appended"
"${QGET[@]}" "${CA[@]}" -o /dev/fd/3 127.0.0.1 "$GOOD" /body 3>>"$T/appended" >"$T/out" 2>"$T/err"
RC=$?
expect "-o /dev/fd/3 onto a file opened with >>: exit 0" 0
{ printf 'kept:'; cat "$R/body"; } >"$T/want"
same "-o /dev/fd/3 onto >>: appended after what was there" "$T/want" "$T/appended"

# A directory is refused before connecting: no 'trying' under -v.
for dir in "$T/adir" "$T/adir/" "$T/nodir/"; do
	q "${CA[@]}" -v -o "$dir" 127.0.0.1 "$GOOD" /body
	expect "-o $(basename "$dir")${dir##*[!/]}: exit 2" 2 'is a directory'
	if grep -q 'trying' "$T/err"; then fail "-o $dir: refused before connecting" "qget connected"; else pass "-o $(basename "$dir")${dir##*[!/]}: refused before connecting"; fi
done
ln -s adir "$T/dirlink"
q "${CA[@]}" -v -o "$T/dirlink" 127.0.0.1 "$GOOD" /body
expect "-o onto a link to a directory: exit 2" 2 'is a directory'
if grep -q 'trying' "$T/err"; then fail "-o link to a directory: refused before connecting" "qget connected"; else pass "-o link to a directory: refused before connecting"; fi
only "-o DIR: the directory is untouched" "$T/adir"
if [ -L "$T/dirlink" ] && [ ! -e "$T/nodir" ]; then pass "-o DIR: nothing created"; else fail "-o DIR: nothing created" "$(ls -l "$T")"; fi
only "-o: nothing left beside the files" "$D"
