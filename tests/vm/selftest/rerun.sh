#!/bin/bash
# A script failure while the emulated NVMe controller lost a command gets
# a second run (vmtest's rerun_reason()), whose verdict stands: here it
# fails again.  The "lost command" is nvme-pci's message, written to the
# kernel log by the script.
# selftest: kernel=stock expect=FAIL match=RERUN
# nexus-test: timeout=60
echo "nvme nvme9: I/O 7 QID 1 timeout, aborting" >/dev/kmsg
exit 1
