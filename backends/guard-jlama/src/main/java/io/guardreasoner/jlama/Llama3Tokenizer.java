package io.guardreasoner.jlama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guardreasoner.core.internal.Llama3Pretokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Llama-3 tokenizer, with the semantics of a Hugging Face {@code tokenizer.json}: special tokens matched verbatim
 * (or, for untrusted text, not at all: {@link #encodePlainText}), the Llama-3 pre-tokenizer regex, byte-level mapping,
 * BPE merges by rank (with {@code ignore_merges}), and one {@code <|begin_of_text|>} in front when asked.
 *
 * <p>Instances are immutable and thread-safe; words seen before are served from a bounded cache, so encoding is linear
 * in the text length. Decoding is byte-level: {@link #decode(int[])} turns ids back into the exact text, and a
 * {@link StreamDecoder} does the same token by token, holding back a UTF-8 character split across tokens.
 */
final class Llama3Tokenizer {

    /** The Split regex of Llama-3's {@code tokenizer.json}, as it appears there. */
    static final String LLAMA3_SPLIT_REGEX = Llama3Pretokenizer.SPLIT_REGEX;

    /**
     * The same regex for java.util.regex. UNICODE_CHARACTER_CLASS makes {@code \s} the Unicode White_Space property and
     * {@code (?i)} Unicode-aware, as in Oniguruma (Hugging Face) and tiktoken, the tokenizer Llama-3 was trained with.
     */
    private static final Pattern SPLIT = Pattern.compile(LLAMA3_SPLIT_REGEX, Pattern.UNICODE_CHARACTER_CLASS);

    private static final String BEGIN_OF_TEXT = "<|begin_of_text|>";
    private static final int MAX_CACHED_WORD_CHARS = 256;
    private static final int MAX_CACHE_ENTRIES = 200_000;

    private final Map<String, Integer> vocab;
    private final byte[][] tokenBytes;
    private final String[] tokenStrings;
    private final boolean[] special;
    private final int[] byteToken = new int[256];
    private final MergeTable merges;
    private final boolean ignoreMerges;
    private final AddedTokenTrie addedTokens;
    /** The added tokens that are not special: the only ones matched in text read as plain text. */
    private final AddedTokenTrie plainAddedTokens;
    private final int beginOfTextId;
    private final ConcurrentHashMap<String, int[]> wordCache = new ConcurrentHashMap<>();

    private Llama3Tokenizer(JsonNode root, String source) {
        requireLlama3Layout(root, source);
        JsonNode model = root.get("model");
        this.ignoreMerges = model.path("ignore_merges").asBoolean(false);

        JsonNode vocabNode = model.get("vocab");
        Map<String, Integer> v = new HashMap<>(vocabNode.size() * 2);
        int maxId = -1;
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
            int id = e.getValue().asInt();
            v.put(e.getKey(), id);
            maxId = Math.max(maxId, id);
        }
        JsonNode added = root.path("added_tokens");
        for (JsonNode t : added) maxId = Math.max(maxId, t.get("id").asInt());

        this.tokenBytes = new byte[maxId + 1][];
        this.tokenStrings = new String[maxId + 1];
        this.special = new boolean[maxId + 1];
        for (Map.Entry<String, Integer> e : v.entrySet()) {
            tokenStrings[e.getValue()] = e.getKey();
            tokenBytes[e.getValue()] = ByteLevel.toBytes(e.getKey(), source);
        }
        for (int b = 0; b < 256; b++) {
            Integer id = v.get(String.valueOf(ByteLevel.BYTE_TO_CHAR[b]));
            if (id == null) {
                throw new IllegalArgumentException(source + ": the vocabulary lacks the byte-level token for byte " + b
                        + ", so it is not a byte-level BPE tokenizer.json");
            }
            byteToken[b] = id;
        }

        this.addedTokens = new AddedTokenTrie();
        this.plainAddedTokens = new AddedTokenTrie();
        for (JsonNode t : added) {
            String content = t.get("content").asText();
            int id = t.get("id").asInt();
            if (t.path("lstrip").asBoolean(false) || t.path("rstrip").asBoolean(false)
                    || t.path("single_word").asBoolean(false)) {
                throw new IllegalArgumentException(source + ": added token " + content
                        + " uses lstrip/rstrip/single_word, which this tokenizer does not implement");
            }
            addedTokens.add(content, id);
            tokenStrings[id] = content;
            tokenBytes[id] = content.getBytes(StandardCharsets.UTF_8);
            special[id] = t.path("special").asBoolean(false);
            if (!special[id]) plainAddedTokens.add(content, id);
        }
        this.vocab = v;

        JsonNode mergesNode = model.get("merges");
        this.merges = new MergeTable(mergesNode.size());
        int rank = 0;
        for (JsonNode m : mergesNode) {
            String left;
            String right;
            if (m.isArray()) {
                left = m.get(0).asText();
                right = m.get(1).asText();
            } else {
                String s = m.asText();
                int space = s.indexOf(' ', 1);
                if (space < 0) throw new IllegalArgumentException(source + ": malformed merge '" + s + "'");
                left = s.substring(0, space);
                right = s.substring(space + 1);
            }
            Integer l = v.get(left);
            Integer r = v.get(right);
            Integer merged = v.get(left + right);
            if (l == null || r == null || merged == null) {
                throw new IllegalArgumentException(source + ": merge #" + rank + " '" + left + " " + right
                        + "' refers to a token missing from the vocabulary");
            }
            merges.put(l, r, rank, merged);
            rank++;
        }

        Integer bot = addedTokens.exact(BEGIN_OF_TEXT);
        if (bot == null) throw new IllegalArgumentException(source + ": no " + BEGIN_OF_TEXT + " token");
        this.beginOfTextId = bot;
    }

    /**
     * Loads the tokenizer from a model directory (its {@code tokenizer.json}) or from a {@code tokenizer.json} file.
     *
     * @throws IllegalArgumentException when the file is missing or is not a Llama-3 style tokenizer.json
     * @throws UncheckedIOException when the file cannot be read
     */
    public static Llama3Tokenizer load(Path modelDirOrFile) {
        Objects.requireNonNull(modelDirOrFile, "modelDirOrFile");
        Path file = Files.isDirectory(modelDirOrFile) ? modelDirOrFile.resolve("tokenizer.json") : modelDirOrFile;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("No tokenizer.json at " + file
                    + "; a Llama-3 model directory must hold the tokenizer.json of its Hugging Face repository");
        }
        try {
            return new Llama3Tokenizer(new ObjectMapper().readTree(file.toFile()), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void requireLlama3Layout(JsonNode root, String source) {
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText())) {
            throw new IllegalArgumentException(source + ": model.type is '" + model.path("type").asText()
                    + "', expected 'BPE' for a Llama-3 tokenizer");
        }
        if (model.path("byte_fallback").asBoolean(false)
                || !model.path("continuing_subword_prefix").isNull() && !model.path("continuing_subword_prefix").isMissingNode()
                || !model.path("end_of_word_suffix").isNull() && !model.path("end_of_word_suffix").isMissingNode()) {
            throw new IllegalArgumentException(source + ": byte_fallback, continuing_subword_prefix and end_of_word_suffix "
                    + "must be unset in a Llama-3 tokenizer");
        }
        if (!root.path("normalizer").isNull() && !root.path("normalizer").isMissingNode()) {
            throw new IllegalArgumentException(source + ": has a normalizer; Llama-3 tokenizers have none");
        }
        JsonNode pre = root.path("pre_tokenizer");
        JsonNode items = pre.path("pretokenizers");
        boolean ok = "Sequence".equals(pre.path("type").asText()) && items.size() == 2
                && "Split".equals(items.get(0).path("type").asText())
                && LLAMA3_SPLIT_REGEX.equals(items.get(0).path("pattern").path("Regex").asText())
                && "Isolated".equals(items.get(0).path("behavior").asText())
                && !items.get(0).path("invert").asBoolean(false)
                && "ByteLevel".equals(items.get(1).path("type").asText())
                && !items.get(1).path("add_prefix_space").asBoolean(false)
                && !items.get(1).path("use_regex").asBoolean(true);
        if (!ok) {
            throw new IllegalArgumentException(source + ": the pre_tokenizer is not Llama-3's (Split on the Llama-3 regex, "
                    + "then ByteLevel without prefix space or regex); found " + pre);
        }
    }

    /** The id of {@code <|begin_of_text|>}. */
    public int beginOfTextId() {
        return beginOfTextId;
    }

    /** One more than the largest token id, added tokens included. */
    public int vocabularySize() {
        return tokenBytes.length;
    }

    /** The id of a vocabulary entry (byte-level form, e.g. {@code "Ġthe"}) or of an added token, if there is one. */
    public OptionalInt tokenId(String token) {
        Integer id = addedTokens.exact(token);
        if (id == null) id = vocab.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The vocabulary entry of an id: the byte-level form for ordinary tokens, the content for added tokens. */
    public String tokenString(int id) {
        checkId(id);
        return tokenStrings[id];
    }

    /** Whether the id is a special token such as {@code <|eot_id|>}. */
    public boolean isSpecial(int id) {
        checkId(id);
        return special[id];
    }

    /** The ids of all special tokens, ascending. */
    public int[] specialTokenIds() {
        return java.util.stream.IntStream.range(0, special.length).filter(id -> special[id]).toArray();
    }

    /** The token ids of a text, without {@code <|begin_of_text|>}; special tokens in the text are matched verbatim. */
    public int[] encode(String text) {
        return encode(text, false);
    }

    /**
     * The token ids of a text. With {@code addBeginOfText}, the ids start with exactly one {@code <|begin_of_text|>}:
     * one is prepended unless the text already starts with it. Special tokens in the text are matched verbatim.
     */
    public int[] encode(String text, boolean addBeginOfText) {
        int[] ids = encode(text, addedTokens);
        if (!addBeginOfText || ids.length > 0 && ids[0] == beginOfTextId) return ids;
        return prepend(beginOfTextId, ids);
    }

    /**
     * The token ids of a text read as plain text, without {@code <|begin_of_text|>}: a special token's string, such as
     * {@code <|eot_id|>}, is ordinary characters here (Hugging Face's {@code split_special_tokens=True}), so no text
     * can produce a special id. Use it for anything a user or a model wrote; add special ids as ids.
     */
    public int[] encodePlainText(String text) {
        return encode(text, plainAddedTokens);
    }

    private int[] encode(String text, AddedTokenTrie matched) {
        Objects.requireNonNull(text, "text");
        IntList out = new IntList(Math.max(16, text.length() / 3));
        int start = 0;
        int n = text.length();
        for (int i = 0; i < n; ) {
            long match = matched.longestMatch(text, i);
            if (match < 0) {
                i++;
                continue;
            }
            encodeOrdinary(text, start, i, out);
            out.add((int) (match >>> 32));
            i += (int) match;
            start = i;
        }
        encodeOrdinary(text, start, n, out);
        return out.toArray();
    }

    private static int[] prepend(int first, int[] rest) {
        int[] ids = new int[rest.length + 1];
        ids[0] = first;
        System.arraycopy(rest, 0, ids, 1, rest.length);
        return ids;
    }

    private void encodeOrdinary(String text, int from, int to, IntList out) {
        if (from >= to) return;
        Matcher m = SPLIT.matcher(text).region(from, to);
        // Split with "Isolated" behaviour: matches and the gaps between them are both pieces.
        int last = from;
        while (m.find()) {
            if (m.start() > last) encodeWord(text.substring(last, m.start()), out);
            if (m.end() > m.start()) encodeWord(text.substring(m.start(), m.end()), out);
            last = m.end();
        }
        if (last < to) encodeWord(text.substring(last, to), out);
    }

    private void encodeWord(String word, IntList out) {
        int[] cached = wordCache.get(word);
        if (cached == null) {
            cached = bpe(word);
            if (word.length() <= MAX_CACHED_WORD_CHARS && wordCache.size() < MAX_CACHE_ENTRIES) {
                wordCache.put(word, cached);
            }
        }
        out.addAll(cached);
    }

    /** Byte-level BPE of one pre-tokenized piece, merging the lowest-ranked pair first (leftmost on ties). */
    private int[] bpe(String word) {
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        if (ignoreMerges) {
            Integer whole = vocab.get(ByteLevel.toChars(bytes));
            if (whole != null) return new int[] {whole};
        }
        int n = bytes.length;
        int[] sym = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] gone = new boolean[n];
        for (int i = 0; i < n; i++) {
            sym[i] = byteToken[bytes[i] & 0xFF];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            long m = merges.get(sym[i], sym[i + 1]);
            if (m != MergeTable.NONE) heap.push((m & 0xFFFF_FFFF_0000_0000L) | i);
        }
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int pos = (int) top;
            long rank = top >>> 32;
            if (gone[pos] || next[pos] < 0) continue;
            int right = next[pos];
            long m = merges.get(sym[pos], sym[right]);
            // A stale entry: this pair changed since it was queued.
            if (m == MergeTable.NONE || (m >>> 32) != rank) continue;
            sym[pos] = (int) m;
            gone[right] = true;
            next[pos] = next[right];
            if (next[pos] >= 0) prev[next[pos]] = pos;
            if (prev[pos] >= 0) {
                long left = merges.get(sym[prev[pos]], sym[pos]);
                if (left != MergeTable.NONE) heap.push((left & 0xFFFF_FFFF_0000_0000L) | prev[pos]);
            }
            if (next[pos] >= 0) {
                long after = merges.get(sym[pos], sym[next[pos]]);
                if (after != MergeTable.NONE) heap.push((after & 0xFFFF_FFFF_0000_0000L) | pos);
            }
        }
        IntList ids = new IntList(n);
        for (int i = 0; i >= 0 && i < n; i = next[i]) ids.add(sym[i]);
        return ids.toArray();
    }

    /** The text of the ids, special tokens included. Bytes that are not valid UTF-8 become U+FFFD. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /** The text of the ids, optionally without special tokens. Bytes that are not valid UTF-8 become U+FFFD. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            checkId(id);
            if (skipSpecialTokens && special[id]) continue;
            bytes.writeBytes(tokenBytes[id]);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The raw bytes a token stands for (a copy). */
    public byte[] tokenBytes(int id) {
        checkId(id);
        return tokenBytes[id].clone();
    }

    /** A decoder for one generation, fed one token at a time. */
    public StreamDecoder streamDecoder(boolean skipSpecialTokens) {
        return new StreamDecoder(skipSpecialTokens);
    }

    /**
     * A decoder that goes on where another stopped: {@code held} is what that one {@link StreamDecoder#held() held
     * back}, the first bytes of a character whose other bytes come with the next tokens.
     */
    public StreamDecoder streamDecoder(boolean skipSpecialTokens, byte[] held) {
        StreamDecoder decoder = new StreamDecoder(skipSpecialTokens);
        decoder.hold(held);
        return decoder;
    }

    private void checkId(int id) {
        if (id < 0 || id >= tokenBytes.length || tokenBytes[id] == null) {
            throw new IllegalArgumentException("Token id " + id + " is not in the vocabulary (0.." + (tokenBytes.length - 1) + ")");
        }
    }

    /**
     * Decodes a token stream piece by piece: {@link #next(int)} returns the text completed by each token and keeps the
     * first bytes of a character split across tokens until the rest arrives. The concatenation of all returned pieces
     * plus {@link #flush()} equals {@link #decode(int[], boolean)} of the whole stream. Not thread-safe.
     */
    public final class StreamDecoder {
        private final boolean skipSpecialTokens;
        private byte[] pending = new byte[16];
        private int pendingLength;

        private StreamDecoder(boolean skipSpecialTokens) {
            this.skipSpecialTokens = skipSpecialTokens;
        }

        /** The text this token completes; empty while a character is still incomplete. */
        public String next(int id) {
            checkId(id);
            if (special[id]) {
                if (skipSpecialTokens) return "";
                return flush() + tokenStrings[id];
            }
            hold(tokenBytes[id]);
            int complete = completePrefix(pending, pendingLength);
            if (complete == 0) return "";
            String s = new String(pending, 0, complete, StandardCharsets.UTF_8);
            System.arraycopy(pending, complete, pending, 0, pendingLength - complete);
            pendingLength -= complete;
            return s;
        }

        /** The text {@link #next(int)} would return for this token, without taking it. */
        public String peek(int id) {
            checkId(id);
            if (special[id]) return skipSpecialTokens ? "" : new String(pending, 0, pendingLength, StandardCharsets.UTF_8)
                    + tokenStrings[id];
            byte[] b = tokenBytes[id];
            byte[] all = Arrays.copyOf(pending, pendingLength + b.length);
            System.arraycopy(b, 0, all, pendingLength, b.length);
            return new String(all, 0, completePrefix(all, all.length), StandardCharsets.UTF_8);
        }

        /** The bytes held back so far: the start of a character whose other bytes have not arrived (a copy). */
        public byte[] held() {
            return Arrays.copyOf(pending, pendingLength);
        }

        private void hold(byte[] b) {
            if (pendingLength + b.length > pending.length) {
                pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + b.length));
            }
            System.arraycopy(b, 0, pending, pendingLength, b.length);
            pendingLength += b.length;
        }

        /** Whatever is held back (an incomplete character, as U+FFFD), and resets the decoder. */
        public String flush() {
            String s = pendingLength == 0 ? "" : new String(pending, 0, pendingLength, StandardCharsets.UTF_8);
            pendingLength = 0;
            return s;
        }

        /** Forgets any held-back bytes. */
        public void reset() {
            pendingLength = 0;
        }

        /** Length of the prefix that does not end inside a UTF-8 sequence that later bytes could still complete. */
        private static int completePrefix(byte[] b, int n) {
            int i = n - 1;
            int continuation = 0;
            while (i >= 0 && continuation < 3 && (b[i] & 0xC0) == 0x80) {
                i--;
                continuation++;
            }
            if (i < 0) return n;
            int lead = b[i] & 0xFF;
            int need;
            if (lead >= 0xC2 && lead <= 0xDF) need = 2;
            else if (lead >= 0xE0 && lead <= 0xEF) need = 3;
            else if (lead >= 0xF0 && lead <= 0xF4) need = 4;
            else need = 1; // ASCII, or a byte no later byte can complete
            return continuation + 1 < need ? i : n;
        }
    }

    /** GPT-2's reversible byte ↔ printable character mapping. */
    static final class ByteLevel {
        static final char[] BYTE_TO_CHAR = new char[256];
        private static final int[] CHAR_TO_BYTE = new int[324];

        static {
            Arrays.fill(CHAR_TO_BYTE, -1);
            int extra = 0;
            for (int b = 0; b < 256; b++) {
                boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
                char c = printable ? (char) b : (char) (256 + extra++);
                BYTE_TO_CHAR[b] = c;
                CHAR_TO_BYTE[c] = b;
            }
        }

        static String toChars(byte[] bytes) {
            char[] chars = new char[bytes.length];
            for (int i = 0; i < bytes.length; i++) chars[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
            return new String(chars);
        }

        static byte[] toBytes(String token, String source) {
            byte[] out = new byte[token.length()];
            for (int i = 0; i < token.length(); i++) {
                char c = token.charAt(i);
                int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
                if (b < 0) {
                    throw new IllegalArgumentException(source + ": vocabulary entry '" + token
                            + "' has a character outside the byte-level alphabet");
                }
                out[i] = (byte) b;
            }
            return out;
        }
    }

    /** (left id, right id) → (rank, merged id), open addressing over two long arrays. */
    static final class MergeTable {
        static final long NONE = -1L;
        private final long[] keys;
        private final long[] values;
        private final int mask;

        MergeTable(int expected) {
            int capacity = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
            keys = new long[capacity];
            values = new long[capacity];
            Arrays.fill(keys, -1L);
            mask = capacity - 1;
        }

        private static long key(int left, int right) {
            return ((long) left << 32) | (right & 0xFFFF_FFFFL);
        }

        private int slot(long key) {
            long h = key * 0x9E37_79B9_7F4A_7C15L;
            return (int) (h ^ (h >>> 29)) & mask;
        }

        void put(int left, int right, int rank, int merged) {
            long k = key(left, right);
            int s = slot(k);
            while (keys[s] != -1L && keys[s] != k) s = (s + 1) & mask;
            if (keys[s] == k) return; // HF keeps the first (lowest) rank of a duplicated merge
            keys[s] = k;
            values[s] = ((long) rank << 32) | (merged & 0xFFFF_FFFFL);
        }

        long get(int left, int right) {
            long k = key(left, right);
            int s = slot(k);
            while (true) {
                long found = keys[s];
                if (found == k) return values[s];
                if (found == -1L) return NONE;
                s = (s + 1) & mask;
            }
        }
    }

    /** Added tokens as a character trie, for leftmost-longest verbatim matching. */
    private static final class AddedTokenTrie {
        private final Node root = new Node();
        private final Map<String, Integer> exact = new HashMap<>();

        private static final class Node {
            final Map<Character, Node> children = new HashMap<>(4);
            int id = -1;
        }

        void add(String content, int id) {
            if (content.isEmpty()) return;
            Node node = root;
            for (int i = 0; i < content.length(); i++) {
                node = node.children.computeIfAbsent(content.charAt(i), c -> new Node());
            }
            node.id = id;
            exact.put(content, id);
        }

        Integer exact(String content) {
            return exact.get(content);
        }

        /** (id << 32 | length) of the longest added token starting at {@code from}, or -1. */
        long longestMatch(String text, int from) {
            Node node = root.children.get(text.charAt(from));
            long best = -1;
            int i = from;
            while (node != null) {
                i++;
                if (node.id >= 0) best = ((long) node.id << 32) | (i - from);
                if (i >= text.length()) break;
                node = node.children.get(text.charAt(i));
            }
            return best;
        }
    }

    /** A min-heap of longs. */
    private static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(long v) {
            if (size == a.length) a = Arrays.copyOf(a, size * 2);
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (a[parent] <= v) break;
                a[i] = a[parent];
                i = parent;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) break;
                if (child + 1 < size && a[child + 1] < a[child]) child++;
                if (a[child] >= last) break;
                a[i] = a[child];
                i = child;
            }
            a[i] = last;
            return top;
        }
    }

    /** A growable int array. */
    private static final class IntList {
        int[] data;
        int size;

        IntList(int capacity) {
            data = new int[Math.max(4, capacity)];
        }

        void add(int v) {
            if (size == data.length) data = Arrays.copyOf(data, size * 2);
            data[size++] = v;
        }

        void addAll(int[] vs) {
            if (size + vs.length > data.length) data = Arrays.copyOf(data, Math.max(data.length * 2, size + vs.length));
            System.arraycopy(vs, 0, data, size, vs.length);
            size += vs.length;
        }

        int[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }

    @Override
    public String toString() {
        return "Llama3Tokenizer[" + vocabularySize() + " tokens]";
    }
}
