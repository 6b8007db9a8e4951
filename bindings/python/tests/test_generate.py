"""Real generation through the Python package, compared with `locus run --temp 0`: stories260K (whose figures are
llama.cpp's) and the default model, Locus's own sparse model, in predictor mode."""
import os
import subprocess
import sys
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(HERE, ".."))

import locus  # noqa: E402

MODEL = os.path.join(REPO, "models", "stories260K.gguf")
SPARSE_MODEL = os.path.join(REPO, "models", "relu-llama-tiny-par.powerinfer.gguf")  # locus run's default


def locus_run(prompt, n, model=MODEL):
    """stdout of `locus run`; model=None runs it without -m (its default model)."""
    binary = os.environ.get("LOCUS_BINARY") or os.path.join(
        os.environ.get("LOCUS_LIB_DIR", os.path.join(REPO, "build", "release")), "locus")
    env = {k: v for k, v in os.environ.items() if k != "LOCUS_MODEL"}
    args = [binary, "run"] + (["-m", model] if model else []) + ["-p", prompt, "-n", str(n), "--temp", "0", "-t", "1"]
    out = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True, env=env)
    return out.stdout.decode()


class Generation(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model = locus.Model(MODEL, n_threads=1)

    def test_greedy_text_equals_locus_run(self):
        for prompt in ("Once upon a time", "Tom and Sue went to the park. They"):
            with self.model.session() as s:
                text = s.generate(prompt, n_predict=48)
            self.assertEqual(prompt + text + "\n", locus_run(prompt, 48), prompt)

    def test_pieces_iterator_matches(self):
        whole = self.model.session().generate("Once upon a time", n_predict=40)
        s = self.model.session()
        pieces = list(s.pieces("Once upon a time", n_predict=40, sampler=locus.Sampler(temperature=0)))
        self.assertEqual(len(pieces), 40)
        self.assertEqual("".join(pieces), whole)

    def test_tokens_logits_sampler(self):
        info = self.model.info()
        self.assertEqual(info["arch"], "llama")
        self.assertEqual(info["n_vocab"], 512)
        self.assertEqual(self.model.placement()["backend"], "cpu")
        ids = self.model.tokenize("Once upon a time")
        self.assertEqual(ids, [1, 403, 407, 261, 378])
        self.assertEqual(self.model.detokenize(ids), "Once upon a time")
        s = self.model.session(n_ctx=64)
        s.eval(ids)
        logits = s.logits(0)
        self.assertEqual(len(logits), 512)
        best = max(range(512), key=lambda i: logits[i])
        self.assertEqual(best, 432)  # llama.cpp's first greedy token (tests/model/stories_golden_test.cpp)
        self.assertEqual(locus.Sampler(temperature=0).sample(s), best)
        self.assertEqual(s.n_past(), 5)
        self.assertGreater(s.timings()["prompt_ms"], 0)

    def test_errors_are_exceptions(self):
        with self.assertRaises(locus.LocusError) as e:
            locus.Model("/nonexistent.gguf")
        self.assertEqual(e.exception.name, "LOCUS_ERR_LOAD")
        with self.assertRaises(locus.LocusError) as e:
            locus.Model(MODEL, vram_budget_gib=3.0)
        self.assertEqual(e.exception.name, "LOCUS_ERR_UNSUPPORTED")
        self.assertIn("without CUDA", str(e.exception))
        s = self.model.session(n_ctx=8)
        with self.assertRaises(locus.LocusError) as e:
            s.eval([300] * 9)
        self.assertEqual(e.exception.name, "LOCUS_ERR_CONTEXT_FULL")
        s.close()
        s.close()  # twice is harmless

    def test_cancel_from_another_thread(self):
        s = self.model.session(n_ctx=256)
        count = [0]

        def on_piece(_):
            count[0] += 1
            if count[0] == 3:
                t = threading.Thread(target=s.cancel)
                t.start()
                t.join()

        with self.assertRaises(locus.LocusError) as e:
            s.generate("Once upon a time", ignore_eos=True, on_piece=on_piece)
        self.assertEqual(e.exception.name, "LOCUS_ERR_CANCELLED")
        self.assertEqual(count[0], 3)

    def test_callback_exception_propagates(self):
        def boom(_):
            raise RuntimeError("stop here")

        with self.assertRaises(RuntimeError):
            self.model.session().generate("Once upon a time", n_predict=10, on_piece=boom)


class DefaultSparseModel(unittest.TestCase):
    def test_runs_in_predictor_mode_as_locus_run_does_by_default(self):
        model = locus.Model(SPARSE_MODEL, n_threads=1)
        self.assertEqual(model.placement()["sparse_mode"], locus.SPARSE_MODES["predictor"])
        oracle = locus.Model(SPARSE_MODEL, n_threads=1, sparse="oracle")
        self.assertEqual(oracle.placement()["sparse_mode"], locus.SPARSE_MODES["oracle"])
        for prompt in ("Once upon a time", "Tom and Sue went to the park. They"):
            with model.session() as s:
                text = s.generate(prompt, n_predict=48)
            self.assertGreater(len(text), 40, prompt)
            self.assertEqual(prompt + text + "\n", locus_run(prompt, 48, model=None), prompt)


if __name__ == "__main__":
    unittest.main()
