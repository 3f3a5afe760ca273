#!/bin/bash
# Packages and boot integration: the Debian packages nexusctl and
# nexus-dkms install (the module through DKMS), and what their
# nexus.service runs brings a node's pools and volumes back after a reboot
# by itself.  Boot 1 installs the packages and builds a node: a pool
# with a shared replica, a 3-way nexus over an NVMe namespace, a local
# replica and that replica over NVMe/TCP (127.0.0.2), published on
# 127.0.0.3; a second nexus over two local replicas whose record is
# deleted (so that only the labels on the devices can find it); a third
# standing for another node's nexus (its only child a replica shared from
# here), stopped with --forget, which boot must not assemble; data
# written; then the unit's ExecStop lines (node down) and the power goes.
# Boot 2 runs the unit's ExecStart lines (modprobe, udev settle, node up)
# and checks that everything is back: pool and replicas, the share, both
# nexuses with every child in sync and no rebuild, the remote child
# connected again, the publication, the data (also through the fabric
# with plain `nvme connect`), and the udev names.  Running node up again
# changes nothing; a stop refused because the volume is open leaves it
# published; node down leaves nothing behind.  Removing the packages
# (the last cleanup) has DKMS take the module away.  This is also the
# DKMS test: the module modprobe loads is DKMS's (its version checked
# over netlink), installed by the package's postinst from DKMS's build
# on the host.
#
# /var/lib/nexus (nexusctl's records) lives on the job share, so that it
# survives the reboot as it would on a disk; udevd runs with the
# package's rule, as it would on a booted system.  systemd itself is not
# PID 1 here (the harness's init is): the unit's ordering is checked by
# systemd-analyze verify, its commands by running them.
#
# Stock only: the packages are the same on 6.12, and boot integration is
# userspace; CI time goes to the kernels' own tests there.
# nexus-test: disk=nvme:512M disk=nvme:1G boots=2 timeout=600 kernels=stock
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"
. "$NEXUS_TOP/tests/lib/nexus.sh"

unit=/lib/systemd/system/nexus.service
state=$NEXUS_JOB_DIR/var-lib-nexus
pubnqn=nqn.2019-05.io.openebs:vol1
nvmet=/sys/kernel/config/nvmet
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$NEXUS_TOP/dkms.conf")
debs=$NEXUS_TOP/build/deb

