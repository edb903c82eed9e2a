#!/usr/bin/env bash
# The documentation says what the code does: qget(1) (generated from
# src/tool/options.def and man/qget.1.in) and --help name the same options
# and the exit codes the library has, qget(1) lists every -w variable,
# docs/curl.md is what the generator makes, make install installs the
# generated page, every function of qget.h has a man page, every man page
# renders without a warning, the examples quoted in the man pages are the
# ones in examples/, the README's test command is the one CI runs, and
# every link between the documents leads somewhere.
. "$(dirname "$0")/../lib.sh"

# shellcheck disable=SC2154 # top, T, BUILD: set by lib.sh
man1=$BUILD/man/qget.1
if [ ! -s "$man1" ]; then
	fail "docs: qget(1) is generated" "$man1 is missing (make all makes it)"
fi

# words FILE: its lines as one line of words.
words() { tr '\n' ' ' <"$1" | sed 's/ $//'; }

# The section of a man page's source between ".SH NAME" and the next .SH.
man_section() { # FILE NAME
	awk -v s=".SH $2" '$0 == s { f = 1; next } /^\.SH / { f = 0 } f' "$1"
}

# Options: the synopses ("-o, --output FILE") of --help's left column and
# of the tag lines (.TP's next line) of qget(1)'s OPTIONS, and the names
# in them; then the parser's table (build/gen/options.inc) against --help.
"$top/$BUILD/qget" --help >"$T/help" 2>&1
# --help's left column ends at column 25 when a description follows on
# the same line (at column 28).
awk '/^Exit codes:/ { exit } /^  (-[^ ], |    )--[a-z0-9]/ {
	l = $0
	if (length(l) > 27 && substr(l, 26, 2) == "  ")
		l = substr(l, 1, 25)
	sub(/^ +/, "", l); sub(/ +$/, "", l)
	print l
}' "$T/help" | sort >"$T/help.syn"
man_section "$man1" OPTIONS | awk 'p { print; p = 0 } /^\.TP/ { p = 1 }' |
	sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/\\e/\\/g' | sort >"$T/man.syn"
names() { grep -oE -- '(^|[ ,])--?[A-Za-z0-9#][A-Za-z0-9.-]*' "$1" | tr -d ' ,' | sort -u; }
names "$T/help.syn" >"$T/help.opts"
names "$T/man.syn" >"$T/man.opts"
if [ ! -s "$T/help.opts" ] || [ ! -s "$T/man.opts" ]; then
	fail "docs: options of --help and qget(1)" "no options found ($(wc -l <"$T/help.opts") in --help, $(wc -l <"$T/man.opts") in qget(1))"
elif ! diff "$T/help.opts" "$T/man.opts" >"$T/diff"; then
	fail "docs: options of --help and qget(1)" "$(grep -E '^[<>]' "$T/diff" | sed 's/^</only in --help:/; s/^>/only in qget(1):/' | tr '\n' ' ')"
else
	pass "docs: --help and qget(1) name the same $(wc -l <"$T/man.opts") options"
fi
if diff "$T/help.syn" "$T/man.syn" >"$T/diff"; then
	pass "docs: --help and qget(1) give each option the same value ($(wc -l <"$T/man.syn") synopses)"
else
	fail "docs: --help and qget(1) give each option the same value" "$(grep -E '^[<>]' "$T/diff" | sed 's/^</--help:/; s/^>/qget(1):/' | tr '\n' ' ')"
fi
awk '/long_opts\[\] = \{/ { f = 1; next } f && /^\};/ { f = 0 } f' "$BUILD/gen/options.inc" |
	grep -oE '\{ "[a-z0-9.-]+"' | sed 's/{ "/--/; s/"$//' | sort -u >"$T/src.opts"
missing=$(comm -23 "$T/src.opts" <(grep -- '^--' "$T/help.opts"))
if [ ! -s "$T/src.opts" ]; then
	fail "docs: every long option the parser takes is in --help" "no table in $BUILD/gen/options.inc"
elif [ -n "$missing" ]; then
	fail "docs: every long option the parser takes is in --help" "$(echo "$missing" | tr '\n' ' ')"
else
	pass "docs: all $(wc -l <"$T/src.opts") long options the parser takes are in --help"
