# SPDX-License-Identifier: GPL-2.0
#
# QUIC in the Linux kernel: top-level build.
#
#   make              quic.ko and modules/*/ for every target kernel, libquic,
#                     test programs
#   make check        host tests, then one VM boot per target kernel
#   make lint         sparse and checkpatch --strict over the kernel code
#   make bench        one VM boot (6.12) measuring QUIC against TCP, kTLS
#                     and ngtcp2; prints a table, never fails on a figure
#   make deps         the set-up command (scripts/setup.sh)
#   make install      quic.ko for every built kernel, <linux/quic.h>,
#                     libquic, the handshake daemon with its configuration
#                     and unit, quic-qlog, the man pages (quic(7) among
#                     them); DESTDIR and PREFIX (default /usr/local) as
#                     usual; make uninstall takes them back
#
# KDIR=/lib/modules/<version>/build builds (and tests) one kernel only;
# KERNEL=6.1 or KERNEL=6.12 picks one target series.  See README.md.

TOP := $(CURDIR)
BUILD := $(TOP)/build

ifdef KDIR
KVERS := $(shell make -s -C $(KDIR) kernelrelease 2>/dev/null)
else
KVERS := $(shell $(TOP)/scripts/kernels.sh $(KERNEL))
endif

CC ?= gcc
USER_CFLAGS := -O2 -g -Wall -Wextra -Werror -I$(TOP)/include/uapi

