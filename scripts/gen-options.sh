#!/bin/sh
# qget's options are described once, in src/tool/options.def; this script
# turns that file into what the build and the docs need (POSIX sh and awk
# only: it runs on a fresh Debian 12 with mawk):
#
#   gen-options.sh inc DEF                 the C the parser includes: the
#                                          option ids, getopt's short and
#                                          long tables, curl's refused
#                                          options, the --help text
#   gen-options.sh man DEF TEMPLATE VERSION
#                                          qget(1) from man/qget.1.in: its
#                                          @OPTIONS@, @EXIT_STATUS@ and
#                                          @CURL_REFUSED@ lines and
#                                          @VERSION@ filled in
#   gen-options.sh curl-md DEF             docs/curl.md: curl's options,
#                                          what qget does with each
#
# The format of DEF is described at its top.  Any fault in it (an unknown
# directive, a name given twice, an option without its texts) stops the
# script with "DEF:LINE: reason" and exit 1, so the build fails rather
# than ship a page that disagrees with the parser.
set -eu

usage() {
	echo "usage: $0 inc DEF | man DEF TEMPLATE VERSION | curl-md DEF" >&2
	exit 2
}

[ $# -ge 2 ] || usage
mode=$1 def=$2
template= version=
case $mode in
inc | curl-md) [ $# -eq 2 ] || usage ;;
man)
	[ $# -eq 4 ] || usage
	template=$3 version=$4
	;;
*) usage ;;
esac
[ -r "$def" ] || { echo "$0: cannot read $def" >&2; exit 1; }
[ -z "$template" ] || [ -r "$template" ] || { echo "$0: cannot read $template" >&2; exit 1; }

exec awk -v mode="$mode" -v def="$def" -v template="$template" \
	-v version="$version" '
function die(msg) {
	printf "%s:%d: %s\n", def, lineno, msg > "/dev/stderr"
	failed = 1
	exit 1
}

# ---- reading the definition --------------------------------------------

function new_record(kind, text) {
	n++
	kind_of[n] = kind
	text_of[n] = text
	body[n] = ""
	help[n] = ""
	curl[n] = ""
	line_of[n] = lineno
	sect_of[n] = cur_section
}