fi

# Exit codes: those --help lists, qget(1)'s EXIT STATUS tags, and the
# codes of qget.h's status table (with 143, SIGTERM's, which the tool
# adds to the table's 130).
sed -n '/^Exit codes:/,$p' "$T/help" | grep -oE '^ *[0-9]{1,3}(, [0-9]{1,3})?  ' |
	grep -oE '[0-9]+' | sort -n -u >"$T/help.codes"
man_section "$man1" "EXIT STATUS" | awk 'p { print; p = 0 } /^\.TP/ { p = 1 }' |
	grep -oE '[0-9]+' | sort -n -u >"$T/man.codes"
{ sed -n 's/^[[:space:]]*X(E\{0,1\}_*[A-Z_]*, *[0-9]*, *\([0-9]*\),.*/\1/p' include/qget.h
	echo 143; } | sort -n -u >"$T/lib.codes"
if [ ! -s "$T/man.codes" ] || [ "$(wc -l <"$T/lib.codes")" -lt 10 ]; then
	fail "docs: --help, qget(1) and qget.h list the same exit codes" "none found: qget(1): $(words "$T/man.codes"); qget.h: $(words "$T/lib.codes")"
elif diff "$T/help.codes" "$T/man.codes" >/dev/null && diff "$T/man.codes" "$T/lib.codes" >/dev/null; then
	pass "docs: --help, qget(1) and qget.h list the same exit codes ($(words "$T/man.codes"))"
else
	fail "docs: --help, qget(1) and qget.h list the same exit codes" "--help: $(words "$T/help.codes"); qget(1): $(words "$T/man.codes"); qget.h: $(words "$T/lib.codes")"
fi

# -w: every variable (the names of writeout.c's table, and every field of
# struct tool_xfer_stats in writeout.h) is a bold word of a tag of
# qget(1)'s WRITE-OUT, and that section names no other.
{
	awk '/^struct tool_xfer_stats \{/ { f = 1; next } f && /^\};/ { f = 0 } f' src/tool/writeout.h |
		sed 's|/\*.*||' | grep -oE '[a-z_][a-z0-9_]*(\[[^]]*\])?;' | sed 's/\[.*//; s/;//'
	awk '/ wo_vars\[\] = \{/ { f = 1; next } f && /^\};/ { f = 0 } f' src/tool/writeout.c |
		grep -oE '^[[:space:]]*\{ "[a-z_]+"' | grep -oE '[a-z_]+'
} | sort -u >"$T/wo.vars"
man_section "$man1" WRITE-OUT | awk 'p { print; p = 0 } /^\.TP/ { p = 1 }' |
	sed -n 's/^\.B //p' | sed 's/\\f[BRI]//g' | tr ',' '\n' | tr -d ' ' | sort -u >"$T/man.vars"
if [ "$(wc -l <"$T/wo.vars")" -lt 20 ]; then
	fail "docs: every -w variable is in qget(1)" "only $(wc -l <"$T/wo.vars") found in src/tool/writeout.[ch]"
elif diff "$T/wo.vars" "$T/man.vars" >"$T/diff"; then
	pass "docs: all $(wc -l <"$T/wo.vars") -w variables are in qget(1)'s WRITE-OUT, and no other"
else
	fail "docs: every -w variable is in qget(1)" "$(grep -E '^[<>]' "$T/diff" | sed 's/^</not in qget(1):/; s/^>/not a variable:/' | tr '\n' ' ')"
fi

# docs/curl.md is kept in the tree (to be read on the web): it must be
# what the generator makes of options.def now.
if sh scripts/gen-options.sh curl-md src/tool/options.def >"$T/curl.md" 2>"$T/err" &&
	cmp -s "$T/curl.md" docs/curl.md; then
	pass "docs: docs/curl.md is what options.def says (curl's options, qget's answers)"
else
	fail "docs: docs/curl.md is what options.def says" "run make docs/curl.md: $(diff docs/curl.md "$T/curl.md" | head -3 | tr '\n' ' ')"
