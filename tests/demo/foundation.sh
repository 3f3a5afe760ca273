#!/bin/bash
# The demo (make demo), run inside a guest on Debian's stock 6.1 kernel:
# load nexus, talk to it through nexusctl, watch an event, see a refusal.
# nexus-test: timeout=300
set -u
show() { printf '\n# %s\n' "$*"; "$@"; echo "(exit status $?)"; }
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

echo "guest kernel: $(uname -r)"
show modprobe nexus
show grep nexus /proc/modules
show nexusctl version
show nexusctl -j version
show genl ctrl get name nexus
show nexusctl module show

nexusctl monitor count 1 >/tmp/events 2>/tmp/monitor.err &
until grep -q "monitoring nexus events" /tmp/monitor.err; do sleep 0.1; done
show nexusctl module set io-timeout 8s rebuild-rate-max 200M
wait
printf '\n# the event nexusctl monitor printed:\n'
cat /tmp/events

show nexusctl module set io-timeout 50ms
show as_nobody nexusctl module set io-timeout 8s
show as_nobody nexusctl module show
show rmmod nexus
exit 0
