# SPDX-License-Identifier: GPL-2.0-only
#
# wgbastion: plain make, pkg-config, no generated build system.
#   make            build ./wgbastion
#   make check      install missing packages (deps), then every test suite
#   make demo       end-to-end demo in throw-away network namespaces (root)
#   make install    PREFIX=/usr DESTDIR= BINDIR MANDIR ... (see below)
#   make V=1        show the full compiler command lines
#   make fuzz       build and run the libFuzzer harness for the parser (clang)
#   make fuzz-records  the same for the run directory's record readers
#   make fuzz-kept  the same for the table kept beside the nft record
#   make bench      benchmarks, writes docs/performance.md (root)
#   make nftlab     bench/nftlab.sh: the measurements of bench/nftlab.md (root)
#   make deb        the Debian package (debian/), in $(B)/deb/, lintian-checked

PREFIX ?= /usr
SYSCONFDIR ?= /etc
RUNSTATEDIR ?= /run
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR ?=

VERSION := 0.1.0
# B: build directory (several checkouts or builds can live side by side)
B ?= build
PKGS := libmnl libnftnl libnl-3.0 libnl-route-3.0 libsodium

CC ?= gcc
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
	  -Wmissing-prototypes -Wno-unused-parameter -Wvla \
	  -D_GNU_SOURCE -MMD -MP
# What the code is told about its place: the version, where the default
# config lives and where the run directory goes (src/core/rundir.c).
WGB_DEFS = -DWGB_VERSION='"$(VERSION)"' -DWGB_SYSCONFDIR='"$(SYSCONFDIR)"' \
	   -DWGB_RUNSTATEDIR='"$(RUNSTATEDIR)"' -Isrc
# a build id in every binary: records kept across runs name the build that
# wrote them (src/lib/buildid.h)
LDFLAGS += -Wl,--build-id=sha1
CFLAGS += $(WGB_DEFS)
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

ifeq ($(V),1)
Q :=
else
Q := @
endif

