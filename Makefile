# SPDX-License-Identifier: GPL-2.0
#
# nexus: build, check and test.  `make help` says what each target does.
# The one test command, the one CI runs (.ci/run), is `make check`.

VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)
BUILD ?= build

# Kernels `make modules` builds for: stock (6.1), backports (6.12), debug.
KERNELS ?= stock backports
# Kernel `make guest-test` boots.
KERNEL ?= stock
# Guest tests to run (default: all of tests/cases/ that apply to KERNEL).
TESTS ?=

CC ?= cc
CTL_PKGS := libnl-genl-3.0 json-c blkid libnvme
CTL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter -Werror -Iinclude -Ictl -Ikmod \
	-DNEXUS_VERSION='"$(VERSION)"' $(shell pkg-config --cflags $(CTL_PKGS) 2>/dev/null)
CTL_LIBS := $(shell pkg-config --libs $(CTL_PKGS) 2>/dev/null)
CTL_SRCS := $(filter-out ctl/test_%.c,$(wildcard ctl/*.c)) kmod/format.c kmod/label.c
CTL_HDRS := $(wildcard ctl/*.h) include/nexus_netlink.h include/nexus_format.h include/nexus_label.h \
	kmod/format.h kmod/label.h dkms.conf

CHECKPATCH_FILES = $(wildcard kmod/*.c kmod/*.h kmod/compat/*.c kunit/*.c include/*.h)

.PHONY: all help setup ctl ctl-test modules sparse checkpatch debug-kernel \
	guest-test test-tools fuzz fuzz-guest soak kunit check bench bench-quick demo dkms-build dkms-clean install deb clean

all: ctl modules

help:
	@echo "make setup         install every package the build and the tests need (apt, root)"
	@echo "make               nexusctl and nexus.ko for KERNELS ($(KERNELS))"
	@echo "make ctl           build/ctl/nexusctl"
	@echo "make ctl-test      nexusctl's unit tests (host)"
	@echo "make modules       nexus.ko for each of KERNELS, W=1, warnings fail"
	@echo "make sparse        the same, with sparse (C=2)"
	@echo "make checkpatch    checkpatch.pl --strict (linux-source-6.1) on kmod/ and kunit/"
	@echo "make debug-kernel  build (once, cached) the KUnit/KASAN/lockdep kernel"
	@echo "make guest-test    guest tests on KERNEL=$(KERNEL) [TESTS=tests/cases/x.sh]"
	@echo "make kunit         the KUnit suites, in a guest on the debug kernel"
	@echo "make fuzz          libFuzzer on the on-disk parsing code, FUZZ_TIME=$(FUZZ_TIME) s each (0: replay corpus)"
	@echo "make fuzz-guest    mutated pools and labels, netlink fuzzing: full runs in a debug guest"
	@echo "make soak          the mixed soak run, SOAK_SECONDS=$(SOAK_SECONDS), debug kernel"
	@echo "make check         everything above: the test command CI runs"
	@echo "make bench         the full benchmark in a guest (KERNEL=$(KERNEL); BENCH_ONLY=groups, BENCH_PROFILE=workloads to profile), report in $(BUILD)/bench/"
	@echo "make bench-quick   the same, every scenario briefly (what CI runs)"
	@echo "make demo          boot a guest, load the module, talk to it"
	@echo "make install       nexusctl, man pages, completion, udev rule, systemd unit (PREFIX, DESTDIR)"
	@echo "make deb           the Debian packages nexusctl and nexus-dkms, in build/deb/"

setup:
	scripts/setup.sh

ctl: $(BUILD)/ctl/nexusctl

$(BUILD)/ctl/nexusctl: $(CTL_SRCS) $(CTL_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CTL_CFLAGS) $(CPPFLAGS) $(CFLAGS) -o $@ $(CTL_SRCS) $(LDFLAGS) $(CTL_LIBS)

$(BUILD)/ctl/test_units: ctl/test_units.c ctl/units.c $(CTL_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CTL_CFLAGS) -o $@ ctl/test_units.c ctl/units.c $(CTL_LIBS)

$(BUILD)/ctl/test_format: ctl/test_format.c ctl/crc32c.c kmod/format.c $(CTL_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CTL_CFLAGS) -o $@ ctl/test_format.c ctl/crc32c.c kmod/format.c

ctl-test: $(BUILD)/ctl/test_units $(BUILD)/ctl/test_format $(BUILD)/ctl/nexusctl
	$(BUILD)/ctl/test_units
	$(BUILD)/ctl/test_format
	ctl/test_help.sh $(BUILD)/ctl/nexusctl

# Fuzzing (tests/fuzz/, docs/reliability.md): the on-disk parsing code the
# module runs, built in userspace with libFuzzer and sanitizers, and the
# guest's image mutator.  `make fuzz FUZZ_TIME=<s>` fuzzes each target for
# that long (0: only replay the kept corpus and crashers).
FUZZ_SRCS := tests/fuzz/reseal.c kmod/format.c kmod/label.c ctl/crc32c.c
FUZZ_HDRS := tests/fuzz/reseal.h $(CTL_HDRS)
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter -Werror \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Iinclude -Ictl -Ikmod -Itests/fuzz
FUZZ_TIME ?= 60

$(BUILD)/fuzz/nexus-mutate: tests/fuzz/mutate.c $(FUZZ_SRCS) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CTL_CFLAGS) -Itests/fuzz -o $@ tests/fuzz/mutate.c $(FUZZ_SRCS)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SRCS) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRCS)

test-tools: ctl $(BUILD)/fuzz/nexus-mutate

fuzz: $(BUILD)/fuzz/fuzz_format $(BUILD)/fuzz/fuzz_label
	tests/fuzz/run.sh $(FUZZ_TIME)

# The full guest fuzzing runs on the debug kernel (KASAN, lockdep,
# kmemleak): 10000 mutated pools, 2000 labels, 1000000 netlink messages.
FUZZ_POOLS ?= 10000
FUZZ_LABELS ?= 2000
FUZZ_GENL ?= 1000000
FUZZ_TIMEOUT_SCALE ?= 50
# The soak (tests/cases/soak.sh) at full length on the debug kernel.
SOAK_SECONDS ?= 1800
soak: test-tools
	@$(MAKE) --no-print-directory modules KERNELS=debug
	NEXUS_SOAK_SECONDS=$(SOAK_SECONDS) tests/vm/vmtest -k debug tests/cases/soak.sh

fuzz-guest: test-tools
	@$(MAKE) --no-print-directory modules KERNELS=debug
	NEXUS_FUZZ_POOLS=$(FUZZ_POOLS) NEXUS_FUZZ_LABELS=$(FUZZ_LABELS) NEXUS_FUZZ_GENL=$(FUZZ_GENL) \
		NEXUS_TIMEOUT_SCALE=$(FUZZ_TIMEOUT_SCALE) \
		tests/vm/vmtest -k debug tests/cases/fuzz-import.sh tests/cases/fuzz-genl.sh

modules:
	@set -e; for k in $(KERNELS); do \
		kdir=$$(scripts/kernels.sh $$k kdir); \
		echo "== nexus.ko for $$k ($$(scripts/kernels.sh $$k release))"; \
		scripts/build-module.sh "$$kdir"; \
	done

sparse:
	@set -e; for k in $(KERNELS); do \
		kdir=$$(scripts/kernels.sh $$k kdir); \
		echo "== sparse (C=2) for $$k"; \
		scripts/build-module.sh "$$kdir" C=2; \
	done

checkpatch:
	@scripts/checkpatch.sh $(CHECKPATCH_FILES)

debug-kernel:
	tests/kernel/build-debug-kernel.sh

guest-test: test-tools
	@$(MAKE) --no-print-directory modules KERNELS=$(KERNEL)
	tests/vm/vmtest -k $(KERNEL) $(TESTS)

kunit: ctl
	@$(MAKE) --no-print-directory modules KERNELS=debug
	tests/vm/vmtest -k debug tests/cases/kunit.sh

check:
	scripts/check.sh

# The benchmark (tests/bench/, docs/performance.md): a guest run, then the
# summary, goals and chart from its results.json into $(BUILD)/bench/.
bench: ctl
	@$(MAKE) --no-print-directory modules KERNELS=$(KERNEL)
	NEXUS_BENCH_ONLY="$(BENCH_ONLY)" NEXUS_BENCH_PROFILE="$(BENCH_PROFILE)" \
		tests/vm/vmtest -k $(KERNEL) --show tests/bench/full.sh
	tests/bench/report.py $(BUILD)/test-results/$$(scripts/kernels.sh $(KERNEL) release)/full/bench/results.json --out $(BUILD)/bench

bench-quick: ctl
	@$(MAKE) --no-print-directory modules KERNELS=$(KERNEL)
	tests/vm/vmtest -k $(KERNEL) --show tests/cases/bench-smoke.sh
	tests/bench/report.py $(BUILD)/test-results/$$(scripts/kernels.sh $(KERNEL) release)/bench-smoke/bench/results.json --out $(BUILD)/bench-quick

demo:
	scripts/demo.sh

# DKMS builds in its own copy of the sources (dkms.conf): in place.
dkms-build:
	kmod/compat/probe.sh $(KDIR) $(CURDIR)
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

dkms-clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf compat-gen.h .compat-probes

# nexusctl with its man pages and completion, the module's man page, the
# udev rule and the systemd unit (the module itself: DKMS, see README.md;
# all of it as Debian packages: make deb).
PREFIX ?= /usr/local
UDEVDIR ?= /etc/udev/rules.d
SYSTEMDDIR ?= /etc/systemd/system
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
install: ctl
	install -D -m 0755 $(BUILD)/ctl/nexusctl $(DESTDIR)$(PREFIX)/sbin/nexusctl
	install -D -m 0644 udev/60-nexus.rules $(DESTDIR)$(UDEVDIR)/60-nexus.rules
	install -d $(DESTDIR)$(SYSTEMDDIR)
	sed 's|/usr/sbin/nexusctl|$(PREFIX)/sbin/nexusctl|' systemd/nexus.service \
		>$(DESTDIR)$(SYSTEMDDIR)/nexus.service
	install -D -m 0644 docs/man/nexusctl.8 $(DESTDIR)$(MANDIR)/man8/nexusctl.8
	install -D -m 0644 docs/man/nexus.4 $(DESTDIR)$(MANDIR)/man4/nexus.4
	install -D -m 0644 ctl/completion.bash $(DESTDIR)$(BASHCOMPDIR)/nexusctl

# nexusctl_<v>_amd64.deb and nexus-dkms_<v>_all.deb in build/deb/.
deb:
	scripts/deb.sh

clean:
	rm -rf $(BUILD)
