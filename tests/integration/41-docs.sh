#!/usr/bin/env bash
# The documentation says what the code does: qget(1) and --help name the
# same options and exit codes, every -w json field is described, every
# function of qget.h has a man page, every man page renders without a
# warning, the examples quoted in the man pages are the ones in
# examples/, the README's test command is the one CI runs, and every
# link between the documents leads somewhere.
. "$(dirname "$0")/../lib.sh"

man1=man/qget.1

# shellcheck disable=SC2154 # top, T, BUILD: set by lib.sh
# The section of a man page's source between ".SH NAME" and the next .SH.
# words FILE: its lines as one line of words.
words() { tr '\n' ' ' <"$1" | sed 's/ $//'; }

man_section() { # FILE NAME
	awk -v s=".SH $2" '$0 == s { f = 1; next } /^\.SH / { f = 0 } f' "$1"
}

# Options: the long and short names on the tag lines (.TP's next line) of
# qget(1)'s OPTIONS, against the option lines of --help, against the
# table the parser uses (src/tool/options.c's long_opts).
"$top/$BUILD/qget" --help >"$T/help" 2>&1
grep -E '^ +(-[A-Za-z0-9], )?--[a-z0-9-]+' "$T/help" |
	grep -oE -- '(^|[ ,])--?[A-Za-z0-9][a-z0-9-]*' | tr -d ' ,' | sort -u >"$T/help.opts"
man_section "$man1" OPTIONS | awk 'p { print; p = 0 } /^\.TP/ { p = 1 }' |
	sed 's/\\-/-/g' | grep -oE -- '(^|[ "])--?[A-Za-z0-9][a-z0-9-]*' |
	tr -d ' "' | sort -u >"$T/man.opts"
awk '/long_opts\[\] = \{/ { f = 1; next } f && /^\};/ { f = 0 } f' src/tool/options.c |
	grep -oE '\{ "[a-z0-9-]+"' | sed 's/{ "/--/; s/"$//' | sort -u >"$T/src.opts"
if [ ! -s "$T/help.opts" ] || [ ! -s "$T/man.opts" ]; then
	fail "docs: options of --help and qget(1)" "no options found ($(wc -l <"$T/help.opts") in --help, $(wc -l <"$T/man.opts") in qget(1))"
elif ! diff "$T/help.opts" "$T/man.opts" >"$T/diff"; then
	fail "docs: options of --help and qget(1)" "$(grep -E '^[<>]' "$T/diff" | sed 's/^</only in --help:/; s/^>/only in qget(1):/' | tr '\n' ' ')"
else
	pass "docs: --help and qget(1) name the same $(wc -l <"$T/man.opts") options"
fi
missing=$(comm -23 "$T/src.opts" <(grep -- '^--' "$T/help.opts"))
if [ -n "$missing" ]; then
	fail "docs: every long option the parser takes is in --help" "$(echo "$missing" | tr '\n' ' ')"
else
	pass "docs: every long option the parser takes is in --help"
fi

# Exit codes: those --help lists, and qget(1)'s EXIT STATUS tags.
sed -n '/^Exit codes:/,$p' "$T/help" | grep -oE '(^| )[0-9]{1,3}(, [0-9]{1,3})?  ' |
	grep -oE '[0-9]+' | sort -n -u >"$T/help.codes"
man_section "$man1" "EXIT STATUS" | awk 'p { print; p = 0 } /^\.TP/ { p = 1 }' |
	grep -oE '[0-9]+' | sort -n -u >"$T/man.codes"
if [ -s "$T/man.codes" ] && diff "$T/help.codes" "$T/man.codes" >/dev/null; then
	pass "docs: --help and qget(1) list the same exit codes ($(words "$T/man.codes"))"
else
	fail "docs: --help and qget(1) list the same exit codes" "--help: $(words "$T/help.codes"); qget(1): $(words "$T/man.codes")"
fi

# -w json: every key the tool writes is in qget(1)'s WRITE-OUT and in
# docs/write-out.md.
grep -oE '\\"[a-z_]+\\":' src/tool/writeout.c | tr -d '\\":' | sort -u >"$T/json.keys"
# In qget(1), a field is a bold word of WRITE-OUT (a tag such as
# ".B alpn\fR, \fBcipher", or ".B path" in the text), not merely a word
# of the example.
man_section "$man1" WRITE-OUT | sed -n 's/^\.B //p' | sed 's/\\f[BRI]//g' |
	tr ',' '\n' | tr -d ' ' | sort -u >"$T/man.keys"
bad=
while read -r k; do
	grep -qx -- "$k" "$T/man.keys" || bad="$bad qget(1):$k"
	grep -q "\`$k\`" docs/write-out.md || bad="$bad write-out.md:$k"
done <"$T/json.keys"
if [ ! -s "$T/json.keys" ]; then
	fail "docs: -w json fields" "no keys found in src/tool/writeout.c"
elif [ -n "$bad" ]; then
	fail "docs: every -w json field is described" "missing:$bad"
else
	pass "docs: all $(wc -l <"$T/json.keys") -w json fields are in qget(1) and docs/write-out.md"
fi

# --help points at what is installed (qget(1)), not at the source tree's
# README, which an installed qget does not have.
if grep -qi 'readme' "$T/help" || grep -qil 'see the readme' man/*.[0-9]; then
	fail "docs: --help and the man pages do not send the reader to the README" \
		"$( { grep -i readme "$T/help"; grep -il 'see the readme' man/*.[0-9]; } | head -2 | tr '\n' ' ')"
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
for page in man/*.[0-9]; do
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
	for page in man/*.[0-9]; do
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
