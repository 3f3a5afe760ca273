#!/bin/bash
# selftest: kernel=stock expect=FAIL match=timed out after 5 s
# nexus-test: timeout=5
sleep 120
