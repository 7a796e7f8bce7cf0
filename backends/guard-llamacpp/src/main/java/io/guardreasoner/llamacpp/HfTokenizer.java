package io.guardreasoner.llamacpp;

import io.guardreasoner.llamacpp.GgufConverter.ConversionException;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A Llama-3 byte-level BPE {@code tokenizer.json} as GGUF stores it ({@code tokenizer.ggml.model = gpt2},
 * {@code tokenizer.ggml.pre = llama-bpe}): the token strings by id, their types, the merges and the special ids,
 * following convert_hf_to_gguf.py's {@code get_vocab_base} and gguf-py's {@code SpecialVocab}.
 */
record HfTokenizer(List<String> tokens, int[] tokenTypes, List<String> merges, int bosId, int eosId,
                          OptionalInt eotId, OptionalInt eomId, boolean addBos, String chatTemplate) {

    /** The Split regex of Llama-3's tokenizer.json; llama.cpp's {@code llama-bpe} pre-tokenizer is this regex. */
    public static final String LLAMA3_SPLIT_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** llama_token_type values. */
    public static final int NORMAL = 1;
    public static final int CONTROL = 3;
    public static final int USER_DEFINED = 4;
    public static final int UNUSED = 5;

    public static HfTokenizer read(Path dir, int vocabSize) {
        Path file = dir.resolve("tokenizer.json");
        JsonNode root = Json.read(file);
        JsonNode model = root.path("model");
        if (!model.path("type").asText("BPE").equals("BPE") || !model.path("vocab").isObject()) {
            throw new ConversionException(file + " is not a byte-level BPE tokenizer (model.type "
                    + model.path("type").asText("?") + "); GgufConverter converts Llama-3 tokenizers");
        }
        if (!usesLlama3PreTokenizer(root.path("pre_tokenizer"))) {
            throw new ConversionException(file + " does not use Llama-3's pre-tokenizer (a Split on Llama-3's regex, "
                    + "then ByteLevel); llama.cpp would split its text differently. GgufConverter converts Llama-3 "
                    + "tokenizers only; use convert_hf_to_gguf.py for others");
        }
        String[] byId = new String[vocabSize];
        int[] types = new int[vocabSize];
        Map<String, Integer> ids = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = model.get("vocab").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id = e.getValue().asInt();
            checkId(file, e.getKey(), id, vocabSize);
            byId[id] = e.getKey();
            types[id] = NORMAL;
            ids.put(e.getKey(), id);
        }
        for (JsonNode t : root.path("added_tokens")) {
            int id = t.path("id").asInt(-1);
            String content = t.path("content").asText();
            checkId(file, content, id, vocabSize);
            byId[id] = content;
            boolean special = t.path("special").asBoolean(false) || looksSpecial(content);
            types[id] = special ? CONTROL : USER_DEFINED;
            ids.put(content, id);
        }
        List<String> tokens = new ArrayList<>(vocabSize);
        for (int i = 0; i < vocabSize; i++) {
            if (byId[i] == null) {
                tokens.add("[PAD" + i + "]");
                types[i] = UNUSED;
            } else {
                tokens.add(byId[i]);
            }
        }
        List<String> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            merges.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
        }
        if (merges.isEmpty()) throw new ConversionException(file + " has no BPE merges; it is not a Llama-3 tokenizer");

        JsonNode tokenizerConfig = Files.isRegularFile(dir.resolve("tokenizer_config.json"))
                ? Json.read(dir.resolve("tokenizer_config.json")) : Json.MAPPER.createObjectNode();
        JsonNode config = Json.read(dir.resolve("config.json"));
        int bos = specialId(tokenizerConfig.path("bos_token"), config.path("bos_token_id"), ids, "<|begin_of_text|>");
        int eos = specialId(tokenizerConfig.path("eos_token"), config.path("eos_token_id"), ids, "<|end_of_text|>");
        if (bos < 0 || eos < 0) {
            throw new ConversionException(file + " and tokenizer_config.json/config.json name no "
                    + (bos < 0 ? "beginning" : "end") + "-of-text token; a Llama-3 tokenizer has <|begin_of_text|> and <|end_of_text|>");
        }
        boolean addBos = tokenizerConfig.has("add_bos_token")
                ? tokenizerConfig.get("add_bos_token").asBoolean()
                : postProcessorAddsBos(root.path("post_processor"));
        return new HfTokenizer(List.copyOf(tokens), types, List.copyOf(merges), bos, eos, idOf(ids, "<|eot_id|>"),
                idOf(ids, "<|eom_id|>"), addBos, tokenizerConfig.path("chat_template").isTextual()
                        ? tokenizerConfig.get("chat_template").asText() : null);
    }

    private static void checkId(Path file, String token, int id, int vocabSize) {
        if (id < 0 || id >= vocabSize) {
            throw new ConversionException(file + ": token " + token + " has id " + id + ", outside config.json's "
                    + "vocab_size " + vocabSize + "; tokenizer.json and config.json do not belong together");
        }
    }

    /** convert_hf_to_gguf.py's {@code does_token_look_special}, for the patterns a Llama tokenizer can hold. */
    static boolean looksSpecial(String token) {
        return (token.startsWith("<|") && token.endsWith("|>")) || token.equals("<pad>") || token.equals("<mask>");
    }

    static boolean usesLlama3PreTokenizer(JsonNode pre) {
        if (pre.path("type").asText().equals("Sequence")) {
            boolean split = false;
            boolean byteLevel = false;
            for (JsonNode p : pre.path("pretokenizers")) {
                String type = p.path("type").asText();
                if (type.equals("Split") && LLAMA3_SPLIT_REGEX.equals(p.path("pattern").path("Regex").asText())) split = true;
                if (type.equals("ByteLevel") && !p.path("use_regex").asBoolean(true)) byteLevel = true;
            }
            return split && byteLevel;
        }
        return false;
    }

    private static boolean postProcessorAddsBos(JsonNode post) {
        JsonNode processors = post.path("type").asText().equals("Sequence") ? post.path("processors") : null;
        if (processors != null) {
            for (JsonNode p : processors) if (postProcessorAddsBos(p)) return true;
            return false;
        }
        JsonNode first = post.path("single").path(0);
        return first.has("SpecialToken");
    }

    private static int specialId(JsonNode tokenizerConfigValue, JsonNode configId, Map<String, Integer> ids, String fallback) {
        String text = tokenizerConfigValue.isTextual() ? tokenizerConfigValue.asText()
                : tokenizerConfigValue.path("content").asText(null);
        if (text != null && ids.containsKey(text)) return ids.get(text);
        if (configId.canConvertToInt()) return configId.asInt(); // a list (several EOS ids) is skipped, as gguf-py does
        return ids.getOrDefault(fallback, -1);
    }

    private static OptionalInt idOf(Map<String, Integer> ids, String token) {
        Integer id = ids.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HfTokenizer t && tokens.equals(t.tokens) && Arrays.equals(tokenTypes, t.tokenTypes)
                && merges.equals(t.merges) && bosId == t.bosId && eosId == t.eosId;
    }

    @Override
    public int hashCode() {
        return tokens.hashCode();
    }

    @Override
    public String toString() {
        return "HfTokenizer[" + tokens.size() + " tokens, " + merges.size() + " merges, bos " + bosId + ", eos " + eosId + "]";
    }
}
