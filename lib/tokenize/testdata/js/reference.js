// Encodes texts with independent tokenizers, for lib/tokenize's agreement
// tests. Usage: node reference.js JOB.json < texts.jsonl > pieces.jsonl
// (one JSON string a line in; one {ids, tokens, offsets} a line out, the
// offsets as byte offsets into the UTF-8 text, [start, end] per piece).
//
// JOB.kind:
//   "wordpiece"  Hugging Face tokenizers (Rust, Node binding): vocab.txt
//                with BertNormalizer + BertPreTokenizer (BertTokenizerFast's
//                pipeline); fields vocab, lowercase, stripAccents, chinese,
//                unk, specials.
//   "bpe"        the same library: vocab.json + merges.txt with the
//                ByteLevel pre-tokenizer (RobertaTokenizerFast's pipeline);
//                fields vocab, merges, addPrefixSpace, cls, sep, specials.
//   "json"       the same library reading a tokenizer.json (file).
//   "js"         tokenizers.js (pure JavaScript) reading a tokenizer.json
//                (file, config): ids and tokens only, it reports no offsets.
"use strict";
const fs = require("fs");

const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const texts = fs.readFileSync(0, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));

// byteOffsets maps the library's character offsets (Unicode scalar values)
// to byte offsets into the UTF-8 text.
function byteOffsets(text, offsets) {
  const at = [0];
  for (const ch of text) at.push(at[at.length - 1] + Buffer.byteLength(ch, "utf8"));
  return offsets.map(([s, e]) => [at[s], at[e]]);
}

async function rust() {
  const tk = require("tokenizers");
  let t;
  if (job.kind === "json") {
    t = tk.Tokenizer.fromFile(job.file);
  } else if (job.kind === "wordpiece") {
    t = new tk.Tokenizer(await tk.WordPiece.fromFile(job.vocab, { unkToken: job.unk }));
    t.setNormalizer(tk.bertNormalizer({ cleanText: true, handleChineseChars: job.chinese, stripAccents: job.stripAccents, lowercase: job.lowercase }));
    t.setPreTokenizer(tk.bertPreTokenizer());
  } else if (job.kind === "bpe") {
    t = new tk.Tokenizer(await tk.BPE.fromFile(job.vocab, job.merges, {}));
    t.setPreTokenizer(tk.byteLevelPreTokenizer(job.addPrefixSpace, true));
    // RobertaTokenizerFast's post-processor, whose trim_offsets takes the
    // spaces out of the pieces' offsets.
    t.setPostProcessor(tk.robertaProcessing(["</s>", job.sep], ["<s>", job.cls], true, job.addPrefixSpace));
  } else {
    throw new Error("unknown job kind " + job.kind);
  }
  // Special tokens: a string, or {content, lstrip, rstrip} (RoBERTa's
  // <mask> takes the space before it).
  if (job.specials && job.specials.length) {
    t.addAddedTokens(job.specials.map((s) => (typeof s === "string" ? new tk.AddedToken(s, true) : new tk.AddedToken(s.content, true, { leftStrip: !!s.lstrip, rightStrip: !!s.rstrip }))));
  }
  const out = [];
  for (let i = 0; i < texts.length; i += 1000) {
    const chunk = texts.slice(i, i + 1000);
    const encs = await t.encodeBatch(chunk, { addSpecialTokens: false });
    encs.forEach((e, k) => {
      out.push(JSON.stringify({ ids: e.getIds(), tokens: e.getTokens(), offsets: byteOffsets(chunk[k], e.getOffsets()) }));
    });
  }
  process.stdout.write(out.join("\n") + "\n");
}

async function js() {
  const { Tokenizer } = await import("@huggingface/tokenizers");
  const config = job.config && fs.existsSync(job.config) ? JSON.parse(fs.readFileSync(job.config, "utf8")) : {};
  const t = new Tokenizer(JSON.parse(fs.readFileSync(job.file, "utf8")), config);
  const out = texts.map((text) => {
    const e = t.encode(text, { add_special_tokens: false });
    return JSON.stringify({ ids: e.ids, tokens: e.tokens });
  });
  process.stdout.write(out.join("\n") + "\n");
}

(job.kind === "js" ? js() : rust()).catch((e) => {
  console.error(String(e && e.stack ? e.stack : e));
  process.exit(1);
});
