#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host-side unit tests of vmtest's kernel-log judgement: which console
lines fail a test, and which test a line belongs to; how test headers are
read; how each boot of a test of several boots is judged; which failures
run again.  The positive lines are real report headers (the WARNING one
was captured from this project's harness demonstration), the negative ones
ordinary boot and driver noise."""
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
        self.assertEqual((t.timeout, t.disks, t.kernels, t.mem, t.boots),
                         (300, [], list(vmtest.KINDS), 2048, 1))

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

    def test_boots(self):
        t = self.parse("# nexus-test: timeout=60 boots=3 disk=nvme:1G\n")
        self.assertEqual((t.boots, t.timeout, t.disks), (3, 60, [("nvme", "1G")]))
        self.assertEqual(self.parse("# nexus-test: boots=1\n").boots, 1)
        self.assertEqual(self.parse(f"# nexus-test: boots={vmtest.MAX_BOOTS}\n").boots,
                         vmtest.MAX_BOOTS)
        self.assertEqual(self.parse("# nexus-test: boots=2\n# nexus-test: boots=4\n").boots, 4)

    def test_bad_boots_are_refused(self):
        for bad in ("boots=0", f"boots={vmtest.MAX_BOOTS + 1}", "boots=-1", "boots=two",
                    "boots=2.5", "boots=", "boots=02", "boots"):
            with self.assertRaises(SystemExit, msg=bad):
                self.parse(f"# nexus-test: {bad}\n")


class BootTest(unittest.TestCase):
    """How a boot's end is judged, and where its files are kept."""

    def end(self, final, end="exited", rc="", boot_error="", started=True):
        return vmtest.boot_end(final, end, rc, boot_error, started, 60, 240)

    def test_power_cuts_before_the_last_boot(self):
        self.assertEqual(self.end(False), ("power cut (guest reset)", []))
        self.assertEqual(self.end(False, end="cut"), ("power cut (QEMU killed)", []))

    def test_a_script_that_finishes_early(self):
        self.assertEqual(self.end(False, rc="0"),
                         ("exit 0", ["ended without a power cut (the script exited 0)"]))
        self.assertEqual(self.end(False, rc="3"), ("exit 3", ["exit status 3"]))
        self.assertEqual(self.end(False, rc="77"), ("exit 77", []))
        self.assertEqual(self.end(False, rc="124"), ("timed out", ["timed out after 60 s"]))

    def test_the_last_boot_must_finish(self):
        self.assertEqual(self.end(True, rc="0"), ("exit 0", []))
        self.assertEqual(self.end(True, rc="77"), ("exit 77", []))
        self.assertEqual(self.end(True, rc="1"), ("exit 1", ["exit status 1"]))
        self.assertEqual(self.end(True), ("power cut (guest reset)",
                                          ["guest died before the test finished"]))
        self.assertEqual(self.end(True, end="cut")[1],
                         ["power cut in the last boot, which must finish"])

    def test_guest_failures(self):
        for final in (False, True):
            self.assertEqual(self.end(final, boot_error="no nexusctl built", started=False),
                             ("setup failed", ["guest setup failed: no nexusctl built"]))
            self.assertEqual(self.end(final, end="limit"),
                             ("killed after 240 s", ["guest killed after 240 s (hung or crashed)"]))
        self.assertEqual(self.end(False, started=False)[1], ["guest died before the test started"])

    def test_kill_me(self):
        for line in (b"nexus-vmtest: kill-me", b"[    5.419718] nexus-vmtest: kill-me",
                     b"[    5.419718][ T123] nexus-vmtest: kill-me  "):
            self.assertTrue(vmtest.KILL_ME_RE.match(line), line)
        for line in (b"echo nexus-vmtest: kill-me", b"[    5.4] nexus-vmtest: kill-me now",
                     b"[    5.4] nexus-harness: begin kill-me"):
            self.assertFalse(vmtest.KILL_ME_RE.match(line), line)

    def test_files_per_boot(self):
        self.assertEqual(vmtest.per_boot("console.log", 1, 1), "console.log")
        self.assertEqual(vmtest.per_boot("console.log", 2, 3), "console-boot2.log")
        self.assertEqual(vmtest.per_boot("wipe.rc", 1, 2), "wipe-boot1.rc")
        self.assertEqual(vmtest.per_boot("done", 3, 3), "done-boot3")


class RerunTest(unittest.TestCase):
    """A failure gets a second run only for the emulated NVMe controller's
    lost command, and only when the script alone failed."""
    LOST_612 = ("[   97.452696] nvme nvme1: I/O tag 852 (5354) opcode 0x1 (I/O Cmd) QID 1 timeout, "
                "aborting req_op:WRITE(1) size:4096")
    LOST_61 = "[  301.000001] nvme nvme0: I/O 25 (I/O Cmd) QID 2 timeout, aborting"
    # The fabrics transports time out without "aborting"; a polled
    # completion is no loss.
    NOT_LOST = ["[   97.423332] nvme nvme3: I/O tag 17 (8011) type 4 opcode 0x1 (I/O Cmd) QID 1 timeout",
                "[   97.423722] nvme nvme3: starting error recovery",
                "[   37.920588] nvme nvme0: I/O 457 QID 1 timeout, completion polled",
                "[   97.453741] nvme nvme1: Abort status: 0x0"]

    def job(self, files):
        td = tempfile.TemporaryDirectory()
        self.addCleanup(td.cleanup)
        d = td.name
        for name, lines in files.items():
            with open(os.path.join(d, name), "w") as f:
                f.write("\n".join(lines) + "\n")
        return d

    def test_lost_command_and_script_failure(self):
        for lost, where in ((self.LOST_612, "t.dmesg"), (self.LOST_61, "console-boot2.log")):
            d = self.job({where: self.NOT_LOST + [lost]})
            why = vmtest.rerun_reason("FAIL", ["exit status 1"], d)
            self.assertIsNotNone(why, lost)
            self.assertIn("timeout, aborting", why)
            self.assertTrue(vmtest.rerun_reason("FAIL", ["boot 2: timed out after 600 s"], d))

    def test_no_rerun(self):
        d = self.job({"t.dmesg": self.NOT_LOST, "console.log": self.NOT_LOST})
        self.assertIsNone(vmtest.rerun_reason("FAIL", ["exit status 1"], d))
        d = self.job({"t.dmesg": [self.LOST_612]})
        self.assertIsNone(vmtest.rerun_reason("PASS", [], d))
        for reasons in (["exit status 1", "kernel: BUG: KASAN: use-after-free in nexus_io_end"],
                        ["kmemleak: unreferenced object 0xffff888003b4c000 (size 64):"],
                        ["boot 1: guest died before the test finished"],
                        ["guest killed after 240 s (hung or crashed)"],
                        ["guest setup failed: only 1 of 2 NVMe disks appeared"], []):
            self.assertIsNone(vmtest.rerun_reason("FAIL", reasons, d), reasons)


if __name__ == "__main__":
    unittest.main()
