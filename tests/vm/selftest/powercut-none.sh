#!/bin/bash
# A boot before the last that ends without a power cut fails the test.
# selftest: kernel=stock expect=FAIL match=boot 1: ended without a power cut
# nexus-test: timeout=60 boots=2
exit 0