fi
# Every refused option is refused by the binary with its reason, and
# every option curl.md says qget accepts is one --help knows.
bad=
while IFS='|' read -r _ opt why _; do
	long=$(echo "$opt" | grep -oE -- '--[a-z0-9.-]+' | head -1)
	why=$(echo "$why" | sed 's/^ *//; s/ *$//; s/\\|/|/g')
	"$top/$BUILD/qget" "$long" https://localhost/ >/dev/null 2>"$T/err"
	grep -qF -- "qget: curl's $long is not supported: $why" "$T/err" || bad="$bad $long"
done < <(sed -n '/^## curl.s options that qget refuses/,/^## /p' docs/curl.md | grep '^| `')
while IFS='|' read -r _ opt _; do
	long=$(echo "$opt" | grep -oE -- '--[a-z0-9.-]+' | head -1)
	grep -qx -- "$long" "$T/help.opts" || bad="$bad $long(not in --help)"
done < <(sed -n '/^## curl.s options that qget accepts/,/^## /p' docs/curl.md | grep '^| `')
if [ -n "$bad" ]; then
	fail "docs: qget answers as docs/curl.md says" "$bad"
else
	pass "docs: qget answers as docs/curl.md says (every refusal with its reason)"
fi

# make install puts the generated qget(1) where man finds it.
if make -s BUILD="$BUILD" PREFIX=/opt/qget DESTDIR="$T/dest" install >"$T/err" 2>&1 &&
	cmp -s "$man1" "$T/dest/opt/qget/share/man/man1/qget.1"; then
	pass "docs: make install installs the generated qget(1)"
else
	fail "docs: make install installs the generated qget(1)" "$(tail -n 2 "$T/err" | tr '\n' ' ')"
fi

# --help points at what is installed (qget(1)), not at the source tree's
# README, which an installed qget does not have.
if grep -qi 'readme' "$T/help" || grep -qil 'see the readme' man/*.[0-9] "$man1"; then
	fail "docs: --help and the man pages do not send the reader to the README" \
		"$( { grep -i readme "$T/help"; grep -il 'see the readme' man/*.[0-9] "$man1"; } | head -2 | tr '\n' ' ')"
else
	pass "docs: --help and the man pages do not send the reader to the README"
fi

# Library: every function qget.h exports has a page man/NAME.3, which is
# ".so man3/GROUP.3" where GROUP names it in NAME and declares it in its
# SYNOPSIS; and no page for a function that is gone.
tr '\n' ' ' <include/qget.h | grep -oE 'QGET_API [^;]*;' |
	grep -oE '\bqget_[a-z0-9_]+\(' | tr -d '(' | sort -u >"$T/api"
bad=
while read -r f; do
	page=man/$f.3
	if [ ! -f "$page" ]; then
		bad="$bad $f(no page)"
		continue
	fi
	target=$(sed -n 's|^\.so man3/\(.*\)$|\1|p' "$page")
	if [ -z "$target" ]; then
		grep -q "^\.TH" "$page" || bad="$bad $f(neither a page nor a .so)"
		target=$f.3
	fi
	if [ ! -f "man/$target" ]; then
		bad="$bad $f(.so to a missing $target)"
	elif ! man_section "man/$target" NAME | grep -qw -- "$f"; then
		bad="$bad $f(not in $target's NAME)"
	elif ! man_section "man/$target" SYNOPSIS | grep -qE "[ *]$f\("; then
		bad="$bad $f(not in $target's SYNOPSIS)"
	fi
done <"$T/api"
for page in man/qget_*.3; do
	f=$(basename "$page" .3)
	grep -qx -- "$f" "$T/api" || bad="$bad $f(a page, but not in qget.h)"
done
if [ ! -s "$T/api" ]; then
	fail "docs: a man page for every function of qget.h" "no QGET_API functions found"
elif [ -n "$bad" ]; then
	fail "docs: a man page for every function of qget.h" "$bad"
else
	pass "docs: all $(wc -l <"$T/api") functions of qget.h have a man page"
fi

# The examples quoted in the man pages are the files in examples/.
quoted() { # EXAMPLE PAGE: the page holds the example, escaped for roff
	sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' "$1" >"$T/quoted"
	python3 -c 'import sys; sys.exit(open(sys.argv[1]).read() not in open(sys.argv[2]).read())' \
		"$T/quoted" "$2"
}
for pair in examples/fetch.c:man/libqget-stream.3 examples/h3get.c:man/libqget-fetch.3; do
	ex=${pair%%:*} page=${pair#*:}
	if [ ! -f "$ex" ]; then
		fail "docs: $page quotes $ex" "$ex is missing"
	elif quoted "$ex" "$page"; then
		pass "docs: $page quotes $ex as it is"
	else
		fail "docs: $page quotes $ex as it is" "they differ: quote the file again"
	fi
done

# A page that names a version names qget.h's; every page renders
# without a warning.
version=$(sed -n 's/^#define QGET_VERSION "\(.*\)"/\1/p' include/qget.h)
bad=
for page in man/*.[0-9] "$man1"; do
	grep -q '^\.so ' "$page" && continue
	th=$(grep -m 1 '^\.TH ' "$page")
	case $th in
	*'"qget '[0-9]*) case $th in *"\"qget $version\""*) ;; *) bad="$bad $page" ;; esac ;;
	esac
done
if [ -n "$bad" ]; then
	fail "docs: the man pages name qget $version" "another version in:$bad"
else
	pass "docs: the man pages name qget $version, or no version"
fi
if ! command -v man >/dev/null || ! command -v groff >/dev/null; then
	skip "docs: man pages render without warnings" "man or groff missing (Debian: man-db, groff-base)"
else
	bad=
	for page in man/*.[0-9] "$man1"; do
		grep -q '^\.so ' "$page" && continue
		out=$({ groff -man -t -ww -z "$page" 2>&1
			MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 "$page" 2>&1 >/dev/null; } | head -3)
		[ -n "$out" ] && bad="$bad $page: $out;"
	done
	if [ -n "$bad" ]; then
		fail "docs: man pages render without warnings" "$bad"
	else
		pass "docs: every man page renders without warnings"
	fi
fi

# The README's test command is what CI runs first.
cmd=$(sed -n '/^```sh$/,/^```$/p' README.md | grep -E '^make test' | head -1 | sed 's/ *#.*//')
if [ -n "$cmd" ] && grep -qE "^stage $cmd\$" .ci/run; then
	pass "docs: .ci/run runs the README's test command ($cmd)"
