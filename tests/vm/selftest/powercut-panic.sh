#!/bin/bash
# A crash is no power cut: a panic in boot 1 (which ends QEMU as a sysrq
# reset does) fails the test, found on boot 1's console.
# selftest: kernel=stock expect=FAIL match=boot 1: kernel:
# nexus-test: timeout=60 boots=2
[ "$NEXUS_BOOT" = 1 ] || exit 0
echo c >/proc/sysrq-trigger
sleep 60
