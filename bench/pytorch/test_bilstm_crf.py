"""Self-checks of the PyTorch reference (run: /usr/bin/python3 -m unittest discover bench/pytorch).

The CRF is checked against brute force over every tag path of tiny cases; the
data handling against hand-made files; the whole script end to end on a tiny
corpus; and, when the shared datasets are present, the CoNLL-03 counts that
MANIFEST.md gives.
"""

import contextlib
import io
import itertools
import json
import os
import tempfile
import unittest

import torch

import bilstm_crf as bc


def path_score(crf, emissions, path):
    """score(x, y) of one sentence by the definition, in plain Python."""
    score = crf.start[path[0]] + crf.stop[path[-1]]
    for t, tag in enumerate(path):
        score = score + emissions[t, tag]
        if t > 0:
            score = score + crf.transitions[path[t - 1], tag]
    return score


def brute_force(crf, emissions, length):
    """(log Z, best path) of one sentence by enumerating all K^length paths."""
    num_tags = emissions.size(1)
    scores = {}
    for path in itertools.product(range(num_tags), repeat=length):
        scores[path] = path_score(crf, emissions, path)
    log_z = torch.logsumexp(torch.stack(list(scores.values())), dim=0)
    best = max(scores, key=lambda p: scores[p].item())
    return log_z, list(best)


class CRFTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(7)
        self.crf = bc.CRF(3)
        with torch.no_grad():
            # Larger scores than the default init, so paths differ clearly.
            for p in self.crf.parameters():
                p.normal_(0, 1)
        self.lengths = [4, 2, 1, 3]
        self.emissions = torch.randn(len(self.lengths), 4, 3, dtype=torch.float64)
        self.crf.double()
        self.mask = torch.arange(4).unsqueeze(0) < torch.tensor(self.lengths).unsqueeze(1)

    def test_log_partition_matches_brute_force(self):
        got = self.crf.log_partition(self.emissions, self.mask)
        for b, length in enumerate(self.lengths):
            want, _ = brute_force(self.crf, self.emissions[b], length)
            self.assertAlmostEqual(got[b].item(), want.item(), places=9, msg=f"sentence {b}")

    def test_gold_score_matches_definition(self):
        tags = torch.tensor([[0, 2, 1, 1], [2, 2, 0, 0], [1, 0, 0, 0], [0, 1, 2, 0]])
        got = self.crf.gold_score(self.emissions, tags, self.mask)
        for b, length in enumerate(self.lengths):
            want = path_score(self.crf, self.emissions[b], tags[b, :length].tolist())
            self.assertAlmostEqual(got[b].item(), want.item(), places=9, msg=f"sentence {b}")

    def test_nll_is_a_normalised_distribution(self):
        # exp(-NLL) over every path of a sentence must sum to 1.
        length = 3
        emissions = self.emissions[:1, :length]
        mask = torch.ones(1, length, dtype=torch.bool)
        total = 0.0
        for path in itertools.product(range(3), repeat=length):
            nll = self.crf.nll(emissions, torch.tensor([path]), mask)
            self.assertGreater(nll.item(), 0)
            total += torch.exp(-nll).item()
        self.assertAlmostEqual(total, 1.0, places=9)

    def test_viterbi_matches_brute_force(self):
        paths = self.crf.viterbi(self.emissions, self.lengths)
        for b, length in enumerate(self.lengths):
            _, want = brute_force(self.crf, self.emissions[b], length)
            self.assertEqual(paths[b], want, msg=f"sentence {b}")

    def test_viterbi_on_many_random_cases(self):
        torch.manual_seed(11)
        for _ in range(20):
            emissions = torch.randn(2, 5, 3, dtype=torch.float64) * 2
            paths = self.crf.viterbi(emissions, [5, 3])
            for b, length in enumerate([5, 3]):
                self.assertEqual(paths[b], brute_force(self.crf, emissions[b], length)[1])