else
	fail "docs: .ci/run runs the README's test command" "README: '${cmd:-none}'"
fi

# Links: every relative link of README.md and docs/*.md leads to a file
# (and its #anchor to a heading); every doc is linked from the README and
# links back to it.
if python3 - README.md docs/*.md >"$T/links" 2>&1 <<'EOF'; then
import os, re, sys
def slug(h):
    h = re.sub(r'[`*_]', '', h.strip().lower())
    h = re.sub(r'[^a-z0-9 -]', '', h)
    return h.replace(' ', '-')
def anchors(path):
    out = set(); code = False
    for line in open(path):
        if line.startswith('```'):
            code = not code
        elif not code and line.startswith('#'):
            out.add(slug(line.lstrip('#')))
    return out
bad = []
for doc in sys.argv[1:]:
    text = open(doc).read()
    for target in re.findall(r'\]\(([^)\s]+)\)', text):
        if re.match(r'[a-z]+:', target):
            continue
        path, _, frag = target.partition('#')
        full = os.path.normpath(os.path.join(os.path.dirname(doc), path)) if path else doc
        if not os.path.exists(full):
            bad.append(f'{doc}: {target} (no such file)')
        elif frag and full.endswith('.md') and frag not in anchors(full):
            bad.append(f'{doc}: {target} (no such heading)')
readme = open('README.md').read()
for doc in sys.argv[1:]:
    if doc.startswith('docs/'):
        if f'({doc})' not in readme:
            bad.append(f'README.md does not link {doc}')
        if '(../README.md)' not in open(doc).read():
            bad.append(f'{doc} does not link back to the README')
for page in sorted(os.listdir('man')):
    if not page.startswith('qget_') and f'(man/{page})' not in readme:
        bad.append(f'README.md does not link man/{page}')
print('\n'.join(bad))
sys.exit(1 if bad else 0)
EOF
	pass "docs: every link of the README and docs/ leads somewhere, every doc is linked both ways"
else
	fail "docs: links" "$(tr '\n' ';' <"$T/links")"
fi