# "-o, --output FILE", "--progress[=yes|no]", "-#, --progress-bar":
# the short letter, the long name, the argument and its kind.
function parse_synopsis(r, s,    rest) {
	short[r] = ""
	if (s ~ /^-[^-], /) {
		short[r] = substr(s, 2, 1)
		s = substr(s, 5)
	}
	if (!match(s, /^--[a-z0-9][a-z0-9.-]*/))
		die("\"" s "\" is not \"[-X, ]--name[ ARG|[=ARG]]\"")
	long[r] = substr(s, 3, RLENGTH - 2)
	rest = substr(s, RLENGTH + 1)
	arg[r] = ""
	if (rest == "") {
		argkind[r] = "no"
	} else if (rest ~ /^\[=.+\]$/) {
		argkind[r] = "optional"
		arg[r] = substr(rest, 3, length(rest) - 3)
	} else if (rest ~ /^ [^ ]/) {
		argkind[r] = "required"
		arg[r] = substr(rest, 2)
	} else {
		die("bad argument \"" rest "\" after --" long[r])
	}
	if (long[r] in long_seen)
		die("--" long[r] " is described twice")
	long_seen[long[r]] = r
	if (short[r] != "") {
		if (short[r] in short_seen)
			die("-" short[r] " is described twice")
		if (short[r] !~ /^[A-Za-z0-9#]$/)
			die("-" short[r] ": a short option is a letter, a digit or #")
		short_seen[short[r]] = r
	}
}

function finish_body(r,    b) {
	b = body[r]
	# Blank lines around a body are not paragraphs.
	sub(/^\n+/, "", b)
	sub(/\n+$/, "", b)
	body[r] = b
}

function check_record(r,    saved) {
	if (r == 0)
		return
	saved = lineno
	lineno = line_of[r]
	finish_body(r)
	if (kind_of[r] == "option") {
		if (help[r] == "")
			die("--" long[r] " has no @help")
		if (body[r] == "")
			die("--" long[r] " has no text for qget(1)")
		if (curl[r] == "")
			die("--" long[r] " has no @curl (\"same\", \"no\", or the difference)")
	} else if (kind_of[r] == "refuse") {
		if (help[r] == "")
			die("--" long[r] " is refused without a @help reason")
		if (body[r] != "")
			die("a refused option has only its @help reason")
	} else if (kind_of[r] == "exit") {
		if (help[r] == "" || body[r] == "")
			die("exit " text_of[r] " needs @help and a text")
	}
	lineno = saved
}

BEGIN {
	n = 0
	lineno = 0
	cur_section = ""
	while ((getline line < def) > 0) {
		lineno++
		if (line ~ /^#/)
			continue
		if (line ~ /^@/) {
			d = line
			sub(/ .*/, "", d)
			v = substr(line, length(d) + 2)
			if (d == "@section" || d == "@option" || d == "@refuse" ||
			    d == "@exit" || d == "@usage") {
				check_record(n)
			}
			if (d == "@section") {
				if (v == "")
					die("@section needs a title")
				cur_section = v
				new_record("section", v)
			} else if (d == "@option" || d == "@refuse") {
				new_record(d == "@option" ? "option" : "refuse", v)
				parse_synopsis(n, v)
				if (d == "@option" && cur_section == "")
					die("an @option before any @section")
			} else if (d == "@exit") {
				if (v !~ /^[0-9]+(, [0-9]+)*$/)
					die("@exit takes codes: \"N\" or \"N, M\"")
				new_record("exit", v)
			} else if (d == "@usage") {
				new_record("usage", "")
			} else if (d == "@help" || d == "@curl") {
				if (n == 0 || (kind_of[n] != "option" &&
				    kind_of[n] != "refuse" && kind_of[n] != "exit"))
					die(d " outside an @option, @refuse or @exit")
				if (v == "")
					die(d " needs a text")
				if (d == "@help")
					help[n] = help[n] == "" ? v : help[n] " " v
				else
					curl[n] = v
			} else {
				die("unknown directive " d)
			}
			continue
		}
		if (n == 0) {
			if (line ~ /[^ \t]/)
				die("text before the first directive")
			continue
		}
		if (kind_of[n] == "section") {
			if (line ~ /[^ \t]/)
				die("text after @section belongs to an @option")
			continue
		}
		body[n] = body[n] line "\n"
	}
	if (lineno == 0)
		die("empty or unreadable")
	check_record(n)
	sort_longs()

	if (mode == "inc")
		emit_inc()
	else if (mode == "man")
		emit_man()
	else
		emit_curl_md()
	exit 0
}

# The accepted long names in byte order (the parser and its "did you
# mean" hint expect a sorted table).
function sort_longs(    i, j, t) {
	nsorted = 0
	for (i = 1; i <= n; i++)
		if (kind_of[i] == "option")
			sorted[++nsorted] = i
	for (i = 2; i <= nsorted; i++) {
		t = sorted[i]
		for (j = i - 1; j >= 1 && long[sorted[j]] > long[t]; j--)
			sorted[j + 1] = sorted[j]
		sorted[j + 1] = t
	}
}

# ---- C ------------------------------------------------------------------

function c_string(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/"/, "\\\"", s)
	return "\"" s "\""
}

function opt_id(r,    s) {
	s = toupper(long[r])
	gsub(/[-.]/, "_", s)
	return "OPT_" s
}

# The option as --help shows it on the left.
function help_left(r,    s) {
	s = short[r] != "" ? "  -" short[r] ", " : "      "
	s = s "--" long[r]
	if (argkind[r] == "required")
		s = s " " arg[r]
	else if (argkind[r] == "optional")
		s = s "[=" arg[r] "]"
	return s
}

# Words of text filled to 79 columns after `first`, padded to `indent`
# columns (or on lines of their own when `first` is longer), every line
# after the first indented by `indent` spaces.
function fill(first, text, indent,    out, words, nw, i, line, pad, cur) {
	pad = sprintf("%" indent "s", "")
	out = ""
	if (length(first) > indent) {
		sub(/ +$/, "", first)
		out = first "\n"
		line = pad
	} else {
		line = first substr(pad, length(first) + 1)
	}
	cur = ""
	nw = split(text, words, " ")
	for (i = 1; i <= nw; i++) {
		if (words[i] == "")
			continue
		if (cur != "" && indent + length(cur) + 1 + length(words[i]) > 79) {
			out = out line cur "\n"
			line = pad
			cur = ""
		}
		cur = cur == "" ? words[i] : cur " " words[i]
	}
	return out line cur "\n"
}

function usage_text(    r, out, s) {
	out = ""
	for (r = 1; r <= n; r++) {
		if (kind_of[r] == "usage") {
			out = out body[r] "\n"
		} else if (kind_of[r] == "section") {
			out = out "\n" text_of[r] ":\n"
		} else if (kind_of[r] == "option") {
			out = out fill(help_left(r) "  ", help[r], 27)
		}
	}
	out = out "\nExit codes:\n"
	for (r = 1; r <= n; r++) {
		if (kind_of[r] != "exit")
			continue
		s = sprintf("%3s  ", text_of[r])
		out = out fill(s, help[r], length(s))
	}
	return out
}

function emit_inc(    r, i, s, lines, nl, first) {
	print "/* Generated by scripts/gen-options.sh from " def ": edit that. */"
	print ""
	print "/* One id per option; getopt_long returns it.  A short option'"'"'s"
	print " * id is its letter. */"
	print "enum opt_id {"
	for (r = 1; r <= n; r++)
		if (kind_of[r] == "option" && short[r] != "")
			printf "\t%s = '"'"'%s'"'"',\n", opt_id(r), short[r]
	first = 1
	for (r = 1; r <= n; r++) {
		if (kind_of[r] != "option" || short[r] != "")
			continue
		printf "\t%s%s,\n", opt_id(r), first ? " = 256" : ""
		first = 0
	}
	print "};"
	print ""
	# "-": non-options come back in order, as the argument of option 1,
	# whatever POSIXLY_CORRECT says; ":": a missing value is ":".
	s = "-:"
	for (r = 1; r <= n; r++)
		if (kind_of[r] == "option" && short[r] != "")
			s = s short[r] (argkind[r] == "required" ? ":" : "")
	print "#define OPT_SHORT " c_string(s)
	print ""
	print "/* Sorted by name. */"
	print "static const struct option long_opts[] = {"
	for (i = 1; i <= nsorted; i++) {
		r = sorted[i]
		printf "\t{ %s, %s_argument, NULL, %s },\n", c_string(long[r]),
		    argkind[r], opt_id(r)
	}
	print "\t{ NULL, 0, NULL, 0 },"
	print "};"
	print ""
	print "/* curl'"'"'s options that qget does not have, and why. */"
	print "static const struct refused_opt {"
	print "\tconst char *name;"
	print "\tchar letter;"
	print "\tconst char *reason;"
	print "} refused_opts[] = {"
	for (r = 1; r <= n; r++)
		if (kind_of[r] == "refuse")
			printf "\t{ %s, %s, %s },\n", c_string(long[r]),
			    short[r] == "" ? "0" : "'"'"'" short[r] "'"'"'",
			    c_string(help[r])
	print "};"
	print ""
	print "static const char usage_text[] ="
	nl = split(usage_text(), lines, "\n")
	for (i = 1; i < nl; i++)
		print "\t" c_string(lines[i] "\\n")
	print "\t;"
}

# ---- roff ---------------------------------------------------------------

# Plain text for roff: backslashes escaped; the hyphens of an option
# ("-o", "--idle-timeout") are minus signs, so that it can be searched for
# and copied, and is never broken at the end of a line; one inside a
# word ("comma-separated") stays a hyphen.
function roff_plain(s,    out, c, prev, i, inopt) {
	out = ""
	prev = " "
	inopt = 0
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (inopt && c !~ /[-A-Za-z0-9#.]/)
			inopt = 0
		if (c == "\\") {
			out = out "\\e"
		} else if (c == "-" && (inopt || ((prev ~ /[ ("\/=|,\[]/ ||
		    prev == "-") && substr(s, i + 1, 1) ~ /[-A-Za-z0-9#]/))) {
			out = out "\\-"
			inopt = 1
		} else {
			out = out c
		}
		prev = c
	}
	return out
}

# Literal text (a name, a value, an example): every hyphen a minus.
function roff_literal(s) {
	gsub(/\\/, "\\e", s)
	gsub(/-/, "\\-", s)
	return s
}

# One line of body text: `code` is bold, *name* italic.
function roff_inline(s,    out, i, j, c) {
	out = ""
	while (s != "") {
		i = index(s, "`")
		j = index(s, "*")
		if (i == 0 && j == 0) {
			out = out roff_plain(s)
			break
		}
		if (i != 0 && (j == 0 || i < j)) {
			out = out roff_plain(substr(s, 1, i - 1))
			s = substr(s, i + 1)
			i = index(s, "`")
			if (i == 0)
				die("unclosed ` in \"" s "\"")
			out = out "\\fB" roff_literal(substr(s, 1, i - 1)) "\\fR"
			s = substr(s, i + 1)
		} else {
			out = out roff_plain(substr(s, 1, j - 1))
			s = substr(s, j + 1)
			j = index(s, "*")
			if (j == 0)
				die("unclosed * in \"" s "\"")
			out = out "\\fI" roff_literal(substr(s, 1, j - 1)) "\\fR"
			s = substr(s, j + 1)
		}
	}
	# A line must not start a request.
	if (out ~ /^[.\047]/)
		out = "\\&" out
	return out
}

# A body: paragraphs split by blank lines (.IP keeps the indentation of
# the .TP item), lines indented by four spaces verbatim.
function roff_body(b,    out, lines, nl, i, l, inex) {
	out = ""
	inex = 0
	nl = split(b, lines, "\n")
	for (i = 1; i <= nl; i++) {
		l = lines[i]
		if (l ~ /^    /) {
			if (!inex)
				out = out ".IP\n.EX\n"
			inex = 1
			l = roff_literal(substr(l, 5))
			if (l ~ /^[.\047]/)
				l = "\\&" l
			out = out l "\n"
			continue
		}
		if (inex) {
			out = out ".EE\n"
			inex = 0
			if (l !~ /[^ \t]/)
				continue
			out = out ".IP\n"
		}
		if (l !~ /[^ \t]/)
			out = out ".IP\n"
		else
			out = out roff_inline(l) "\n"
	}
	if (inex)
		out = out ".EE\n"
	return out
}

function roff_tag(r,    s) {
	s = short[r] != "" ? "\\fB\\-" short[r] "\\fR, " : ""
	s = s "\\fB" roff_literal("--" long[r]) "\\fR"
	if (argkind[r] == "required")
		s = s " \\fI" roff_literal(arg[r]) "\\fR"
	else if (argkind[r] == "optional")
		s = s "[=\\fI" roff_literal(arg[r]) "\\fR]"
	return s
}

function emit_man(    line, r, codes, nc, i, s, l) {
	lineno = 0
	while ((getline line < template) > 0) {
		lineno++
		if (line == "@OPTIONS@") {
			for (r = 1; r <= n; r++) {
				if (kind_of[r] == "section")
					print ".SS " text_of[r]
				else if (kind_of[r] == "option")
					printf ".TP\n%s\n%s", roff_tag(r), roff_body(body[r])
			}
		} else if (line == "@EXIT_STATUS@") {
			for (r = 1; r <= n; r++) {
				if (kind_of[r] != "exit")
					continue
				nc = split(text_of[r], codes, /, /)
				s = ""
				for (i = 1; i <= nc; i++)
					s = s (i > 1 ? ", " : "") "\\fB" codes[i] "\\fR"
				printf ".TP\n%s\n%s", s, roff_body(body[r])
			}
		} else if (line == "@CURL_REFUSED@") {
			for (r = 1; r <= n; r++) {
				if (kind_of[r] != "refuse")
					continue
				s = short[r] != "" ? "\\fB\\-" short[r] "\\fR, " : ""
				printf ".TP\n%s\\fB%s\\fR\n%s\n", s,
				    roff_literal("--" long[r]), roff_inline(help[r])
			}
		} else {
			if (index(line, "@") && line ~ /@[A-Z_]+@/) {
				l = line
				gsub(/@VERSION@/, version, l)
				if (l ~ /@[A-Z_]+@/) {
					def = template
					die("unknown placeholder in \"" line "\"")
				}
				line = l
			}
			print line
		}
	}
	if (lineno == 0) {
		def = template
		die("empty or unreadable")
	}
}

# ---- docs/curl.md -------------------------------------------------------

function md_cell(s) {
	gsub(/\|/, "\\|", s)
	return s
}

function md_option(r,    s) {
	s = short[r] != "" ? "`-" short[r] "`, " : ""
	s = s "`--" long[r]
	if (argkind[r] == "required")
		s = s " " arg[r]
	else if (argkind[r] == "optional")
		s = s "[=" arg[r] "]"
	return md_cell(s "`")
}

function emit_curl_md(    r, i) {
	print "# qget for curl users: the options"
	print ""
	print "[README](../README.md) · [the tool](qget.md) · every option in full: [qget(1)](../man/qget.1.in)"
	print ""
	print "<!-- Generated by scripts/gen-options.sh curl-md from src/tool/options.def:"
	print "     edit that file and run `make docs/curl.md`; tests/integration/41-docs.sh"
	print "     fails when this file is not what the generator makes. -->"
	print ""
	print "Where qget and curl share an option name, qget gives it curl'"'"'s meaning;"
	print "where qget cannot do what curl does, it refuses the option with one line"
	print "that names the reason (exit 2). Options may stand anywhere on the command"
	print "line, as with curl, and `--` ends them."
	print ""
	print "## curl'"'"'s options that qget accepts"
	print ""
	print "| option | in qget |"
	print "| --- | --- |"
	for (i = 1; i <= nsorted; i++) {
		r = sorted[i]
		if (curl[r] == "no")
			continue
		printf "| %s | %s |\n", md_option(r),
		    md_cell(curl[r] == "same" ? "as in curl" : curl[r])
	}
	print ""
	print "## curl'"'"'s options that qget refuses"
	print ""
	print "qget answers each with `curl'"'"'s --NAME is not supported: REASON` and exit 2."
	print ""
	print "| option | why |"
	print "| --- | --- |"
	for (r = 1; r <= n; r++)
		if (kind_of[r] == "refuse")
			printf "| %s | %s |\n", md_option(r), md_cell(help[r])
	print ""
	print "Any other option qget does not know is refused with the nearest name it"
	print "does know (`unknown option --insecrue; did you mean --insecure?`)."
	print ""
	print "## qget'"'"'s own options"
	print ""
	print "| option | what it does |"
	print "| --- | --- |"
	for (i = 1; i <= nsorted; i++) {
		r = sorted[i]
		if (curl[r] == "no")
			printf "| %s | %s |\n", md_option(r), md_cell(help[r])
	}
}

END {
	if (failed)
		exit 1
}
' </dev/null