class TagTest(unittest.TestCase):
    def test_iob1_to_bioes(self):
        # IOB1: I- starts a span; B- only splits two adjacent spans of one type.
        self.assertEqual(
            bc.iob_to_bioes(["I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-ORG", "I-ORG", "I-ORG"]),
            ["B-PER", "E-PER", "S-PER", "O", "S-LOC", "B-ORG", "I-ORG", "E-ORG"])

    def test_iob2_to_bioes(self):
        self.assertEqual(
            bc.iob_to_bioes(["B-MISC", "O", "B-PER", "I-PER", "I-PER", "B-PER", "B-LOC", "I-LOC"]),
            ["S-MISC", "O", "B-PER", "I-PER", "E-PER", "S-PER", "B-LOC", "E-LOC"])

    def test_tag_set_order(self):
        sentences = [bc.Sentence(["a"], ["S-PER"], 1),
                     bc.Sentence(["b", "c"], ["B-LOC", "E-LOC"], 3)]
        self.assertEqual(bc.tag_set(sentences), ["O", "B-LOC", "I-LOC", "E-LOC", "S-LOC",
                                                 "B-PER", "I-PER", "E-PER", "S-PER"])


def write_file(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


TINY_CONLL = """-DOCSTART- -X- -X- O

EU NNP B-NP I-ORG
rejects VBZ B-VP O
German JJ B-NP I-MISC
call NN I-NP O
. . O O

Peter NNP B-NP I-PER
Blackburn NNP I-NP I-PER

-DOCSTART- -X- -X- O

BRUSSELS NNP B-NP I-LOC
1996-08-22 CD I-NP O
"""


class ReadTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def test_documents_are_not_sentences(self):
        sentences = bc.read_conll(write_file(self.dir.name, "t.txt", TINY_CONLL))
        self.assertEqual([s.tokens for s in sentences],
                         [["EU", "rejects", "German", "call", "."], ["Peter", "Blackburn"],
                          ["BRUSSELS", "1996-08-22"]])
        self.assertEqual([s.tags for s in sentences],
                         [["S-ORG", "O", "S-MISC", "O", "O"], ["B-PER", "E-PER"], ["S-LOC", "O"]])
        self.assertEqual([s.line for s in sentences], [3, 9, 14])

    def test_bad_tag_names_file_and_line(self):
        path = write_file(self.dir.name, "bad.txt", "a NN O\nb NN X-PER\n")
        with self.assertRaises(bc.DataError) as caught:
            bc.read_conll(path)
        message = str(caught.exception)
        self.assertTrue(message.startswith(f"{path}:2: tag 'X-PER'"), message)
        self.assertIn("expected O, B-TYPE or I-TYPE", message)

    def test_one_column_line_is_refused(self):
        path = write_file(self.dir.name, "bad.txt", "a O\n\nlonely\n")
        with self.assertRaisesRegex(bc.DataError, r"bad\.txt:3: line has one column"):
            bc.read_conll(path)

    def test_missing_file(self):
        with self.assertRaisesRegex(bc.DataError, r"nope\.txt: cannot read"):
            bc.read_conll(os.path.join(self.dir.name, "nope.txt"))


class VocabularyTest(unittest.TestCase):
    def test_lookup_exact_then_lowercase_then_unk(self):
        vocab = bc.Vocabulary(["The", "the", "Paris", "paris", "EU", "<unk>"])
        self.assertEqual(vocab.items, ["<pad>", "<unk>", "The", "the", "Paris", "paris", "EU"])
        self.assertEqual(vocab.word_id("The"), 2)
        self.assertEqual(vocab.word_id("THE"), 3)    # lowercase form
        self.assertEqual(vocab.word_id("Eu"), 1)     # "eu" is not in the vocabulary
        self.assertEqual(vocab.word_id("Berlin"), 1)

    def test_alphabet_is_code_points(self):
        alphabet = bc.char_alphabet([bc.Sentence(["Zürich", "ab"], ["O", "O"], 1)])
        self.assertEqual(alphabet.items,
                         ["<pad>", "<unk>", "Z", "ü", "r", "i", "c", "h", "a", "b"])


class ModelTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(3)
        sentences = [bc.Sentence(["Peter", "lives", "in", "Berlin", "."],
                                 ["S-PER", "O", "O", "S-LOC", "O"], 1),
                     bc.Sentence(["New", "York"], ["B-LOC", "E-LOC"], 7)]
        self.sentences = sentences
        self.model = bc.BiLSTMCRF(bc.word_vocabulary(sentences), bc.char_alphabet(sentences),
                                  bc.tag_set(sentences))

    def test_parameter_count(self):
        vocab, chars, tags = 9, 18, 9
        char_lstm = 2 * (4 * 25 * (25 + 25) + 2 * 4 * 25)
        word_lstm = 2 * (4 * 256 * (150 + 256) + 2 * 4 * 256)
        linear = 512 * tags + tags
        crf = tags * tags + 2 * tags
        want = vocab * 100 + chars * 25 + char_lstm + word_lstm + linear + crf
        self.assertEqual((len(self.model.vocab), len(self.model.char_encoder.alphabet),
                          len(self.model.tags)), (vocab, chars, tags))
        self.assertEqual(bc.count_parameters(self.model), want)

    def test_char_vectors_do_not_depend_on_batch_mates(self):
        # Packing must keep padding out of the final states, in the words' order.
        encoder = self.model.char_encoder
        alone = encoder(["in"])
        together = encoder(["Berlin", "in", "Peter"])
        self.assertEqual(tuple(together.shape), (3, 50))
        torch.testing.assert_close(together[1], alone[0])
        torch.testing.assert_close(together[0], encoder(["Berlin"])[0])

    def test_emissions_do_not_depend_on_padding(self):
        self.model.eval()
        with torch.no_grad():
            short = ["New", "York"]
            alone, _ = self.model.emissions([short])
            batched, mask = self.model.emissions([self.sentences[0].tokens, short])
        self.assertEqual(tuple(batched.shape), (2, 5, 9))
        self.assertEqual(mask.tolist(), [[True] * 5, [True, True, False, False, False]])
        torch.testing.assert_close(batched[1, :2], alone[0])

    def test_dropouts(self):
        torch.manual_seed(5)
        x = torch.ones(4, 6, 8)
        words = bc.WordDropout(0.5).train()(x)
        # Whole token vectors are zeroed or kept as they are (no rescaling).
        per_token = words.sum(dim=2)
        self.assertTrue(bool(((per_token == 0) | (per_token == 8)).all()))
        self.assertTrue(bool((per_token == 0).any()) and bool((per_token == 8).any()))
        locked = bc.LockedDropout(0.5).train()(x)
        # One mask per sentence and feature, shared by every time step, scaled by 2.
        self.assertTrue(bool((locked == locked[:, :1, :]).all()))
        self.assertEqual(set(locked.unique().tolist()), {0.0, 2.0})
        self.assertTrue(torch.equal(bc.LockedDropout(0.5).eval()(x), x))

    def test_training_lowers_the_loss_and_decoding_learns_the_tags(self):
        batch = self.sentences
        optimizer = torch.optim.SGD(self.model.parameters(), lr=bc.LEARNING_RATE)
        first = None
        for _ in range(40):
            optimizer.zero_grad()
            loss = self.model.loss(batch)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), bc.CLIP_NORM)
            optimizer.step()
            first = loss.item() if first is None else first
        self.assertLess(loss.item(), first / 4)
        self.model.eval()
        with torch.no_grad():
            self.assertEqual(self.model.decode([s.tokens for s in batch]), [s.tags for s in batch])