# tests/vm/rawpeer.c is not a test: the raw QUIC client some tests link.
VM_HELPERS := tests/vm/rawpeer.c
VM_TESTS := $(patsubst tests/vm/%.c,$(BUILD)/tests/vm/%,\
	$(filter-out $(VM_HELPERS),$(wildcard tests/vm/*.c)))
# In-VM tests that run real handshakes through libquic link it and GnuTLS:
# every tls_*.c, and the ones named in VM_LIBQUIC_NAMES.
VM_LIBQUIC_NAMES := stream netem interop compat observe vn reset_tls migration_tls \
	resume
VM_LIBQUIC_TESTS := $(filter $(BUILD)/tests/vm/tls_% \
	$(addprefix $(BUILD)/tests/vm/,$(VM_LIBQUIC_NAMES)),$(VM_TESTS))
# In-VM tests that talk to the kernel through the raw peer, named in
# VM_RAW_NAMES: the wire layer, through tests/shim/, encodes their frames
# and GnuTLS protects their packets.
VM_RAW_NAMES := violation compat_raw abuse fuzz migration reset
VM_RAW_TESTS := $(addprefix $(BUILD)/tests/vm/,$(VM_RAW_NAMES))
# The benchmark (make bench): built by make, run by tests/bench/run.sh
# only, never by the test runner.
BENCH_PROGS := $(BUILD)/tests/bench/bench
BENCH_KERNEL ?= 6.12
BENCH_SECS ?= 2
HOST_TESTS := $(patsubst tests/host/%.c,$(BUILD)/tests/host/%,$(wildcard tests/host/*.c))
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(BUILD)/tests/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

# The wire layer builds in userspace too, through tests/shim/, for unit
# tests under ASan and UBSan and for libFuzzer.
# pmtu.c, the path MTU search, is as pure and builds with them.
WIRE_SRCS := $(wildcard net/quic/wire_*.c) net/quic/pmtu.c
WIRE_DEPS := $(WIRE_SRCS) $(wildcard net/quic/wire*.h) net/quic/pmtu.h \
	include/uapi/linux/quic.h \
	$(wildcard tests/shim/linux/*.h)
WIRE_CFLAGS := -I$(TOP)/tests/shim -I$(TOP)/include/uapi -I$(TOP)/net/quic
SAN_CFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_TIME ?= 600

# libquic, and its host tests (a fake kernel under GnuTLS, no shim).
LIBQUIC_SRCS := $(wildcard libquic/*.c)
LIBQUIC_DEPS := $(LIBQUIC_SRCS) libquic/internal.h libquic/netinet/quic.h \
	include/uapi/linux/quic.h tests/lib/test.h tests/lib/netns.h
LIBQUIC_CFLAGS := -std=gnu11 -I$(TOP)/libquic -I$(TOP)/include/uapi
LIBQUIC_TESTS := $(BUILD)/tests/host/libquic_args $(BUILD)/tests/host/libquic_handshake \
	$(BUILD)/tests/host/hsd_parse
HSD_BIN := $(BUILD)/handshake/quic-handshaked
# tools/quic-qlog: the quic tracepoints of one connection as a qlog file.
QLOG_BIN := $(BUILD)/tools/quic-qlog

.PHONY: all modules userspace check check-host check-vm check-debug lint deps clean \
	fuzz libquic \
	bench install install-modules install-userspace uninstall debs

all: modules libquic userspace

libquic:
	@$(MAKE) -s -C libquic O=$(BUILD)/libquic

# External modules build in place, so each kernel gets its own tree of
# symbolic links to the sources under build/<version>/.  Each modules/<dir>
# with a Kbuild is a module of its own, built after quic.ko and able to use
# its exported symbols.
MODULE_DIRS := $(patsubst %/Kbuild,%,$(wildcard modules/*/Kbuild))

modules:
	@test -n "$(KVERS)" || { echo "no target kernel headers: run scripts/setup.sh" >&2; exit 1; }
	@set -e; for k in $(KVERS); do \
		kdir=$${KDIR:-/lib/modules/$$k/build}; \
		mkdir -p $(BUILD)/$$k; \
		cp -rsf $(TOP)/net $(TOP)/modules $(BUILD)/$$k/; \
		echo "  MODULES $$k"; \
		$(MAKE) -s -C $$kdir M=$(BUILD)/$$k/net/quic QUIC_TOP=$(TOP) \
			W=1 KCFLAGS=-Werror modules; \
		for m in $(MODULE_DIRS); do \
			: "quic.ko's symbol versions changed: link again"; \
			for ko in $(BUILD)/$$k/$$m/*.ko; do \
				[ ! -e "$$ko" ] || [ "$$ko" -nt $(BUILD)/$$k/net/quic/Module.symvers ] || \
					rm -f "$$ko"; \
			done; \
			$(MAKE) -s -C $$kdir M=$(BUILD)/$$k/$$m QUIC_TOP=$(TOP) \
				KBUILD_EXTRA_SYMBOLS=$(BUILD)/$$k/net/quic/Module.symvers \
				W=1 KCFLAGS=-Werror modules; \
		done; \
	done

userspace: $(VM_TESTS) $(HOST_TESTS) $(BUILD)/tests/host/uapi_pins_cxx $(FUZZ_TARGETS) \
	$(LIBQUIC_TESTS) $(BENCH_PROGS) $(HSD_BIN) $(BUILD)/tests/host/install_staged \
	$(BUILD)/tests/host/install_debs $(BUILD)/tests/vm/debs \
	$(QLOG_BIN) $(BUILD)/tests/host/qlog

# install.*: make install into a staging directory, and the Debian
# packages and DKMS; run with the host tests.
$(BUILD)/tests/host/install_staged: tests/install/staged.sh
	@mkdir -p $(dir $@)
	install -m 755 $< $@

$(BUILD)/tests/host/install_debs: tests/install/debs.sh
	@mkdir -p $(dir $@)
	install -m 755 $< $@

# qlog.*: tools/quic-qlog on a hand-written capture; run with the host tests.
$(BUILD)/tests/host/qlog: tests/qlog/run.sh
	@mkdir -p $(dir $@)
	install -m 755 $< $@

# The Debian packages, for the VM's install.debs_installed (tests/vm/debs.sh):
# built from a copy of the tree, into build/debs/.
DEB_DIR := $(BUILD)/debs
DEB_SRCS := $(shell cd $(TOP) && git ls-files debian net/quic include libquic \
	handshake man tools dkms.conf Makefile 2>/dev/null)

debs: $(DEB_DIR)/.built

$(DEB_DIR)/.built: $(DEB_SRCS)
	@rm -rf $(DEB_DIR); mkdir -p $(DEB_DIR)/src
	@echo "  DEBS"
	@tar -C $(TOP) --exclude=./build --exclude=./.git -cf - . | \
		tar -C $(DEB_DIR)/src -xf -
	@cd $(DEB_DIR)/src && dpkg-buildpackage -b -us -uc \
		> $(DEB_DIR)/build.log 2>&1 || \
		{ tail -n 20 $(DEB_DIR)/build.log; exit 1; }
	@rm -rf $(DEB_DIR)/src
	@touch $@

$(BUILD)/tests/vm/debs: tests/vm/debs.sh
	@mkdir -p $(dir $@)
	install -m 755 $< $@

# The handshake daemon (handshake/): libquic, GnuTLS, libnl-genl-3, keyutils.
HSD_SRCS := handshake/config.c handshake/nl.c handshake/tls.c
HSD_DEPS := $(HSD_SRCS) handshake/hsd.h $(LIBQUIC_DEPS)
HSD_CFLAGS := $(USER_CFLAGS) -I$(TOP)/libquic $(shell pkg-config --cflags libnl-genl-3.0)
HSD_LIBS := $(shell pkg-config --libs libnl-genl-3.0) -lkeyutils -lgnutls

$(HSD_BIN): handshake/quic-handshaked.c $(HSD_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(HSD_CFLAGS) -o $@ $< $(HSD_SRCS) $(LIBQUIC_SRCS) $(HSD_LIBS)

# quic-qlog: libc only.
$(QLOG_BIN): tools/quic-qlog.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -std=gnu11 -o $@ $<

# Its parsers, on the host under ASan and UBSan; its numbers pinned to
# the kernel's header (6.12's headers package carries it).
KERNEL_HANDSHAKE_H := $(lastword $(sort $(wildcard \
	/usr/src/linux-headers-6.1[2-9]*-common/include/uapi/linux/handshake.h)))
$(BUILD)/tests/host/hsd_parse: tests/handshake/parse.c $(HSD_DEPS) tests/lib/test.h
	@mkdir -p $(dir $@)
	$(CC) -O1 -g -Wall -Wextra -Werror $(HSD_CFLAGS) $(SAN_CFLAGS) \
		-I$(TOP)/handshake -DKERNEL_HANDSHAKE_H='"$(KERNEL_HANDSHAKE_H)"' \
		-o $@ $< handshake/config.c handshake/nl.c $(HSD_LIBS)

# The kernel consumer tests: the sample module, the daemon, libquic.
$(BUILD)/tests/vm/consumer: tests/vm/consumer.c $(LIBQUIC_DEPS) tests/vm/certs.sh
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -I$(TOP)/libquic -DCERTS_SH='"$(TOP)/tests/vm/certs.sh"' \
		-DHSD_BIN='"$(HSD_BIN)"' -DBUILD_DIR='"$(BUILD)"' \
		-o $@ $< $(LIBQUIC_SRCS) -lgnutls -lpthread -lkeyutils

$(BUILD)/tests/host/libquic_args: tests/libquic/args.c $(LIBQUIC_DEPS)
	@mkdir -p $(dir $@)
	$(CC) -O1 -g -Wall -Wextra -Werror $(LIBQUIC_CFLAGS) $(SAN_CFLAGS) -o $@ $< \
		libquic/util.c -lgnutls

$(BUILD)/tests/host/libquic_handshake: tests/libquic/handshake.c $(LIBQUIC_DEPS) tests/vm/certs.sh
	@mkdir -p $(dir $@)
	$(CC) -O1 -g -Wall -Wextra -Werror $(LIBQUIC_CFLAGS) $(SAN_CFLAGS) \
		-DCERTS_SH='"$(TOP)/tests/vm/certs.sh"' -o $@ $< $(LIBQUIC_SRCS) \
		-lgnutls -lpthread \
		-Wl,--wrap=sendmsg,--wrap=recvmsg,--wrap=setsockopt,--wrap=getsockopt

# H3_BIN: where the HTTP/3 samples (libquic/examples/http3) are built.
$(VM_LIBQUIC_TESTS): $(BUILD)/tests/vm/%: tests/vm/%.c $(LIBQUIC_DEPS) tests/vm/certs.sh \
		tests/lib/netns.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -I$(TOP)/libquic -DCERTS_SH='"$(TOP)/tests/vm/certs.sh"' \
		-DH3_BIN='"$(BUILD)/libquic/examples"' \
		-o $@ $< $(LIBQUIC_SRCS) -lgnutls -lpthread

$(BENCH_PROGS): $(BUILD)/tests/bench/%: tests/bench/%.c $(LIBQUIC_DEPS) tests/vm/certs.sh
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -I$(TOP)/libquic -DCERTS_SH='"$(TOP)/tests/vm/certs.sh"' \
		-o $@ $< $(LIBQUIC_SRCS) -lgnutls -lpthread

$(VM_RAW_TESTS): $(BUILD)/tests/vm/%: tests/vm/%.c tests/vm/rawpeer.c tests/vm/rawpeer.h \
		tests/vm/rawconn.h tests/lib/netns.h \
		tests/lib/test.h tests/lib/handshake_msg.h $(WIRE_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(WIRE_CFLAGS) $(USER_CFLAGS) -o $@ $< tests/vm/rawpeer.c $(WIRE_SRCS) -lgnutls

$(BUILD)/tests/vm/%: tests/vm/%.c tests/lib/test.h tests/lib/handshake_msg.h include/uapi/linux/quic.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ $<

$(BUILD)/tests/host/%: tests/host/%.c tests/lib/test.h $(WIRE_DEPS)
	@mkdir -p $(dir $@)
	$(CC) -O1 -g -Wall -Wextra -Werror $(WIRE_CFLAGS) $(SAN_CFLAGS) -o $@ $< $(WIRE_SRCS)

$(BUILD)/tests/fuzz/%: tests/fuzz/%.c $(WIRE_DEPS)
	@mkdir -p $(dir $@)
	clang -O1 -g -Wall -Wextra -Werror $(WIRE_CFLAGS) $(SAN_CFLAGS) \
		-fsanitize=fuzzer -o $@ $< $(WIRE_SRCS)

# The UAPI pins: strict C11, libc and kernel UAPI headers only.
$(BUILD)/tests/host/uapi_pins: tests/host/uapi_pins.c tests/lib/test.h include/uapi/linux/quic.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -std=c11 -pedantic -o $@ $<

# The UAPI header must also build as C++; the same pins hold there.
$(BUILD)/tests/host/uapi_pins_cxx: tests/host/uapi_pins.c tests/lib/test.h include/uapi/linux/quic.h
	@mkdir -p $(dir $@)
	$(CXX) -x c++ -std=c++11 -Wall -Wextra -Werror -I$(TOP)/include/uapi -o $@ $<

check: all debs
	@$(TOP)/tests/run.sh $(KVERS)

check-host: userspace
	@$(TOP)/tests/run.sh --host-only

check-vm: all debs
	@$(TOP)/tests/run.sh --vm-only $(KVERS)

# The VM suites once more on the 6.12 kernel (Debian's 6.1 has no KFENCE),
# with KFENCE guarding a sampled allocation every 10 ms and SLUB checking
# red zones, poison and frees of every cache: slower, so not part of
# "make check"; run it before a stop.  A report fails the boot.
DEBUG_BOOT := kfence.sample_interval=10 slub_debug=FZPU
check-debug: all
	@VM_APPEND="$(DEBUG_BOOT)" VM_TIMEOUT=3600 $(TOP)/tests/run.sh --vm-only \
		$(filter 6.12%,$(KVERS))

# One boot of the BENCH_KERNEL series (the module built for it alone),
# BENCH_SECS per timed run; the table also goes to build/bench/.
bench: $(BENCH_PROGS)
	@$(MAKE) -s modules KERNEL=$(BENCH_KERNEL)
	@BENCH_SECS=$(BENCH_SECS) $(TOP)/tests/bench/run.sh \
		$$($(TOP)/scripts/kernels.sh $(BENCH_KERNEL))

# Run each fuzzer for FUZZ_TIME seconds (make check gives them 60 s in all).
fuzz: $(FUZZ_TARGETS)
	@$(TOP)/tests/fuzz/run.sh $(FUZZ_TIME) $(FUZZ_TARGETS)

LINT_KVER := $(firstword $(KVERS))
CHECKPATCH := /var/cache/quic-dev/checkpatch/scripts/checkpatch.pl
LINT_FILES := $(wildcard net/quic/*.[ch] net/quic/Kbuild modules/*/*.[ch] include/uapi/linux/*.h include/net/*.h)

lint:
	@test -x $(CHECKPATCH) || { echo "checkpatch missing: run scripts/setup.sh" >&2; exit 1; }
	@echo "  CHECKPATCH --strict"
	@$(CHECKPATCH) --strict --no-tree --quiet --show-types \
		--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES \
		-f $(filter-out net/quic/trace.h,$(filter %.c %.h,$(LINT_FILES)))
	@# TRACE_EVENT()'s own layout, as in the kernel's include/trace/events/
	@$(CHECKPATCH) --strict --no-tree --quiet --show-types \
		--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES,PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE \
		-f net/quic/trace.h
	@set -e; for k in $(KVERS); do \
		mkdir -p $(BUILD)/$$k; cp -rsf $(TOP)/net $(TOP)/modules $(BUILD)/$$k/; \
		echo "  SPARSE $$k"; \
		: > $(BUILD)/$$k/sparse.log; \
		for m in net/quic $(MODULE_DIRS); do \
			extra=; [ $$m = net/quic ] || \
				extra=KBUILD_EXTRA_SYMBOLS=$(BUILD)/$$k/net/quic/Module.symvers; \
			$(MAKE) -s -C /lib/modules/$$k/build M=$(BUILD)/$$k/$$m $$extra \
				QUIC_TOP=$(TOP) C=2 W=1 modules 2>&1 | \
				tee -a $(BUILD)/$$k/sparse.log; \
		done; \
		! grep -E 'warning|error' $(BUILD)/$$k/sparse.log; \
	done
	@echo "lint: clean"

deps:
	$(TOP)/scripts/setup.sh

# Installation.  The module goes to /lib/modules/<release>/updates/ of each
# kernel it was built for (depmod runs when installing into the running
# system, DESTDIR empty); the configuration file is never overwritten; the
# unit's ExecStart names the daemon where PREFIX put it.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
BINDIR ?= $(PREFIX)/bin
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
MODDIR ?= /lib/modules
HSD_MANS := handshake/quic-handshaked.8 handshake/quic-handshaked.conf.5

install: install-modules install-userspace

install-modules: modules
	@set -e; for k in $(KVERS); do \
		install -D -m 644 $(BUILD)/$$k/net/quic/quic.ko \
			$(DESTDIR)$(MODDIR)/$$k/updates/quic.ko; \
		if [ -z "$(DESTDIR)" ]; then depmod -a $$k; fi; \
	done

# All but the module, which the Debian packages leave to DKMS
# (debian/rules): libquic's own install builds the library alone.
install-userspace: $(HSD_BIN) $(QLOG_BIN)
	install -D -m 644 include/uapi/linux/quic.h $(DESTDIR)$(INCLUDEDIR)/linux/quic.h
	$(MAKE) -s -C libquic O=$(BUILD)/libquic PREFIX=$(PREFIX) install
	install -D -m 755 $(HSD_BIN) $(DESTDIR)$(SBINDIR)/quic-handshaked
	install -d $(DESTDIR)$(SYSCONFDIR)
	test -e $(DESTDIR)$(SYSCONFDIR)/quic-handshaked.conf || \
		install -m 644 handshake/quic-handshaked.conf \
			$(DESTDIR)$(SYSCONFDIR)/quic-handshaked.conf
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|^ExecStart=.*|ExecStart=$(SBINDIR)/quic-handshaked|' \
		handshake/quic-handshaked.service > \
		$(DESTDIR)$(UNITDIR)/quic-handshaked.service
	install -D -m 644 man/quic.7 $(DESTDIR)$(MANDIR)/man7/quic.7
	install -D -m 644 handshake/quic-handshaked.8 \
		$(DESTDIR)$(MANDIR)/man8/quic-handshaked.8
	install -D -m 644 handshake/quic-handshaked.conf.5 \
		$(DESTDIR)$(MANDIR)/man5/quic-handshaked.conf.5
	install -D -m 755 $(QLOG_BIN) $(DESTDIR)$(BINDIR)/quic-qlog
	install -D -m 644 man/quic-qlog.1 $(DESTDIR)$(MANDIR)/man1/quic-qlog.1

# The configuration file stays if it was changed from the one installed.
uninstall:
	@set -e; for k in $(KVERS); do \
		rm -f $(DESTDIR)$(MODDIR)/$$k/updates/quic.ko; \
		if [ -z "$(DESTDIR)" ]; then depmod -a $$k; fi; \
	done
	rm -f $(DESTDIR)$(INCLUDEDIR)/linux/quic.h
	$(MAKE) -s -C libquic O=$(BUILD)/libquic PREFIX=$(PREFIX) uninstall
	rm -f $(DESTDIR)$(SBINDIR)/quic-handshaked \
		$(DESTDIR)$(UNITDIR)/quic-handshaked.service \
		$(DESTDIR)$(MANDIR)/man7/quic.7 \
		$(DESTDIR)$(MANDIR)/man8/quic-handshaked.8 \
		$(DESTDIR)$(MANDIR)/man5/quic-handshaked.conf.5 \
		$(DESTDIR)$(BINDIR)/quic-qlog $(DESTDIR)$(MANDIR)/man1/quic-qlog.1
	if cmp -s handshake/quic-handshaked.conf \
		$(DESTDIR)$(SYSCONFDIR)/quic-handshaked.conf; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/quic-handshaked.conf; fi

clean:
	rm -rf $(BUILD)
