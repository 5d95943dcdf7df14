# bootmatrix: build, test, install. Plain GNU make; see README.md.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/bootmatrix
MANDIR ?= $(PREFIX)/share/man
CC ?= cc
PKG_CONFIG ?= pkg-config

# Each library is used by exactly one module of harness/ (see docs/design.md).
PKGS := libvirt yaml-0.1 libssh libcurl sqlite3 jansson libcrypto libxml-2.0 libarchive
CFLAGS ?= -O2 -g
WARNINGS := -std=gnu11 -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wwrite-strings -Wimplicit-fallthrough
ifneq ($(WERROR),)
WARNINGS += -Werror
endif
ifneq ($(SANITIZE),)
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
endif
# Races inside the uninstrumented glib and libvirt are not ours (tests/tsan.supp says why).
ifneq ($(findstring thread,$(SANITIZE)),)
export TSAN_OPTIONS ?= suppressions=$(CURDIR)/tests/tsan.supp
endif
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS))
ALL_CFLAGS = $(WARNINGS) $(CFLAGS) $(PKG_CFLAGS) -DBM_DATADIR='"$(DATADIR)"' -Iharness
ALL_LIBS = $(PKG_LIBS) -lpthread

B ?= build
SRCS := $(wildcard harness/*.c)
OBJS := $(SRCS:harness/%.c=$(B)/%.o)
LIB_OBJS := $(filter-out $(B)/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)

.PHONY: all deps deps-test run check fuzz check-unit check-integration check-arches check-nightly check-bisect bench install clean

all: bootmatrix

# Rebuild everything when the flags change (e.g. WERROR=1 or SANITIZE=...).
$(B)/.flags: FORCE
	@mkdir -p $(B)
	@echo '$(ALL_CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(ALL_CFLAGS) $(LDFLAGS)' > $@
FORCE:

$(B)/%.o: harness/%.c $(B)/.flags
	@mkdir -p $(B)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/libbm.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

bootmatrix: $(B)/main.o $(B)/libbm.a
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

# The binary beside its objects, leaving ./bootmatrix alone: for sanitizer builds, e.g.
#   make B=build-tsan SANITIZE=thread build-tsan/bootmatrix check-unit
#   TSAN_OPTIONS=suppressions=$PWD/tests/tsan.supp BOOTMATRIX_DATA=$PWD BM=build-tsan/bootmatrix \
#	./tests/run-integration tests/integration/shards.sh
# (BOOTMATRIX_DATA: the data is found beside ./bootmatrix only)
$(B)/bootmatrix: $(B)/main.o $(B)/libbm.a
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libbm.a $(B)/.flags
	@mkdir -p $(B)/tests
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(B)/libbm.a $(ALL_LIBS) -lcmocka

# Host packages: `deps` what building and running needs, `deps-test` that and what only the tests
# use (README.md lists both, with sizes).
deps:
	./scripts/install-deps run

deps-test:
	./scripts/install-deps test

# A failed result (exit 1) is the matrix's news, not make's failure; a harness error (2) is.
run: deps
	$(MAKE) bootmatrix
	./bootmatrix run configs/default.yaml || [ $$? -eq 1 ]

check: deps-test
	$(MAKE) WERROR=1 bootmatrix $(UNIT_BINS)
	$(MAKE) WERROR=1 check-unit check-integration

check-unit: $(UNIT_BINS)
	@./tests/run-unit $(UNIT_BINS)

check-integration: bootmatrix
	@./tests/run-integration tests/integration/*.sh

# Every architecture end to end (long: see README for the times measured).
check-arches: bootmatrix
	@./tests/run-integration tests/integration/boot-*.sh tests/arches/boot-*.sh

# The nightly toolchain matrix (5 arches x trixie and sid) end to end, HTML report in Chromium.
check-nightly: bootmatrix
	@./tests/run-integration tests/nightly/*.sh

# Bisection on a git repository made from Debian's source (long: several kernel builds).
check-bisect: bootmatrix
	@./tests/run-integration tests/bisect/*.sh

# Figures, never asserted (tests/bench/run says which): parse, warm, matrix, ccache, kunit-run
# (um KUnit vs the kernel's kunit.py run, both built). The cold KUnit figure (two um builds)
# only by name: ./tests/bench/run kunit-run-cold.
bench: bootmatrix
	@./tests/bench/run

# The parsers fuzzed with libFuzzer (clang), ASan and UBSan, FUZZ_SECONDS each (default 60).
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build-fuzz/%)
FUZZ_SAN := fuzzer-no-link,address,undefined
fuzz:
	$(MAKE) B=build-fuzz CC=clang SANITIZE=$(FUZZ_SAN) CFLAGS="-O1 -g" build-fuzz/libbm.a
	$(MAKE) $(FUZZ_BINS)
	@./tests/fuzz/run $(FUZZ_BINS)

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libbm.a
	clang $(WARNINGS) -O1 -g -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) -Iharness -o $@ $< \
		build-fuzz/libbm.a $(ALL_LIBS)

install: bootmatrix
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 bootmatrix $(DESTDIR)$(BINDIR)/bootmatrix
	cp -r arch configs images $(DESTDIR)$(DATADIR)/
	install -m 644 docs/bootmatrix.1 $(DESTDIR)$(MANDIR)/man1/bootmatrix.1

clean:
	rm -rf $(B) bootmatrix

-include $(OBJS:.o=.d)
