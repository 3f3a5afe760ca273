#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host-side unit tests of vmtest's kernel-log judgement: which console
lines fail a test, and which test a line belongs to.  The positive lines
are real report headers (the WARNING one was captured from this project's
harness demonstration), the negative ones ordinary boot and driver noise."""
import importlib.machinery
import importlib.util
import os
import tempfile
import unittest

_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vmtest")
_loader = importlib.machinery.SourceFileLoader("vmtest", _path)
_spec = importlib.util.spec_from_loader("vmtest", _loader)
vmtest = importlib.util.module_from_spec(_spec)
_loader.exec_module(vmtest)

SPLATS = [
    "[    6.580690] WARNING: CPU: 0 PID: 173 at /work/main/build/6.1.0-56-amd64/kmod/genl.c:82 "
    "nexus_nl_info_get_doit+0x26/0x150 [nexus]",
    "[   12.000001] BUG: KASAN: slab-out-of-bounds in nexus_foo+0x1c/0x40 [nexus]",
    "[   12.000002] BUG: kernel NULL pointer dereference, address: 0000000000000008",
    "[   12.000003] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580",
    "[   12.000004] general protection fault, probably for non-canonical address 0xdffffc0000000001: 0000 [#1]",
    "[   12.000005] Oops: 0000 [#1] PREEMPT SMP KASAN NOPTI",
    "[   12.000006] kernel BUG at drivers/block/nexus.c:10!",
    "[   12.000007] Kernel panic - not syncing: Fatal exception",
    "[   12.000008] WARNING: possible circular locking dependency detected",
    "[   12.000009] WARNING: suspicious RCU usage",
    "[   12.000010] INFO: task kworker/0:1:12 blocked for more than 120 seconds.",
    "[   12.000011] UBSAN: array-index-out-of-bounds in kmod/genl.c:20:5",
    "[   12.000012] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
    "[   12.000013] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:",
    "[   12.000014] watchdog: BUG: soft lockup - CPU#1 stuck for 26s! [fio:345]",
    "[   12.000015] NMI watchdog: Watchdog detected hard LOCKUP on cpu 1",
    "[   12.000016] BUG: workqueue lockup - pool cpus=0 node=0 flags=0x0 nice=0 stuck for 31s!",
    "[   12.000017][    T1] WARNING: CPU: 0 PID: 1 at kernel/foo.c:1 foo+0x1/0x2",
    "[   12.000018] unreferenced object 0xffff888003b4c000 (size 1024):",
]

NOISE = [
    "[    0.000000] Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org)",
    "[    1.000000] ACPI: button: Power Button [PWRF]",
    "[    2.000000] nvme nvme0: pci function 0000:00:04.0",
    "[    2.100000] nexus: version 0.1.0 loaded (netlink API 1)",
    "[    2.200000] nexus: invalid module parameters: io-timeout must be 100 to 600000 ms",
    "[    2.300000] Warning: unable to open an initial console.",
    "[    2.400000] nexus_kunit: loading out-of-tree module taints kernel.",
    "[    2.500000] nexus-harness: begin genl",
    "[    2.600000]     # nexus_config_test_update_partial: EXPECTATION FAILED at kunit/config_test.c:163",
    "modprobe: WARNING: Module nexus not found in directory /lib/modules/6.1.0-56-amd64",
    "BUG: this line has no printk timestamp, so it is a program's output",
    "[    2.700000] nvme nvme0: WARNING: not a report header, a driver's text",
    "[    2.800000] random: crng init done (BUG: words inside a message do not count)",
]


class SplatTest(unittest.TestCase):
    def test_reports_fail(self):
        for line in SPLATS:
            self.assertEqual(vmtest.splats([line]), [line], line)

    def test_noise_passes(self):
        for line in NOISE:
            self.assertEqual(vmtest.splats([line]), [], line)


class HeaderTest(unittest.TestCase):
    def parse(self, text):
        with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
            f.write(text)
        try:
            return vmtest.Test(f.name)
        finally:
            os.unlink(f.name)

    def test_defaults(self):
        t = self.parse("#!/bin/bash\ntrue\n")
        self.assertEqual((t.timeout, t.disks, t.kernels, t.mem),
                         (300, [], list(vmtest.KINDS), 2048))

    def test_several_items_per_line(self):
        t = self.parse("# nexus-test: disk=nvme:256M disk=virtio:64M timeout=60\n"
                       "# nexus-test: kernels=stock,debug mem=3072\n"
                       "# nexus-test: disk=nvme:1G\n")
        self.assertEqual(t.disks, [("nvme", "256M"), ("virtio", "64M"), ("nvme", "1G")])
        self.assertEqual((t.timeout, t.kernels, t.mem), (60, ["stock", "debug"], 3072))

    def test_mistakes_are_refused(self):
        for bad in ("disk=scsi:1G", "disk=nvme", "kernels=stock,frob", "frob=1", "timeout"):
            with self.assertRaises(SystemExit, msg=bad):
                self.parse(f"# nexus-test: {bad}\n")


if __name__ == "__main__":
    unittest.main()
