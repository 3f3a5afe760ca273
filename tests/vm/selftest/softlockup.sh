#!/bin/bash
# A soft lockup fails the test (and, with softlockup_panic, ends the guest).
# selftest: kernel=debug expect=FAIL match=watchdog: BUG: soft lockup cmdline=watchdog_thresh=5
# nexus-test: timeout=120
modprobe lkdtm
echo SOFTLOCKUP >/sys/kernel/debug/provoke-crash/DIRECT
exit 0