# One folder per layer (docs/hacking.md); every .c below src/ is built.
SRCS := $(wildcard src/*/*.c)
MAIN_SRC := src/cmd/main.c
LIB_SRCS := $(filter-out $(MAIN_SRC),$(SRCS))
OBJS := $(SRCS:src/%.c=$(B)/obj/%.o)
LIB_OBJS := $(LIB_SRCS:src/%.c=$(B)/obj/%.o)
TEST_SRCS := $(wildcard tests/unit/test_*.c)
TEST_HDRS := $(wildcard tests/unit/*.h) tests/fuzz/records_check.h tests/fuzz/kept_check.h
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(B)/obj/%)
ASAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_LIB_OBJS := $(LIB_SRCS:src/%.c=$(B)/asan/%.o)
ASAN_TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(B)/asan/%)

all: wgbastion

wgbastion: $(OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The paths compiled in: every object is rebuilt when one of them changes
# (make install SYSCONFDIR=... after a plain make).
PATHS_SAID := VERSION=$(VERSION) SYSCONFDIR=$(SYSCONFDIR) RUNSTATEDIR=$(RUNSTATEDIR)
$(B)/paths: FORCE
	@mkdir -p $(@D)
	@echo '$(PATHS_SAID)' | cmp -s - $@ || echo '$(PATHS_SAID)' >$@

$(B)/obj/%.o: src/%.c $(B)/paths
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(B)/asan/%.o: src/%.c $(B)/paths
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(ASAN) -DWGB_TESTING $(PKG_CFLAGS) -c -o $@ $<

# Test builds: the fault-injection hook (WGBASTION_FAIL_AT) exists only here.
$(B)/test/%.o: src/%.c $(B)/paths
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) -DWGB_TESTING $(PKG_CFLAGS) -c -o $@ $<

$(B)/obj/test_%: tests/unit/test_%.c $(LIB_OBJS) $(TEST_HDRS)
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -o $@ $< $(LIB_OBJS) $(PKG_LIBS) $(CHECK_LIBS)

$(B)/asan/test_%: tests/unit/test_%.c $(ASAN_LIB_OBJS) $(TEST_HDRS)
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(ASAN) $(PKG_CFLAGS) $(CHECK_CFLAGS) -o $@ $< $(ASAN_LIB_OBJS) $(PKG_LIBS) $(CHECK_LIBS)

# The binary the kernel-touching tests run: test hooks compiled in.
TEST_OBJS := $(SRCS:src/%.c=$(B)/test/%.o)
$(B)/wgbastion-test: $(TEST_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/wgbastion-asan: $(SRCS:src/%.c=$(B)/asan/%.o)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(ASAN) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# bench/nftlab.md's prototypes: the floor of a cold apply (libnftnl and
# libmnl only), and probe, linked with exactly wgbastion's libraries
# (--no-as-needed: its own start is one of the figures)
BENCH_TOOLS := $(B)/bench/floor $(B)/bench/probe
$(B)/bench/floor: bench/floor.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(shell $(PKG_CONFIG) --cflags libmnl libnftnl) -o $@ $< \
		$(shell $(PKG_CONFIG) --libs libmnl libnftnl)

$(B)/bench/probe: bench/probe.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< -Wl,--no-as-needed \
		$(shell $(PKG_CONFIG) --libs libmnl libnftnl libnl-3.0 libnl-route-3.0 libsodium)

bench-tools: $(BENCH_TOOLS)

deps:
	$(Q)./tools/deps.sh

# Everything a fresh Debian machine needs to run every suite.
check: deps
	$(Q)$(MAKE) --no-print-directory wgbastion $(B)/wgbastion-test $(B)/wgbastion-asan \
		$(TEST_BINS) $(ASAN_TEST_BINS) $(BENCH_TOOLS)
	$(Q)WGB_BUILD=$(B) ./tests/run.sh

check-unit: wgbastion $(TEST_BINS) $(ASAN_TEST_BINS)
	$(Q)WGB_BUILD=$(B) ./tests/run.sh unit

check-kernel: deps wgbastion $(B)/wgbastion-test $(BENCH_TOOLS)
	$(Q)./tests/kernel/run.sh

demo: deps wgbastion
	$(Q)./tests/e2e/demo.sh

bench: deps wgbastion $(B)/bench/floor
	$(Q)WGB_BUILD=$(B) ./bench/run.sh

nftlab: deps wgbastion $(BENCH_TOOLS)
	$(Q)./bench/nftlab.sh

# The libFuzzer harnesses (tests/fuzz/): fuzz_config, the config parser;
# fuzz_records, the run directory's record readers; fuzz_kept, the table
# kept beside the nft generation record. Built whole each time (clang,
# with its own sanitizers), then run by tests/fuzz/run.sh.
FUZZ_CC ?= clang
fuzz: FUZZER := fuzz_config
fuzz-records: FUZZER := fuzz_records
fuzz-kept: FUZZER := fuzz_kept
fuzz fuzz-records fuzz-kept: deps
	$(Q)mkdir -p $(B)/fuzz
	$(Q)$(FUZZ_CC) -g -O1 -std=gnu11 -D_GNU_SOURCE $(WGB_DEFS) \
		-fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) \
		-o $(B)/fuzz/$(FUZZER) tests/fuzz/$(FUZZER).c $(LIB_SRCS) $(PKG_LIBS)
	$(Q)./tests/fuzz/run.sh $(B)/fuzz/$(FUZZER) $(FUZZ_SECONDS)

# Built from a copy of the tree in $(B)/deb/src, so the checkout stays clean
# and dpkg-buildpackage puts the .deb in $(B)/deb. The package build is a
# make of its own: none of this make's command-line variables (MAKEFLAGS)
# reach it. DEB_BUILD_OPTIONS=nocheck skips its unit tests.
deb:
	$(Q)rm -rf $(B)/deb && mkdir -p $(B)/deb/src
	$(Q)tar -cf - --exclude-vcs --exclude=./build --exclude='./$(B)' --exclude=./wgbastion . | \
		tar -C $(B)/deb/src -xf -
	$(Q)cd $(B)/deb/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
		dpkg-buildpackage -us -uc -b -jauto
	$(Q)lintian --fail-on error,warning -I --pedantic $(B)/deb/wgbastion_*.changes
	@ls $(B)/deb/*.deb

UNITS := wgbastion.service wgbastion@.service \
	 wgbastion-prometheus.service wgbastion-prometheus.timer

install: wgbastion
	install -D -m 0755 wgbastion $(DESTDIR)$(BINDIR)/wgbastion
	install -D -m 0644 wgbastion.1 $(DESTDIR)$(MANDIR)/man1/wgbastion.1
	install -D -m 0644 completions/wgbastion.bash $(DESTDIR)$(BASHCOMPDIR)/wgbastion
	install -D -m 0644 completions/_wgbastion $(DESTDIR)$(ZSHCOMPDIR)/_wgbastion
	install -D -m 0644 completions/wgbastion.fish $(DESTDIR)$(FISHCOMPDIR)/wgbastion.fish
	install -d -m 0755 $(DESTDIR)$(SYSTEMDUNITDIR)
# the units name /usr/bin and /etc: point them at BINDIR and SYSCONFDIR
	for u in $(UNITS); do \
		sed -e 's|/usr/bin/wgbastion|$(BINDIR)/wgbastion|g' \
		    -e 's|/etc/wgbastion|$(SYSCONFDIR)/wgbastion|g' systemd/$$u \
		    >$(DESTDIR)$(SYSTEMDUNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
	done
	install -d -m 0700 $(DESTDIR)$(SYSCONFDIR)/wgbastion
	install -D -m 0600 examples/homelab.conf $(DESTDIR)$(SYSCONFDIR)/wgbastion/wgbastion.conf.example

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/wgbastion $(DESTDIR)$(MANDIR)/man1/wgbastion.1 \
	      $(DESTDIR)$(BASHCOMPDIR)/wgbastion $(DESTDIR)$(ZSHCOMPDIR)/_wgbastion \
	      $(DESTDIR)$(FISHCOMPDIR)/wgbastion.fish \
	      $(UNITS:%=$(DESTDIR)$(SYSTEMDUNITDIR)/%) \
	      $(DESTDIR)$(SYSCONFDIR)/wgbastion/wgbastion.conf.example

clean:
	rm -rf $(B) wgbastion

FORCE:

.PHONY: all deps check check-unit check-kernel demo bench bench-tools nftlab fuzz fuzz-records fuzz-kept deb install uninstall clean
.DELETE_ON_ERROR:

-include $(wildcard $(B)/*/*.d $(B)/*/*/*.d)