class MeasureTest(unittest.TestCase):
    def test_percentile(self):
        values = [5.0, 1.0, 4.0, 2.0, 3.0]
        self.assertEqual(bc.percentile(values, 50), 3.0)
        self.assertAlmostEqual(bc.percentile(values, 90), 4.6)
        self.assertEqual(bc.percentile(values, 100), 5.0)
        self.assertEqual(bc.percentile([7.0], 90), 7.0)

    def test_train_batches_are_consecutive_and_bounded(self):
        sentences = [bc.Sentence([str(i)], ["O"], i) for i in range(10)]
        batches = bc.train_batches(sentences, 3, 3)
        self.assertEqual([[s.tokens[0] for s in b] for b in batches],
                         [["0", "1", "2"], ["3", "4", "5"], ["6", "7", "8"]])
        with self.assertRaisesRegex(bc.DataError, "4 batches of 3 need 12 training sentences"):
            bc.train_batches(sentences, 3, 4)


class CommandTest(unittest.TestCase):
    """The script end to end on a tiny corpus, as the Go driver runs it."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.train = write_file(self.dir.name, "train.txt", TINY_CONLL * 3)
        self.test = write_file(self.dir.name, "test.txt", TINY_CONLL)

    def run_main(self, *flags):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = bc.main(["--train-file", self.train, "--test-file", self.test,
                            "--threads", "1", *flags])
        return code, out.getvalue(), err.getvalue()

    def test_measurements(self):
        code, out, err = self.run_main("--batch", "2", "--warmup", "1", "--train-steps", "3",
                                       "--tag", "--repeats", "2", "--eval-batch", "2", "--rss")
        self.assertEqual(code, 0, err)
        result = json.loads(out)
        self.assertEqual(out.count("\n"), 1)  # one object, one line
        self.assertEqual(result["impl"], "pytorch")
        self.assertEqual(result["torch_version"], torch.__version__)
        self.assertEqual((result["threads"], result["batch"], result["steps"]), (1, 2, 3))
        # ORG, MISC, PER, LOC: 1 + 4 * 4 tags; 9 distinct training words + <pad>, <unk>.
        self.assertEqual((result["num_tags"], result["vocab_size"]), (17, 11))
        self.assertEqual((result["tag_sentences"], result["tag_words"]), (3, 9))
        for key in ("step_ms_median", "step_ms_mean", "step_ms_p90", "forward_ms_median",
                    "backward_ms_median", "train_tokens_per_sec", "tag_words_per_sec",
                    "peak_rss_mb"):
            self.assertGreater(result[key], 0, key)
        self.assertLessEqual(result["forward_ms_median"] + result["backward_ms_median"],
                             result["step_ms_median"] * 1.5)
        self.assertGreater(result["params"], 2 * 4 * 256 * 406)
        self.assertEqual(err.count("(warm-up)"), 1)
        self.assertEqual(err.count("tag pass"), 2)

    def test_unmeasured_keys_are_null(self):
        code, out, _ = self.run_main("--train-steps", "0")
        self.assertEqual(code, 0)
        result = json.loads(out)
        self.assertIsNone(result["step_ms_median"])
        self.assertIsNone(result["tag_words_per_sec"])
        self.assertIsNone(result["peak_rss_mb"])

    def test_dump_config(self):
        code, out, _ = self.run_main("--dump-config")
        self.assertEqual(code, 0)
        config = json.loads(out)
        self.assertEqual((config["word_dim"], config["char_hidden"], config["hidden"]),
                         (100, 25, 256))
        self.assertEqual(config["tags"][:5], ["O", "B-LOC", "I-LOC", "E-LOC", "S-LOC"])
        self.assertEqual(config["parameters"]["lstm.weight_ih_l0"], [1024, 150])
        self.assertEqual(config["params"], sum(
            torch.Size(shape).numel() for shape in config["parameters"].values()))

    def test_too_many_steps_is_a_user_error(self):
        code, out, err = self.run_main("--batch", "2", "--train-steps", "10")
        self.assertEqual((code, out), (2, ""))
        self.assertIn("batches of 2 need", err)


def datasets_dir():
    """The shared datasets, or None (a failure under CI=true)."""
    directory = os.environ.get("NERLAB_DATASETS") or bc.DEFAULT_DATASETS
    if os.path.isdir(os.path.join(directory, "conll03")):
        return directory
    if os.environ.get("CI") == "true":
        raise AssertionError(f"{directory}/conll03 is missing and CI=true")
    return None


class CoNLL03Test(unittest.TestCase):
    def setUp(self):
        self.dir = datasets_dir()
        if self.dir is None:
            self.skipTest("shared datasets not found (set NERLAB_DATASETS); "
                          "skipping the CoNLL-03 checks")

    def test_counts_match_the_manifest(self):
        train = bc.read_conll(os.path.join(self.dir, "conll03", "train.txt"))
        test = bc.read_conll(os.path.join(self.dir, "conll03", "test.txt"))
        self.assertEqual((len(train), sum(len(s.tokens) for s in train)), (14041, 203621))
        self.assertEqual((len(test), sum(len(s.tokens) for s in test)), (3453, 46435))
        tags = bc.tag_set(train)
        self.assertEqual(len(tags), 17)
        # Spans are kept: one S- or B- per entity of the manifest (PER 6600 in train).
        starts = sum(t in ("B-PER", "S-PER") for s in train for t in s.tags)
        ends = sum(t in ("E-PER", "S-PER") for s in train for t in s.tags)
        self.assertEqual((starts, ends), (6600, 6600))
        self.assertEqual(len(bc.word_vocabulary(train)), 23625)


if __name__ == "__main__":
    unittest.main()
