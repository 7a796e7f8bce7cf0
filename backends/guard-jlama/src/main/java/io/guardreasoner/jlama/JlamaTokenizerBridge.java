package io.guardreasoner.jlama;

import com.github.tjake.jlama.safetensors.prompt.PromptSupport;
import com.github.tjake.jlama.safetensors.tokenizer.Tokenizer;
import com.github.tjake.jlama.safetensors.tokenizer.TokenizerModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Jlama's {@link Tokenizer} backed by {@link Llama3Tokenizer}, so that Jlama's {@code generate} feeds the model the ids
 * Llama-3 defines and streams back correct UTF-8 text.
 *
 * <p>Jlama 0.8.4's own tokenizer drops every character above U+00FF and maps some Latin-1 ones differently from
 * Hugging Face. Hand this bridge to the model's constructor instead (see {@link FaithfulLlamaLoader}).
 *
 * <p>{@link #encode(String)} returns ids without {@code <|begin_of_text|>}: {@code AbstractModel.generate} strips one
 * leading BOS and always prepends exactly one. {@link #decode(long)} is stateful per thread, because Jlama decodes
 * one token at a time and concatenates: a character whose UTF-8 bytes span tokens is returned whole with its last
 * token. {@link #encode(String)} starts a new stream on the calling thread, as {@code generate} calls it first.
 * Chat templates are not offered ({@link #promptSupport()} is empty): GuardReasoner reads raw text.
 */
final class JlamaTokenizerBridge implements Tokenizer {

    private final Llama3Tokenizer tokenizer;
    private final TokenizerModel model;
    private final ThreadLocal<Llama3Tokenizer.StreamDecoder> streams;

    /** A bridge over the given tokenizer. */
    public JlamaTokenizerBridge(Llama3Tokenizer tokenizer) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.model = specialTokensOnlyModel(tokenizer);
        this.streams = ThreadLocal.withInitial(() -> tokenizer.streamDecoder(false));
    }

    /** The Llama-3 tokenizer behind this bridge. */
    public Llama3Tokenizer llama3() {
        return tokenizer;
    }

    /**
     * A Jlama TokenizerModel that knows only the special tokens: {@code generate} asks it just
     * {@code isSpecialToken(id)} and {@code hasToolSupport()}; vocabulary and merges live in {@link Llama3Tokenizer}.
     */
    private static TokenizerModel specialTokensOnlyModel(Llama3Tokenizer tokenizer) {
        TokenizerModel m = new TokenizerModel("BPE", null, false, false, Map.of(), true, List.of());
        List<Map<String, Object>> added = new ArrayList<>();
        for (int id : tokenizer.specialTokenIds()) {
            Map<String, Object> token = new HashMap<>();
            token.put("content", tokenizer.tokenString(id));
            token.put("id", id);
            token.put("special", Boolean.TRUE);
            added.add(token);
        }
        m.setAddedTokens(added);
        m.setBosToken(tokenizer.tokenString(tokenizer.beginOfTextId()));
        return m;
    }

    @Override
    public List<String> tokenize(String sentence) {
        return Arrays.stream(tokenizer.encode(sentence)).mapToObj(tokenizer::tokenString).toList();
    }

    @Override
    public long[] encode(String sentence) {
        streams.get().reset();
        return Arrays.stream(tokenizer.encode(sentence)).asLongStream().toArray();
    }

    @Override
    public String decode(long id) {
        return streams.get().next(Math.toIntExact(id));
    }

    @Override
    public String decode(long[] ids) {
        return tokenizer.decode(Arrays.stream(ids).mapToInt(Math::toIntExact).toArray());
    }

    @Override
    public Optional<PromptSupport> promptSupport() {
        return Optional.empty();
    }

    @Override
    public TokenizerModel getModel() {
        return model;
    }
}
