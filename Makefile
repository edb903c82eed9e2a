# qget: make (build), make demo, make test, make test-asan, make install,
# make abi-check.
# OpenSSL >= 3.5 is found or built by scripts/openssl-dep.sh (see docs/building.md),
# nghttp3 >= 1.0 (HTTP/3 in libqget and qget-serve) by scripts/nghttp3-dep.sh.

PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CC ?= cc

# The version is written once, in include/qget.h; the shared library's
# names follow from it: libqget.so.$(QGET_VERSION) is the file, and its
# soname libqget.so.$(QGET_SOMAJOR) changes only with the major number,
# which an incompatible ABI change (see abi-check) must raise.
QGET_VERSION := $(shell sed -n 's/^\#define QGET_VERSION "\(.*\)"/\1/p' include/qget.h)
QGET_SOMAJOR := $(firstword $(subst ., ,$(QGET_VERSION)))
LIBQGET_SONAME := libqget.so.$(QGET_SOMAJOR)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?= -O2 -g
# nghttp3's headers for all: the library's HTTP/3 driver, qget-serve, and
# the unit tests of both.
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) \
	-Iinclude -Isrc/lib $(OPENSSL_CFLAGS) $(NGHTTP3_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

.DEFAULT_GOAL := all
# Keep the objects of unit tests: they are intermediate, not disposable.
.SECONDARY:

# Generated once per build directory: where OpenSSL and nghttp3 live.
DEPS_MK := $(BUILD)/deps.mk
-include $(DEPS_MK)
$(DEPS_MK): scripts/openssl-dep.sh scripts/nghttp3-dep.sh scripts/apt-source.sh
	@mkdir -p $(BUILD)
	scripts/openssl-dep.sh > $@.tmp
	scripts/nghttp3-dep.sh >> $@.tmp
	@mv $@.tmp $@

LIB_SRCS := $(wildcard src/lib/*.c)
TOOL_SRCS := $(filter-out src/tool/main.c,$(wildcard src/tool/*.c))
SERVE_SRCS := $(wildcard src/serve/*.c)
NETSIM_SRCS := $(wildcard src/netsim/*.c)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
EXAMPLE_SRCS := $(wildcard examples/*.c)
TEST_PROG_SRCS := $(wildcard tests/prog/*.c)

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
TOOL_OBJS := $(TOOL_SRCS:%.c=$(BUILD)/%.o)
SERVE_OBJS := $(SERVE_SRCS:%.c=$(BUILD)/%.o)
NETSIM_OBJS := $(NETSIM_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# Library clients the integration tests drive (tests/prog/NAME.c).
TEST_PROGS := $(TEST_PROG_SRCS:tests/prog/%.c=$(BUILD)/tests/prog/%)

EXAMPLES := $(EXAMPLE_SRCS:examples/%.c=$(BUILD)/examples/%)

# The options are described once, in src/tool/options.def: the parser's
# tables and --help (included by options.c) and qget(1) are made from it
# (scripts/gen-options.sh: sh and awk only).  docs/curl.md too, but that
# one is kept in the tree, to be read on the web: make docs/curl.md, and
# tests/integration/41-docs.sh fails when it is out of date.
GEN := $(BUILD)/gen
OPTIONS_DEF := src/tool/options.def
GEN_OPTIONS := scripts/gen-options.sh
QGET_MAN := $(BUILD)/man/qget.1

LIBQGET := $(BUILD)/libqget.a
LIBQGET_SO := $(BUILD)/libqget.so.$(QGET_VERSION)
LIBQGET_MAP := src/lib/libqget.map
PROGS := $(BUILD)/qget $(BUILD)/qget-serve $(BUILD)/qget-netsim $(EXAMPLES)

.PHONY: all demo test test-unit test-asan test-valgrind fuzz bench check install clean distclean \
	abi-check abi-baseline

ABI_BASELINE := abi/libqget.abi

FUZZ_SECONDS ?= 30

all: $(PROGS) $(LIBQGET) $(LIBQGET_SO) $(QGET_MAN)

$(BUILD)/%.o: %.c $(DEPS_MK) $(wildcard include/*.h src/*/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(GEN)/options.inc: $(OPTIONS_DEF) $(GEN_OPTIONS)
	@mkdir -p $(@D)
	sh $(GEN_OPTIONS) inc $(OPTIONS_DEF) > $@.tmp
	@mv $@.tmp $@

$(BUILD)/src/tool/options.o: $(GEN)/options.inc
$(BUILD)/src/tool/options.o: ALL_CFLAGS += -I$(GEN)

$(QGET_MAN): man/qget.1.in $(OPTIONS_DEF) $(GEN_OPTIONS) include/qget.h
	@mkdir -p $(@D)
	sh $(GEN_OPTIONS) man $(OPTIONS_DEF) man/qget.1.in $(QGET_VERSION) > $@.tmp
	@mv $@.tmp $@

docs/curl.md: $(OPTIONS_DEF) $(GEN_OPTIONS)
	sh $(GEN_OPTIONS) curl-md $(OPTIONS_DEF) > $@.tmp
	@mv $@.tmp $@

# One set of objects for both libraries: position-independent for the
# shared one, and hidden but for what qget.h marks QGET_API.
$(LIB_OBJS): ALL_CFLAGS += -fPIC -fvisibility=hidden

$(LIBQGET): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

# OpenSSL and nghttp3 go inside (their static archives are -fPIC, see
# scripts/*-dep.sh) and stay out of the dynamic symbol table: the version
# script exports qget_* only and --exclude-libs,ALL hides the archives'
# symbols; -z defs fails the link on any symbol left undefined.
$(LIBQGET_SO): $(LIB_OBJS) $(LIBQGET_MAP)
	$(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,$(LIBQGET_SONAME) \
	    -Wl,--version-script,$(LIBQGET_MAP) -Wl,--exclude-libs,ALL \
	    -Wl,-z,defs -o $@ $(LIB_OBJS) $(NGHTTP3_LIBS) $(OPENSSL_LIBS)
	ln -sf $(@F) $(@D)/$(LIBQGET_SONAME)
	ln -sf $(LIBQGET_SONAME) $(@D)/libqget.so

$(BUILD)/qget: $(BUILD)/src/tool/main.o $(TOOL_OBJS) $(LIBQGET)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(NGHTTP3_LIBS) $(OPENSSL_LIBS)

# udpio.o, libqget's GSO/GRO socket BIO, depends on OpenSSL alone.
$(BUILD)/qget-serve: $(SERVE_OBJS) $(BUILD)/src/lib/udpio.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(NGHTTP3_LIBS) $(OPENSSL_LIBS)

$(BUILD)/qget-netsim: $(NETSIM_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lm

# Linked statically here; tests/integration/40-install.sh also builds them
# against the installed shared library.
$(EXAMPLES): $(BUILD)/examples/%: $(BUILD)/examples/%.o $(LIBQGET)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(NGHTTP3_LIBS) $(OPENSSL_LIBS)

# Unit tests link the tool's modules (all but main) and libqget; the
# server's tests link its pure request parser.  (The shorter stem wins.)
$(BUILD)/tests/test_serve_%: $(BUILD)/tests/unit/test_serve_%.o $(BUILD)/src/serve/http.o
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(OPENSSL_LIBS)

$(BUILD)/tests/prog/%: $(BUILD)/tests/prog/%.o $(LIBQGET)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(NGHTTP3_LIBS) $(OPENSSL_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(TOOL_OBJS) $(LIBQGET)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(NGHTTP3_LIBS) $(OPENSSL_LIBS)


# Certificates for the demo and the tests: a throwaway CA and servers.
$(BUILD)/certs/.done: scripts/mkcerts.sh $(DEPS_MK)
	OPENSSL=$(OPENSSL_BIN) scripts/mkcerts.sh $(BUILD)/certs
	@touch $@

# nginx, a peer of the tests and the benchmark only (never of `make all`):
# scripts/nginx-dep.sh builds Debian stable's nginx once into the cache,
# against our OpenSSL, and prints its path, which the test and bench runs
# get as QGET_NGINX.  The script runs every time (about a second when
# cached) so that the path it writes is never stale.  When it fails the
# path is empty and the nginx tests skip (a failure under STRICT=1);
# make nginx fails.
NGINX_PATH := $(BUILD)/nginx.path
.PHONY: nginx FORCE
nginx: $(NGINX_PATH)
	@test -s $(NGINX_PATH) && cat $(NGINX_PATH)
$(NGINX_PATH): FORCE $(DEPS_MK)
	@mkdir -p $(@D)
	OPENSSL_CFLAGS="$(OPENSSL_CFLAGS)" OPENSSL_LIBS="$(OPENSSL_LIBS)" \
	    scripts/nginx-dep.sh > $@.tmp || { : > $@.tmp; \
	    echo "make: no nginx (scripts/nginx-dep.sh failed, above): the nginx tests will skip" >&2; }
	@mv $@.tmp $@
FORCE:
test test-valgrind bench: $(NGINX_PATH)
test test-valgrind bench: private export QGET_NGINX = $(shell cat $(NGINX_PATH) 2>/dev/null)

demo: all $(BUILD)/certs/.done
	BUILD=$(BUILD) scripts/demo.sh

# STRICT=1: any skipped case fails the run (see tests/run for the allowed
# environmental exceptions and STRICT_ALLOW).
test: all $(UNIT_BINS) $(TEST_PROGS) $(BUILD)/certs/.done
	BUILD=$(BUILD) SANFLAGS="$(SANFLAGS)" STRICT="$(STRICT)" \
	    OPENSSL_SRC=$(OPENSSL_SRC) OPENSSL_CFLAGS="$(OPENSSL_CFLAGS)" \
	    OPENSSL_LIBS="$(OPENSSL_LIBS)" NGHTTP3_CFLAGS="$(NGHTTP3_CFLAGS)" \
	    NGHTTP3_LIBS="$(NGHTTP3_LIBS)" tests/run $(TESTS)

# The unit test programs alone (tests/run's "unit" filter, as make test
# TESTS=unit): they start no server and need no certificates.
test-unit: $(UNIT_BINS)
	BUILD=$(BUILD) SANFLAGS="$(SANFLAGS)" STRICT="$(STRICT)" tests/run unit

check: test

# The same suite, built with AddressSanitizer and UndefinedBehaviorSanitizer
# into its own build directory; any report fails the run.
test-asan:
	$(MAKE) BUILD=build/asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	    SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	    QGET_SANITIZED=1 STRICT="$(STRICT)" test

test-valgrind: all $(UNIT_BINS) $(TEST_PROGS) $(BUILD)/certs/.done
	BUILD=$(BUILD) QGET_VALGRIND=1 STRICT="$(STRICT)" OPENSSL_SRC=$(OPENSSL_SRC) \
	    OPENSSL_CFLAGS="$(OPENSSL_CFLAGS)" OPENSSL_LIBS="$(OPENSSL_LIBS)" \
	    NGHTTP3_CFLAGS="$(NGHTTP3_CFLAGS)" NGHTTP3_LIBS="$(NGHTTP3_LIBS)" \
	    tests/run $(or $(TESTS),unit transfer failures close 75-h3 76-request 31-nginx)

# libFuzzer targets (clang, ASan+UBSan), FUZZ_SECONDS each; a crash fails.
fuzz:
	fuzz/run $(FUZZ_SECONDS)

# The benchmark against OpenSSL's own QUIC clients and servers (never part
# of the test run: timings are reported, not asserted).  BENCH_ARGS: see
# bench/run --help.
bench: all $(BUILD)/certs/.done
	BUILD=$(BUILD) OPENSSL_SRC=$(OPENSSL_SRC) \
	    OPENSSL_CFLAGS="$(OPENSSL_CFLAGS)" OPENSSL_LIBS="$(OPENSSL_LIBS)" \
	    NGHTTP3_CFLAGS="$(NGHTTP3_CFLAGS)" NGHTTP3_LIBS="$(NGHTTP3_LIBS)" \
	    bench/run $(BENCH_ARGS)

# The QUIC interop runner's test cases, every client x server pair we can
# build here (tests/interop/run; root: it runs in a network namespace of
# its own).  Writes interop/results/{results.txt,results.json,index.html};
# INTEROP_ARGS: see tests/interop/run --help.
.PHONY: interop
interop: all $(NGINX_PATH)
	BUILD=$(BUILD) OPENSSL_SRC=$(OPENSSL_SRC) \
	    OPENSSL_CFLAGS="$(OPENSSL_CFLAGS)" OPENSSL_LIBS="$(OPENSSL_LIBS)" \
	    NGHTTP3_CFLAGS="$(NGHTTP3_CFLAGS)" NGHTTP3_LIBS="$(NGHTTP3_LIBS)" \
	    QGET_NGINX="$$(cat $(NGINX_PATH))" tests/interop/run $(INTEROP_ARGS)

# The ABI of libqget.so against the baseline kept in abi/: adding a
# function passes, removing or changing anything public fails, and
# abidiff's report says what.  abi-baseline writes a new baseline, on
# purpose (commit it with the change that explains it).
abi-check: $(LIBQGET_SO)
	scripts/abi-check.sh check $(LIBQGET_SO) $(ABI_BASELINE)

abi-baseline: $(LIBQGET_SO)
	scripts/abi-check.sh baseline $(LIBQGET_SO) $(ABI_BASELINE)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man3
	install -m 755 $(BUILD)/qget $(BUILD)/qget-serve $(BUILD)/qget-netsim \
	    $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(LIBQGET) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIBQGET_SO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf $(notdir $(LIBQGET_SO)) $(DESTDIR)$(PREFIX)/lib/$(LIBQGET_SONAME)
	ln -sf $(LIBQGET_SONAME) $(DESTDIR)$(PREFIX)/lib/libqget.so
	install -m 644 include/qget.h $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(QGET_VERSION)|g' \
	    -e 's|@OPENSSL_LIBS@|$(OPENSSL_LIBS)|g' \
	    -e 's|@NGHTTP3_LIBS@|$(NGHTTP3_LIBS)|g' qget.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/qget.pc
	install -m 644 $(wildcard man/*.1) $(QGET_MAN) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(wildcard man/*.3) $(DESTDIR)$(PREFIX)/share/man/man3/

clean:
	rm -rf build

# Also forget the cached OpenSSL build (it lives outside the checkout).
distclean: clean
	rm -rf "$${QGET_CACHE:-$${XDG_CACHE_HOME:-$$HOME/.cache}/qget}"
