package io.guardreasoner.jlama;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** A tiny Llama-3-style tokenizer.json with known merges, for tests of the tokenizer's mechanics. */
final class TinyLlama3TokenizerJson {

    private TinyLlama3TokenizerJson() {
    }

    /**
     * A Llama-3-style tokenizer.json over {@code vocab} ids: the 256 byte-level symbols, merges of the commonest English
     * pairs up to {@code vocab - 3}, and {@code <|begin_of_text|>}, {@code <|end_of_text|>}, {@code <|eot_id|>} last.
     */
    static String of(int vocab) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        String[] specials = {"<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"};
        for (int i = 0; i < specials.length; i++) {
            added.addObject().put("id", vocab - 3 + i).put("content", specials[i]).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
        ArrayNode items = pre.putArray("pretokenizers");
        ObjectNode split = items.addObject().put("type", "Split");
        split.putObject("pattern").put("Regex", Llama3Tokenizer.LLAMA3_SPLIT_REGEX);
        split.put("behavior", "Isolated").put("invert", false);
        items.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", false);
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);

        ObjectNode model = root.putObject("model").put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", true);
        ObjectNode vocabNode = model.putObject("vocab");
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) ids.put(String.valueOf(Llama3Tokenizer.ByteLevel.BYTE_TO_CHAR[b]), b);
        ArrayNode merges = model.putArray("merges");
        String[][] pairs = {
                {"Ġ", "t"}, {"h", "e"}, {"i", "n"}, {"Ġt", "he"}, {"e", "r"}, {"o", "n"}, {"Ġ", "a"}, {"r", "e"},
                {"a", "t"}, {"s", "t"}, {"e", "n"}, {"o", "r"}, {"Ġ", "s"}, {"Ġ", "w"}, {"in", "g"}, {"Ġ", "c"},
                {"Ġ", "Ġ"}, {"ĠĠ", "ĠĠ"}, {"Ġ", "b"}, {"a", "n"}, {"Ġ", "o"}, {"o", "u"}, {"Ġ", "f"}, {"Ġ", "h"}};
        for (String[] p : pairs) {
            if (ids.size() >= vocab - 3) break;
            ids.putIfAbsent(p[0] + p[1], ids.size());
            merges.addArray().add(p[0]).add(p[1]);
        }
        ids.forEach(vocabNode::put);
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

}
