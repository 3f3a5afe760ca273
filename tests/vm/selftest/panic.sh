#!/bin/bash
# selftest: kernel=stock expect=FAIL match=Kernel panic
# nexus-test: timeout=60
echo c >/proc/sysrq-trigger
sleep 60
