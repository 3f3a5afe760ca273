#!/bin/bash
# A WARN fails the test although the script succeeds.
# selftest: kernel=debug expect=FAIL match=WARNING:
# nexus-test: timeout=120
modprobe lkdtm
echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT
rmmod lkdtm
exit 0
