// Makes src/test/resources/text/llama2-crosscheck.jsonl: random texts (seeded) tokenised by
// Tokenizers.js (@huggingface/tokenizers 0.2.0, an implementation independent of ours) with the
// LLaMA-2 fixture vocabulary in two layouts, both with LLaVA's <image> = 32000 and <pad> = 32001
// added as special tokens:
//   llava:     the fixture's legacy layout (Prepend + Replace normalizer);
//   metaspace: normalizer null, pre_tokenizer Metaspace(prepend_scheme "first", split false),
//              merges as [a, b] pairs (the layout of newer LLaMA-family files).
// (Tokenizers.js ignores Metaspace's `split`, so split true is not cross-checked here.)
// Run: npm install @huggingface/tokenizers@0.2.0 && node tools/tokenizer-crosscheck.mjs
import { Tokenizer } from "@huggingface/tokenizers";
import fs from "fs";

const dir = "src/test/resources/fixtures/llama2-tokenizer/";
const base = JSON.parse(fs.readFileSync(dir + "tokenizer.json", "utf8"));
const config = JSON.parse(fs.readFileSync(dir + "tokenizer_config.json", "utf8"));

let seed = 12345;
const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
const atoms = ["the", " ", "  ", "   ", "cat", "Hello", ",", ".", "!", "\n", "\n\n", "\t", "2024", "3.14", "é", "ñ",
  "ü", "日本", "語", "中文", "한국어", "Привет", "🙂", "🦙", "👍🏽", "🇺🇸", "∑", "\u200b", "<s>", "</s>", "<unk>",
  "<image>", "<pad>", "<", ">", "image", "▁", "_", "'s", "don't", "ASSISTANT:", "USER:", "x", "qz", "\u0000",
  "\r\n", "𝔘", "ꙮ", "\u0301", "abc", "grabbed", "####"];
const texts = [];
for (let i = 0; i < 300; i++) {
  let s = "";
  for (let k = 1 + Math.floor(rnd() * 14); k > 0; k--) s += atoms[Math.floor(rnd() * atoms.length)];
  texts.push(s);
}

const llava = structuredClone(base);
for (const [id, content] of [[32000, "<image>"], [32001, "<pad>"]])
  llava.added_tokens.push({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
const metaspace = structuredClone(llava);
metaspace.normalizer = null;
metaspace.pre_tokenizer = { type: "Metaspace", replacement: "\u2581", prepend_scheme: "first", split: false };
metaspace.model.merges = metaspace.model.merges.map(m => m.split(" "));

const tokenizers = { llava: new Tokenizer(llava, config), metaspace: new Tokenizer(metaspace, { ...config, legacy: false }) };
const lines = texts.map(text => {
  const row = { text };
  for (const [name, t] of Object.entries(tokenizers)) {
    const ids = t.encode(text).ids;
    row[name] = { ids, decoded: t.decode(ids, { skip_special_tokens: true }), decoded_with_special: t.decode(ids, { skip_special_tokens: false }) };
  }
  return JSON.stringify(row);
});
fs.mkdirSync("src/test/resources/text", { recursive: true });
fs.writeFileSync("src/test/resources/text/llama2-crosscheck.jsonl", lines.join("\n") + "\n");
console.log(lines.length + " texts");
