#!/bin/bash
# A leak fails the test although the script succeeds: kmemleak-test leaks
# on purpose when it loads.
# selftest: kernel=debug expect=FAIL match=kmemleak:
# nexus-test: timeout=120
modprobe kmemleak-test
rmmod kmemleak-test
exit 0