# install_packages: the two .debs `make check` built (scripts/deb.sh), as
# an admin installs them on a Debian 12 node with its stock kernel.  The
# harness's own nexus.ko and nexusctl go away first: what runs is the
# packages'.  The postinst of nexus-dkms builds the module for the running
# and the newest installed kernel (by /boot/config-*), unless a DKMS
# tarball of prebuilt modules lies in /usr/share/nexus-dkms/ (Debian's
# way of shipping binaries with a DKMS package): then it loads that.
# Compiling under emulation takes minutes, so the host's DKMS build
# (dkms-tarball.sh stock), when it is of the current sources, is put
# there first.  The guest sees the host's root, which also holds the 6.12
# kernel: its /boot/config is hidden, as on a node that has only the
# stock kernel (dkms 3.0.10 cannot load a tarball with two kernels' builds).
install_packages() {
	local digest rel tarball
	rel=$(uname -r)
	tarball=$NEXUS_TOP/build/dkms/$rel/nexus-$version-$rel.dkms.tar.gz
	[ -f "$debs/nexusctl_${version}_amd64.deb" ] && [ -f "$debs/nexus-dkms_${version}_all.deb" ] ||
		fail "no packages in $debs: scripts/deb.sh builds them (make check does)"
	# No depmod here: DKMS looks for an installed nexus.ko by its file,
	# not by the index, and its install runs depmod (20 s under emulation).
	rm -f "/lib/modules/$rel/extra/nexus.ko" /usr/local/sbin/nexusctl
	for c in /boot/config-*; do
		[ "$c" = "/boot/config-$rel" ] || rm -f "$c"
	done
	digest=$("$NEXUS_TOP/scripts/dkms-tarball.sh" --digest)
	if [ -f "$tarball" ] && [ "$(cat "${tarball%/*}/sources.sha256")" = "$digest" ]; then
		install -D -m 0644 "$tarball" "/usr/share/nexus-dkms/nexus-$version.dkms.tar.gz"
	else
		echo "no current prebuilt DKMS tarball: the postinst compiles (slow)"
	fi
	# man-db's trigger would index every manual page of the host's root
	# under emulation (minutes): not what is tested here.
	echo "man-db man-db/auto-update boolean false" | debconf-set-selections
	# Streamed, with the seconds, so that a slow step shows in the log.
	local t0 rc
	t0=$(date +%s)
	set +e
	DEBIAN_FRONTEND=noninteractive dpkg -i "$debs/nexus-dkms_${version}_all.deb" \
		"$debs/nexusctl_${version}_amd64.deb" </dev/null 2>&1 |
		while IFS= read -r line; do echo "  dpkg $(($(date +%s) - t0))s| $line"; done
	rc=${PIPESTATUS[0]}
	set -e
	[ "$rc" = 0 ] || fail "dpkg -i exited $rc"
	expect_rc 0 dkms status -m nexus -v "$version" -k "$(uname -r)"
	expect_in "$OUT" installed "dkms status"
	expect_rc 0 modinfo -n nexus
	expect_in "$OUT" /updates/dkms/nexus.ko "the module modprobe finds"
	expect_eq "$(command -v nexusctl)" /usr/sbin/nexusctl "the nexusctl on the PATH"
	[ -f "$unit" ] && [ -f /lib/udev/rules.d/60-nexus.rules ] &&
		[ -f /usr/share/man/man8/nexusctl.8.gz ] && [ -f /usr/share/man/man4/nexus.4.gz ] &&
		[ -f /usr/share/bash-completion/completions/nexusctl ] ||
		fail "the nexusctl package lacks a file: $(dpkg -L nexusctl)"
	[ -L /etc/systemd/system/multi-user.target.wants/nexus.service ] ||
		fail "nexus.service is not enabled by the package"
}

# The node as a booted system has it: the packages installed (the guest's
# root is a fresh overlay at every boot: installed again, as the node's
# disk would keep them), /var/lib/nexus persistent, udevd running.
step "install the packages"
install_packages
mkdir -p "$state" /var/lib/nexus
mount --bind "$state" /var/lib/nexus
/lib/systemd/systemd-udevd --daemon
udevadm trigger --action=add --subsystem-match=block
udevadm settle --timeout=60

# unit_run <ExecStart|ExecStop>: the unit's command lines of that kind, in
# order, as systemd runs them ("-" prefix: failure ignored).
unit_run() {
	local line ignore
	while IFS= read -r line; do
		ignore=
		[ "${line:0:1}" = - ] && { ignore=1; line=${line:1}; }
		run $line
		[ "$RC" = 0 ] || [ -n "$ignore" ] || fail "$1 '$line' exited $RC"
	done < <(sed -n "s/^$1=//p" "$unit")
}

if [ "$NEXUS_BOOT" = 1 ]; then
	step "the unit file is sound"
	expect_rc 0 systemd-analyze verify "$unit"

	step "boot 1: a pool, a shared replica, a published 3-way nexus, a labels-only nexus"
	modprobe nvme-tcp || skip "no nvme-tcp host module"
	expect_rc 0 nexusctl pool create p1 "$(nvme_disk 1)"
	expect_rc 0 nexusctl replica create p1 local 200M
	expect_rc 0 nexusctl -j replica create p1 remote 200M --thin
	ruuid=$(jqf "$OUT" .uuid)
	expect_rc 0 nexusctl -j replica share p1 remote --addr 127.0.0.2 --any-host
	nqn=$(jqf "$OUT" .share.nqn)
	expect_rc 0 nexusctl replica create p1 a 64M --thin
	expect_rc 0 nexusctl replica create p1 b 64M --thin
	expect_rc 0 nexusctl -j nexus create vol1 "bdev://$(nvme_disk 0)" replica://p1/local \
		"nvmf://127.0.0.2:8420/$nqn?uuid=$ruuid" --size 160M
	v1=/dev/$(jqf "$OUT" .device)
	v1uuid=$(jqf "$OUT" .uuid)
	expect_rc 0 nexusctl -j nexus create vol2 replica://p1/a replica://p1/b --size 48M
	v2=/dev/$(jqf "$OUT" .device)
	v2uuid=$(jqf "$OUT" .uuid)
	expect_rc 0 nexusctl nexus publish vol1 --addr 127.0.0.3 --port 4430

	step "a nexus of 'another node': its only child is a shared replica, stopped with --forget"
	expect_rc 0 nexusctl -j replica create p1 far 64M --thin
	fuuid=$(jqf "$OUT" .uuid)
	expect_rc 0 nexusctl -j replica share p1 far --addr 127.0.0.2 --any-host
	fnqn=$(jqf "$OUT" .share.nqn)
	expect_rc 0 nexusctl -j nexus create vol3 "nvmf://127.0.0.2:8420/$fnqn?uuid=$fuuid" --size 32M
	v3uuid=$(jqf "$OUT" .uuid)
	[ -f "/var/lib/nexus/nexus/$v3uuid" ] || fail "no record of vol3"
	expect_rc 0 nexusctl nexus stop vol3 --forget
	[ ! -e "/var/lib/nexus/nexus/$v3uuid" ] || fail "vol3's record is still there after --forget"

	step "nexusctl's records: children and publication of vol1"
	rec=/var/lib/nexus/nexus/$v1uuid
	[ -f "$rec" ] || fail "no record $rec"
	cat "$rec"
	expect_eq "$(grep -c '^child ' "$rec")" 3 "children in the record"
	expect_in "$(cat "$rec")" "child $ruuid nvmf://127.0.0.2:8420/$nqn?uuid=$ruuid"
	expect_in "$(cat "$rec")" "publish tcp 127.0.0.3 4430"
	# vol2 is left for the label scan alone.
	rm /var/lib/nexus/nexus/"$v2uuid"

	step "udev names"
	udevadm settle --timeout=60
	[ "$(readlink -f /dev/nexus/p1/local)" = "$(readlink -f "/dev/$(nexusctl -j replica show p1 local | jq -r .device)")" ] ||
		fail "/dev/nexus/p1/local: $(ls -l /dev/nexus/p1/ 2>&1)"
	[ "$(readlink -f /dev/nexus/by-name/vol1)" = "$v1" ] || fail "/dev/nexus/by-name/vol1: $(ls -l /dev/nexus/by-name/ 2>&1)"

	step "data on both volumes"
	fio_write "$v1" 32M 0 vol1
	fio_write "$v2" 16M 0 vol2
	md5sum <"$v1" | cut -d' ' -f1 >"$NEXUS_JOB_DIR/vol1.md5"
	md5sum <"$v2" | cut -d' ' -f1 >"$NEXUS_JOB_DIR/vol2.md5"
	echo "$ruuid $nqn" >"$NEXUS_JOB_DIR/ids"

	step "shutdown: the unit's ExecStop"
	unit_run ExecStop
	expect_in "$OUT" "stopped nexus vol1"
	expect_in "$OUT" "stopped nexus vol2"
	expect_in "$OUT" "exported pool p1"
	expect_eq "$(nexusctl -j nexus list | jq length)" 0 "nexuses after node down"
	expect_eq "$(nexusctl -j pool list | jq length)" 0 "pools after node down"
	expect_eq "$(ls $nvmet/subsystems | wc -l)" 0 "nvmet subsystems after node down"
	! compgen -G "/sys/class/nvme-fabrics/ctl/nvme*" >/dev/null ||
		fail "fabrics controllers left: $(ls /sys/class/nvme-fabrics/ctl)"
	expect_rc 0 nexusctl pool check "$(nvme_disk 1)"
	job_sync "$NEXUS_JOB_DIR"/*.md5 "$NEXUS_JOB_DIR/ids" "$state/nexus/$v1uuid"
	umount /var/lib/nexus
	power_cut
fi

# remove_packages: dpkg -r, whose prerm has DKMS remove the module: after
# it modprobe finds none (the harness's copy went at install).
remove_packages() {
	dpkg -r nexusctl nexus-dkms >/dev/null || fail "dpkg -r exited $?"
	! modinfo -n nexus 2>/dev/null || fail "nexus.ko still installed after dpkg -r"
	[ -z "$(dkms status -m nexus 2>/dev/null)" ] || fail "DKMS still has nexus: $(dkms status)"
}

read -r ruuid nqn <"$NEXUS_JOB_DIR/ids"
at_exit remove_packages
at_exit unload_nexus
at_exit pool_teardown p1
at_exit nexus_teardown vol1
at_exit nexus_teardown vol2
at_exit "umount /var/lib/nexus"

step "boot 2: the unit's ExecStart"
module_loaded && fail "the module is loaded before the unit ran"
unit_run ExecStart
expect_in "$OUT" "imported pool p1"
expect_in "$OUT" "assembled nexus vol1"
expect_in "$OUT" "assembled nexus vol2"
expect_in "$OUT" "published nexus vol1"
expect_in "$ERR" "nexus vol3: a child is a replica shared with other nodes"
run nexusctl nexus show vol3
[ "$RC" != 0 ] || fail "vol3 (another node's, forgotten here) was assembled"
expect_rc 0 nexusctl -j version
expect_eq "$(jqf "$OUT" .module.version) $(cat /sys/module/nexus/version)" "$version $version" \
	"version of the module DKMS built, over netlink and in sysfs"

step "pool, replicas and the share are back"
expect_eq "$(nexusctl -j pool show p1 | jq -r '.state + " " + (.replicas|tostring)')" "online 5" "pool p1"
expect_eq "$(nexusctl -j replica show p1 remote | jq -r .share.nqn)" "$nqn" "share of p1/remote"
[ -d "$nvmet/subsystems/$nqn" ] || fail "nvmet does not export $nqn"

step "both nexuses, every child in sync, nothing to rebuild"
for v in vol1 vol2; do
	json=$(nexusctl -j nexus show $v)
	expect_eq "$(jq -r .state <<<"$json")" online "state of $v"
	expect_eq "$(jq -r '[.children[].state] | unique | join(",")' <<<"$json")" synced "children of $v"
done
expect_eq "$(nexusctl -j nexus show vol1 | jq '.children | length')" 3 "children of vol1"
expect_eq "$(child_field vol1 "$ruuid" .local)" false "the remote child of vol1"
case $(child_field vol1 "$ruuid" .device) in
/dev/nvme*n*) ;;
*) fail "remote child device $(child_field vol1 "$ruuid" .device)" ;;
esac
legs_identical vol1
legs_identical vol2

step "the data"
v1=/dev/$(nexusctl -j nexus show vol1 | jq -r .device)
v2=/dev/$(nexusctl -j nexus show vol2 | jq -r .device)
expect_eq "$(md5sum <"$v1" | cut -d' ' -f1)" "$(cat "$NEXUS_JOB_DIR/vol1.md5")" "vol1 data"
expect_eq "$(md5sum <"$v2" | cut -d' ' -f1)" "$(cat "$NEXUS_JOB_DIR/vol2.md5")" "vol2 data"
fio_verify "$v1" 32M 0 vol1

step "published again: a client connects with plain nvme connect"
[ -d "$nvmet/subsystems/$pubnqn" ] || fail "vol1 is not published"
expect_rc 0 nvme connect -t tcp -a 127.0.0.3 -s 4430 -n "$pubnqn"
at_exit "nvme disconnect -n $pubnqn >/dev/null"
client=$(fabric_dev "$(nexusctl -j nexus show vol1 | jq -r .uuid)")
expect_eq "$(head -c 32M "$client" | md5sum | cut -d' ' -f1)" \
	"$(head -c 32M "$v1" | md5sum | cut -d' ' -f1)" "vol1 through the fabric"
expect_rc 0 nvme disconnect -n "$pubnqn"

step "udev names after the reboot"
udevadm settle --timeout=60
[ -L /dev/nexus/p1/remote ] || fail "no /dev/nexus/p1/remote: $(ls -lR /dev/nexus 2>&1)"
[ "$(readlink -f /dev/nexus/by-name/vol2)" = "$v2" ] || fail "/dev/nexus/by-name/vol2"
[ "$(readlink -f "/dev/nexus/by-uuid/$ruuid")" = "$(readlink -f /dev/nexus/p1/remote)" ] ||
	fail "/dev/nexus/by-uuid/$ruuid"

step "a stop refused (the nexus is open) leaves it published"
exec 9<"$v1"	# open here, before the stop: no race with a child process
expect_rc 1 nexusctl nexus stop vol1
[ -d "$nvmet/subsystems/$pubnqn/namespaces/1" ] && compgen -G "$nvmet/ports/*/subsystems/$pubnqn" >/dev/null ||
	fail "vol1 is no longer published after a refused stop"
expect_rc 1 nexusctl -j nexus stop vol1
[ -z "$OUT" ] || fail "a refused stop with -j printed: $OUT"
exec 9<&-

step "node up again changes nothing"
expect_rc 0 nexusctl -j node up
expect_eq "$(jqf "$OUT" '[.pools.imported, .nexuses.assembled, .nexuses.published] | map(length) | add')" 0 \
	"what a second node up did"
step "vol2 has a record now"
[ -f "/var/lib/nexus/nexus/$(nexusctl -j nexus show vol2 | jq -r .uuid)" ] || fail "no record of vol2"

step "node down leaves nothing"
expect_rc 0 nexusctl -j node down
expect_eq "$(jqf "$OUT" '[.nexuses.stopped, .pools.exported] | map(length) | join(" ")')" "2 1" \
	"what node down did"
expect_eq "$(ls $nvmet/subsystems | wc -l)" 0 "nvmet subsystems after node down"
expect_rc 0 nexusctl pool check "$(nvme_disk 1)"
# For the cleanups: the pool back, its nexuses destroyed with it.
expect_rc 0 nexusctl node up
