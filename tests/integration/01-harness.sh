#!/usr/bin/env bash
# The harness checks itself (tests/lib.sh): a process a test starts that
# ends with a sanitizer report in its log, or with an exit status it may
# not end with, must give a FAIL line naming it, whether the test stops it
# (stop) or leaves it to the EXIT trap; a clean one must not; a server
# that does not start must fail the script.  Each case runs in a fresh
# bash that sources lib.sh, and its output is checked here.  Fake reports
# (the lines a sanitizer prints) test these paths in every build; in a
# sanitized build (make test-asan) tests/prog/sanself makes real ones.
. "$(dirname "$0")/../lib.sh"

prog=$top/$BUILD/tests/prog/sanself
sanitized=
case ${SANFLAGS:-} in *-fsanitize=*address*) sanitized=1 ;; esac

# child CODE: runs CODE in a bash that has sourced tests/lib.sh; its output
# (stdout and stderr, the EXIT trap's included) in $T/child.out, its exit
# status in CRC.
child() {
	BUILD=$BUILD bash -c '. "$1"; eval "$2"' child "$top/tests/lib.sh" "$1" \
		>"$T/child.out" 2>&1
	CRC=$?
}

# expect_out NAME ERE: the child's output has a line matching ERE.
# expect_no_fail NAME: it has no FAIL line.
expect_out() {
	if grep -qE "$2" "$T/child.out"; then
		pass "$1"
	else
		fail "$1" "no /$2/ in: $(tr '\n' '|' <"$T/child.out" | head -c 300)"
	fi
}
expect_no_fail() {
	if grep -q '^FAIL' "$T/child.out"; then
		fail "$1" "$(grep -m 2 '^FAIL' "$T/child.out" | tr '\n' '|')"
	else
		pass "$1"
	fi
}

# A server-like process whose log holds a LeakSanitizer report, stopped by
# the test; then the same left running for the EXIT trap.
fake='sh -c '\''echo "==1==ERROR: LeakSanitizer: detected memory leaks" >&2; exec sleep 30'\'' 2>"$T/fake.log" &
track $! "fake server" "$T/fake.log"
sleep 0.3'
child "$fake
stop \$!"
expect_out "harness: stop reports a sanitizer report in a server's log" \
	'^FAIL fake server: sanitizer report in its log'
child "$fake"
expect_out "harness: the EXIT trap reports a sanitizer report in a server's log" \
	'^FAIL fake server: sanitizer report in its log'
# A report that shows only as UBSan's summary line.
child 'sh -c '\''echo "SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior x.c:1:1 in f"; exec sleep 30'\'' >"$T/ub.log" &
track $! "fake ubsan server" "$T/ub.log"
sleep 0.3'
expect_out "harness: the EXIT trap reports UBSan's SUMMARY line" \
	'^FAIL fake ubsan server: sanitizer report'

# Exit statuses: ASan's exitcode 99 from a process that ended by itself,
# a server that must exit 0 on SIGTERM but dies of it, a SIGKILL.
child 'sh -c "exit 99" & track $! "exits 99" "" 0; sleep 0.3; stop $!'
expect_out "harness: stop reports an exit status of 99" '^FAIL exits 99: exited 99'
child 'sh -c "exit 99" & track $! "exits 99" "" 0; sleep 0.3'
expect_out "harness: the EXIT trap reports an exit status of 99" '^FAIL exits 99: exited 99'
child 'sleep 30 & track $! "must exit 0" "" 0; sleep 0.3; stop $!'
expect_out "harness: a process that must exit 0 but dies of SIGTERM is a failure" \
	'^FAIL must exit 0: exited 143'
child 'sleep 30 & track $! "killed"; kill -KILL $!; sleep 0.2'
expect_out "harness: a process killed by SIGKILL is a failure unless said so" \
	'^FAIL killed: exited 137'
child 'sleep 30 & track $! "killed"; kill -KILL $!; stop $! 137'
expect_no_fail "harness: stop PID 137 accepts a deliberate SIGKILL"

