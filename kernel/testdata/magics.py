"""Magics, rich output and interrupting a training cell, through jupyter_client.

Run by kernel/conformance_test.go (TestMagicsThroughJupyterClient) with
JUPYTER_PATH pointing at a temporary kernelspec, NERLAB_ROOT at the
repository root (the kernel's working directory) and NERLAB_RUN at a fresh
run folder.
"""
import os
import sys
import time
import unittest

import jupyter_client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernelcell import collect  # noqa: E402

ROOT = os.environ["NERLAB_ROOT"]
RUN = os.environ["NERLAB_RUN"]


class MagicsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = jupyter_client.manager.start_new_kernel(kernel_name="nerlab", cwd=ROOT)

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)

    def collect(self, msg_id, timeout=120):
        """The iopub messages of one request, up to its idle status, and its reply."""
        return collect(self.kc, msg_id, timeout)

    def run_cell(self, code):
        return self.collect(self.kc.execute(code))

    def displays(self, msgs, mime):
        return [m["content"]["data"][mime] for m in msgs
                if m["msg_type"] in ("display_data", "update_display_data") and mime in m["content"]["data"]]

    def results(self, msgs):
        return [m["content"]["data"] for m in msgs if m["msg_type"] == "execute_result"]

    def test_0_predict_without_a_model_says_so(self):
        # notebook is imported in every cell, as display is.
        msgs, reply = self.run_cell('notebook.Predict("Angela Merkel visited Paris")')
        self.assertEqual(reply["status"], "error")
        self.assertIn("no model loaded", reply["evalue"])

    def test_1_interrupt_training_leaves_a_checkpoint(self):
        msg_id = self.kc.execute("%%train data/configs/demo.yaml --out %s --set train.max_epochs=60" % RUN)
        # Interrupt once the first epoch has saved a best model.
        deadline = time.time() + 120
        while not os.path.exists(os.path.join(RUN, "best-model", "model.json")):
            self.assertLess(time.time(), deadline, "training never finished an epoch")
            time.sleep(0.2)
        time.sleep(1)
        self.km.interrupt_kernel()
        msgs, reply = self.collect(msg_id)
        self.assertEqual(reply["status"], "error")
        self.assertEqual(reply["ename"], "Interrupted")
        self.assertIn("checkpoint", reply["evalue"])
        self.assertTrue(os.path.exists(os.path.join(RUN, "checkpoints", "latest")))
        # One live display, replaced in place with curves as epochs end.
        ids = {m["content"]["transient"].get("display_id") for m in msgs
               if m["msg_type"] in ("display_data", "update_display_data")}
        self.assertEqual(len(ids), 1)
        updates = [m for m in msgs if m["msg_type"] == "update_display_data"]
        self.assertGreaterEqual(len(updates), 1)
        self.assertTrue(any("data:image/png;base64," in m["content"]["data"]["text/html"] for m in updates))
        # The kernel lives on.
        msgs, reply = self.run_cell("1 + 1")
        self.assertEqual(reply["status"], "ok")
        self.assertEqual([m["content"]["data"]["text/plain"] for m in msgs if m["msg_type"] == "execute_result"], ["2"])

    def test_2_magics_render_rich_output(self):
        msgs, reply = self.run_cell("%%load sample data/sample\n%%load model %s\n%%stats" % RUN)
        self.assertEqual(reply["status"], "ok")
        text = "".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream")
        self.assertIn("800 sentences", text)

        msgs, reply = self.run_cell("%predict Stedian Restous left Siastias Systems .")
        self.assertEqual(reply["status"], "ok")
        html = self.displays(msgs, "text/html")
        self.assertEqual(len(html), 1)
        self.assertIn("<mark", html[0])

        msgs, reply = self.run_cell("%%plot %s loss" % RUN)
        self.assertEqual(reply["status"], "ok")
        self.assertEqual(len(self.displays(msgs, "image/png")), 1)

        # The runs table renders as HTML with the aligned text as its fallback.
        msgs, reply = self.run_cell("%%runs %s" % os.path.dirname(RUN))
        self.assertEqual(reply["status"], "ok")
        tables = [m["content"]["data"] for m in msgs if m["msg_type"] == "display_data"]
        self.assertEqual(len(tables), 1)
        self.assertIn('class="nerlab-runs"', tables[0]["text/html"])
        self.assertIn(os.path.basename(RUN), tables[0]["text/html"])
        self.assertTrue(tables[0]["text/plain"].startswith("RUN "))

        msgs, reply = self.run_cell("%eval --split dev")
        self.assertEqual(reply["status"], "ok")
        self.assertIn("<table", self.displays(msgs, "text/html")[0])

        msgs, reply = self.run_cell('import "github.com/nerlab/nerlab/kernel/notebook"\nnotebook.Session().Dataset("").Name')
        self.assertEqual([m["content"]["data"]["text/plain"] for m in msgs if m["msg_type"] == "execute_result"], ["sample"])

        # Go cells: a prediction, corpus statistics and the model render
        # richly, with text fallbacks.
        msgs, reply = self.run_cell('notebook.Predict("Stedian Restous left Siastias Systems .")')
        self.assertEqual(reply["status"], "ok", reply)
        [data] = self.results(msgs)
        self.assertIn("<mark", data["text/html"])
        self.assertIn("Stedian", data["text/plain"])
        msgs, reply = self.run_cell('p, _ := notebook.Predict("Stedian Restous left Siastias Systems .")\n'
                                    'len(p.Entities) > 0 && p.Entities[0].Confidence > 0')
        self.assertEqual([d["text/plain"] for d in self.results(msgs)], ["true"])
        msgs, reply = self.run_cell('notebook.Session().Dataset("").Split("train").Corpus.Stats()')
        self.assertEqual(reply["status"], "ok", reply)
        [data] = self.results(msgs)
        self.assertIn('<table class="nerlab-table">', data["text/html"])
        self.assertIn("<td>sentences</td>", data["text/html"])
        self.assertIn("sentences", data["text/plain"])
        self.assertNotIn("{", data["text/plain"])
        msgs, reply = self.run_cell('notebook.Session().Model("")')
        [data] = self.results(msgs)
        self.assertIn("model folder", data["text/html"])
        self.assertIn("weights", data["text/plain"])

        msgs, reply = self.run_cell("%trian")
        self.assertEqual(reply["status"], "error")
        self.assertEqual(reply["ename"], "UsageError")
        self.assertIn('did you mean "train"', reply["evalue"])


if __name__ == "__main__":
    unittest.main()
