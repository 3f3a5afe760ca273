#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# snap.sh <file> <device>: what bench.py compares around each fio job (fio's
# exec_prerun/exec_postrun): the kernel's CPU ticks (system + irq + softirq,
# all CPUs, /proc/stat) and the IOs the device completed (its stat file).
set -e
dev=$(basename "$(readlink -f "$2")")
read -r _ _ _ sys _ _ irq softirq _ </proc/stat
read -r reads _ _ _ writes _ <"/sys/class/block/$dev/stat"
printf 'cpu %s\nreads %s\nwrites %s\n' $((sys + irq + softirq)) "$reads" "$writes" >"$1"
