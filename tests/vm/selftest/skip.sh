#!/bin/bash
# selftest: kernel=stock expect=SKIP
# nexus-test: timeout=60
exit 77
