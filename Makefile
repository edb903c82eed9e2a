# qget: make (build), make demo, make test, make test-asan, make install.
# OpenSSL >= 3.5 is found or built by scripts/openssl-dep.sh (see README),
# nghttp3 >= 1.0 (qget-serve's HTTP/3) by scripts/nghttp3-dep.sh.

PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CC ?= cc

QGET_VERSION := $(shell sed -n 's/^\#define QGET_VERSION "\(.*\)"/\1/p' include/qget.h)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) \
	-Iinclude -Isrc/lib $(OPENSSL_CFLAGS)
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
TEST_PROG_SRCS := $(wildcard tests/prog/*.c)

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
TOOL_OBJS := $(TOOL_SRCS:%.c=$(BUILD)/%.o)
SERVE_OBJS := $(SERVE_SRCS:%.c=$(BUILD)/%.o)
NETSIM_OBJS := $(NETSIM_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# Library clients the integration tests drive (tests/prog/NAME.c).
TEST_PROGS := $(TEST_PROG_SRCS:tests/prog/%.c=$(BUILD)/tests/prog/%)

LIBQGET := $(BUILD)/libqget.a
PROGS := $(BUILD)/qget $(BUILD)/qget-serve $(BUILD)/qget-netsim \
	$(BUILD)/examples/fetch

.PHONY: all demo test test-unit test-asan test-valgrind fuzz bench check install clean distclean

FUZZ_SECONDS ?= 30

all: $(PROGS)

$(BUILD)/%.o: %.c $(DEPS_MK) $(wildcard include/*.h src/*/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBQGET): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/qget: $(BUILD)/src/tool/main.o $(TOOL_OBJS) $(LIBQGET)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(NGHTTP3_LIBS) $(OPENSSL_LIBS)

$(BUILD)/qget-serve: $(SERVE_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(NGHTTP3_LIBS) $(OPENSSL_LIBS)

# qget-serve speaks HTTP/3 with nghttp3.
$(SERVE_OBJS): ALL_CFLAGS += $(NGHTTP3_CFLAGS)
# The tool's HTTP/3 client (src/tool/h3.c) too; the library does not.
$(TOOL_OBJS) $(BUILD)/src/tool/main.o: ALL_CFLAGS += $(NGHTTP3_CFLAGS)

$(BUILD)/qget-netsim: $(NETSIM_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lm

$(BUILD)/examples/fetch: $(BUILD)/examples/fetch.o $(LIBQGET)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(OPENSSL_LIBS)

# Unit tests link the tool's modules (all but main) and libqget; the
# server's tests link its pure request parser.  (The shorter stem wins.)
$(BUILD)/tests/test_serve_%: $(BUILD)/tests/unit/test_serve_%.o $(BUILD)/src/serve/http.o
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(OPENSSL_LIBS)

$(BUILD)/tests/prog/%: $(BUILD)/tests/prog/%.o $(LIBQGET)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(OPENSSL_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(TOOL_OBJS) $(LIBQGET)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(NGHTTP3_LIBS) $(OPENSSL_LIBS)


# Certificates for the demo and the tests: a throwaway CA and servers.
$(BUILD)/certs/.done: scripts/mkcerts.sh $(DEPS_MK)
	OPENSSL=$(OPENSSL_BIN) scripts/mkcerts.sh $(BUILD)/certs
	@touch $@

demo: all $(BUILD)/certs/.done
	BUILD=$(BUILD) scripts/demo.sh

# STRICT=1: any skipped case fails the run (see tests/run for the allowed
# environmental exceptions and STRICT_ALLOW).
test: all $(UNIT_BINS) $(TEST_PROGS) $(BUILD)/certs/.done
	BUILD=$(BUILD) SANFLAGS="$(SANFLAGS)" STRICT="$(STRICT)" \
	    OPENSSL_SRC=$(OPENSSL_SRC) OPENSSL_CFLAGS="$(OPENSSL_CFLAGS)" \
	    OPENSSL_LIBS="$(OPENSSL_LIBS)" NGHTTP3_CFLAGS="$(NGHTTP3_CFLAGS)" \
	    NGHTTP3_LIBS="$(NGHTTP3_LIBS)" tests/run $(TESTS)

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
	    tests/run $(or $(TESTS),unit transfer failures close 75-h3)

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

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man3
	install -m 755 $(BUILD)/qget $(BUILD)/qget-serve $(BUILD)/qget-netsim \
	    $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(LIBQGET) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/qget.h $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(QGET_VERSION)|g' \
	    -e 's|@OPENSSL_LIBS@|$(OPENSSL_LIBS)|g' qget.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/qget.pc
	install -m 644 man/qget.1 man/qget-serve.1 man/qget-netsim.1 \
	    $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/libqget.3 $(DESTDIR)$(PREFIX)/share/man/man3/

clean:
	rm -rf build

# Also forget the cached OpenSSL build (it lives outside the checkout).
distclean: clean
	rm -rf "$${QGET_CACHE:-$${XDG_CACHE_HOME:-$$HOME/.cache}/qget}"