# Clean processes: no FAIL, stopped or left to the trap; a PID put in
# PIDS by hand is still checked.
child 'echo quiet >"$T/ok.log"; sleep 30 >>"$T/ok.log" & track $! "sleeper" "$T/ok.log"; stop $!
sleep 30 & track $! "sleeper 2"; sleep 30 & PIDS+=($!)'
expect_no_fail "harness: clean processes give no FAIL, stopped or at exit"
child 'sh -c "exit 3" & PIDS+=($!); sleep 0.3'
expect_out "harness: a PID added to PIDS by hand is checked at exit" '^FAIL process [0-9]+: exited 3'

# clean_run, which expect uses on qget's stderr.
child 'echo "x.c:1:2: runtime error: load of misaligned address" >"$T/err"
RC=0; expect "case" 0'
expect_out "harness: expect fails on a UBSan report in qget's stderr" '^FAIL case: memory error reported'
child 'echo "SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior x.c:1:1" >"$T/err"
RC=0; expect "case" 0'
expect_out "harness: expect fails on UBSan's SUMMARY line alone" '^FAIL case: memory error reported'

# A server that does not start: a FAIL, and the script ends non-zero even
# if it goes on or exits 0.
child 'serve broken --no-such-option || echo "went on"; exit 0'
if [ "$CRC" -ne 0 ] && grep -q '^FAIL serve broken: qget-serve did not start' "$T/child.out"; then
	pass "harness: a server that does not start is a FAIL and the script exits non-zero ($CRC)"
else
	fail "harness: a server that does not start is a FAIL and the script exits non-zero" \
		"exit $CRC: $(tr '\n' '|' <"$T/child.out" | head -c 300)"
fi

# Retries: at most RETRY_MAX per script, then a FAIL.
child 'retry_ok a "why a"; retry_ok b "why b"; retry_ok c "why c" || echo "no retry for c"'
if [ "$(grep -c '^RETRY' "$T/child.out")" -eq 2 ] && grep -q '^FAIL c: would need a retry' "$T/child.out" &&
	grep -q '^no retry for c' "$T/child.out"; then
	pass "harness: two retries per script, the third is a FAIL"
else
	fail "harness: two retries per script, the third is a FAIL" "$(tr '\n' '|' <"$T/child.out")"
fi

# Real reports from tests/prog/sanself.
if [ ! -x "$prog" ]; then
	fail "harness: tests/prog/sanself" "$prog is not built"
	exit 0
fi
if [ -n "$sanitized" ]; then
	child "\"$prog\" serve \"\$T/ready\" >\"\$T/s.log\" 2>&1 &
track \$! 'sanself serve' \"\$T/s.log\" 0
for i in \$(seq 1 100); do [ -s \"\$T/ready\" ] && break; sleep 0.05; done
stop \$!"
	expect_out "harness: a server leaking at SIGTERM (real LeakSanitizer report): stop fails it" \
		'^FAIL sanself serve: sanitizer report in its log'
	child "\"$prog\" serve \"\$T/ready\" >\"\$T/s.log\" 2>&1 &
track \$! 'sanself serve' \"\$T/s.log\" 0
for i in \$(seq 1 100); do [ -s \"\$T/ready\" ] && break; sleep 0.05; done"
	expect_out "harness: a server leaking at SIGTERM, left to the EXIT trap: FAIL" \
		'^FAIL sanself serve: sanitizer report in its log'
	for m in leak ub; do
		child "\"$prog\" $m >\"\$T/out\" 2>\"\$T/err\"; RC=\$?; expect 'sanself $m' 0"
		expect_out "harness: sanself $m (a real report): expect fails it" "^FAIL sanself $m: memory error reported"
	done
else
	child "\"$prog\" serve \"\$T/ready\" >\"\$T/s.log\" 2>&1 &
track \$! 'sanself serve' \"\$T/s.log\" 0
for i in \$(seq 1 100); do [ -s \"\$T/ready\" ] && break; sleep 0.05; done
stop \$!
\"$prog\" leak >\"\$T/out\" 2>\"\$T/err\"; RC=\$?; expect 'sanself leak' 0"
	expect_no_fail "harness: without sanitizers sanself runs clean (no false FAIL)"
fi
exit 0
