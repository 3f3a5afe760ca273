#!/bin/bash
# selftest: kernel=stock expect=PASS
# nexus-test: timeout=60
true
