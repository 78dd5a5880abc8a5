"""Cells that end the Go session, through jupyter_client.

Run by kernel/crash_kernel_test.go (TestFatalCellsEndTheSessionNotTheKernel)
with JUPYTER_PATH pointing at a temporary kernelspec. Each fatal cell must
get an error reply naming the cause within 60 s, and the next cell must
run in a fresh session of the same kernel (its variables gone). Prints
the measured times.
"""
import os
import sys
import time
import unittest

import jupyter_client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernelcell import collect  # noqa: E402

FATAL = [
    ("goroutine panic", 'import "time"\ngo func() { panic("boom in a goroutine") }()\ntime.Sleep(10 * time.Second)',
     "panic: boom in a goroutine (in a goroutine)"),
    ("concurrent map writes",
     'm := map[int]int{}\nfor i := 0; i < 4; i++ {\n\tgo func() {\n\t\tfor j := 0; ; j++ {\n\t\t\tm[j%64] = j\n\t\t}\n\t}()\n}\n'
     'for j := 0; ; j++ {\n\tm[j%64] = j\n}',
     "concurrent map writes"),
    ("out of memory", "b := make([]byte, 1<<45)\nb[0] = 1", "out of memory"),
    ("infinite recursion", "func down(n int) int { return down(n+1) + 1 }\ndown(0)", "stack overflow"),
]


class CrashTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = jupyter_client.manager.start_new_kernel(kernel_name="nerlab")

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)

    def run_cell(self, code, timeout=60):
        """The cell's iopub messages and its reply, within timeout seconds."""
        return collect(self.kc, self.kc.execute(code), timeout)

    def result(self, msgs):
        return [m["content"]["data"]["text/plain"] for m in msgs if m["msg_type"] == "execute_result"]

    def test_fatal_cells(self):
        for name, code, cause in FATAL:
            with self.subTest(name):
                msgs, reply = self.run_cell("kept := 41")
                self.assertEqual(reply["status"], "ok")
                start = time.time()
                msgs, reply = self.run_cell(code)
                replied = time.time() - start
                self.assertEqual(reply["status"], "error", reply)
                self.assertEqual(reply["ename"], "SessionEnded")
                self.assertEqual(reply["evalue"], "the Go session ended: %s; variables are lost" % cause)
                self.assertIn("error", [m["msg_type"] for m in msgs])
                msgs, reply = self.run_cell("1 + 1")
                next_ok = time.time() - start
                self.assertEqual(reply["status"], "ok", reply)
                self.assertEqual(self.result(msgs), ["2"])
                # A fresh session: the variable of before is gone.
                msgs, reply = self.run_cell("kept")
                self.assertEqual(reply["status"], "error")
                print("%-22s error reply after %5.2f s, next cell done after %5.2f s" % (name, replied, next_ok))


if __name__ == "__main__":
    unittest.main()
