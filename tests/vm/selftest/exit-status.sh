#!/bin/bash
# selftest: kernel=stock expect=FAIL match=exit status 3
# nexus-test: timeout=60
exit 3
