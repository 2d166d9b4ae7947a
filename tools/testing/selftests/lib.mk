# SPDX-License-Identifier: GPL-2.0
#
# The part of the kernel's tools/testing/selftests/lib.mk that this
# project's kselftest targets use, so that they run outside a kernel tree
# as they would inside one (where the kernel's own lib.mk is found here
# instead):
#
#   make            builds TEST_GEN_PROGS (none here: the top-level make
#                   builds the programs the scripts run)
#   make run_tests  runs TEST_PROGS and TEST_GEN_PROGS one by one, each
#                   within the "timeout=" of ./settings (default 45 s),
#                   and prints TAP 13: "ok N selftests: <dir>: <prog>" or
#                   "not ok ...", the programs' own output indented by "# "
#                   (their own TAP nests); exit status 1 if any failed
#   make clean      removes what make built

selfdir := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
top_srcdir ?= $(selfdir)/../../..
OUTPUT ?= $(CURDIR)
# "net/quic" for tools/testing/selftests/net/quic
COLLECTION := $(patsubst $(abspath $(selfdir))/%,%,$(abspath $(CURDIR)))

.PHONY: all run_tests clean

all: $(TEST_GEN_PROGS)

run_tests: all
	@timeout=$$(sed -n 's/^timeout=//p' settings 2>/dev/null); \
	timeout=$${timeout:-45}; \
	progs="$(TEST_PROGS) $(TEST_GEN_PROGS)"; \
	n=0; for p in $$progs; do n=$$((n + 1)); done; \
	echo "TAP version 13"; echo "1..$$n"; \
	i=0 failed=0; \
	for p in $$progs; do \
		i=$$((i + 1)); \
		echo "# selftests: $(COLLECTION): $$p"; \
		if [ "$$timeout" -gt 0 ]; then t="timeout --foreground $$timeout"; else t=""; fi; \
		rcf=$$(mktemp); \
		( $$t ./$$p 2>&1; echo "$$?" > $$rcf ) | sed -u 's/^/# /'; \
		rc=$$(cat $$rcf); rm -f $$rcf; \
		case $$rc in \
		0) echo "ok $$i selftests: $(COLLECTION): $$p" ;; \
		4) echo "ok $$i selftests: $(COLLECTION): $$p # SKIP" ;; \
		124) failed=1; echo "not ok $$i selftests: $(COLLECTION): $$p # TIMEOUT $$timeout seconds" ;; \
		*) failed=1; echo "not ok $$i selftests: $(COLLECTION): $$p # exit=$$rc" ;; \
		esac; \
	done; \
	exit $$failed

clean:
	rm -f $(TEST_GEN_PROGS) $(EXTRA_CLEAN)
