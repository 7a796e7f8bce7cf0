package io.guardreasoner.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.safetensors.tokenizer.Tokenizer;

import java.util.OptionalInt;

/**
 * Text and token ids for the decoder: a prompt's ids, read as plain text after one {@code <|begin_of_text|>} id, and
 * generated ids back to text, piece by piece.
 *
 * <p>With the Llama-3 tokenizer ({@link FaithfulLlamaLoader}) a special token's string in a prompt stays ordinary
 * characters, so no text can make the model read {@code <|eot_id|>}; Jlama's own tokenizer, kept for comparison only,
 * matches them as Jlama does.
 */
abstract sealed class TokenText permits TokenText.Llama3, TokenText.Jlamas {

    static final byte[] NOTHING_HELD = new byte[0];

    /** The model's tokenizer as token text: exact with the Llama-3 tokenizer, Jlama's otherwise. */
    static TokenText of(AbstractModel model) {
        Tokenizer tokenizer = model.getTokenizer();
        int beginOfText = model.getConfig().bosToken;
        return tokenizer instanceof JlamaTokenizerBridge bridge
                ? new Llama3(bridge.llama3(), beginOfText) : new Jlamas(tokenizer, beginOfText);
    }

    /** The ids the model reads for a prompt: one {@code <|begin_of_text|>}, then the text. */
    abstract int[] promptIds(String text);

    /** A decoder for generated ids that goes on from {@code held}, bytes an earlier decoder held back. */
    abstract Pieces pieces(byte[] held);

    /** The id of a special token, by its name such as {@code <|eot_id|>}, when the tokenizer has it. */
    abstract OptionalInt specialId(String name);

    /** Generated ids to text, one token at a time; special tokens give no text. */
    interface Pieces {

        /** The text this token completes (a character split across tokens comes whole with its last token). */
        String next(int id);

        /** What {@link #next} would return for this token, without taking it. */
        String peek(int id);

        /** The first bytes of a character whose other bytes have not come yet. */
        byte[] held();
    }

    /** The Llama-3 tokenizer: exact bytes, special-token strings read as text. */
    static final class Llama3 extends TokenText {
        private final Llama3Tokenizer tokenizer;
        private final int beginOfText;

        Llama3(Llama3Tokenizer tokenizer, int beginOfText) {
            this.tokenizer = tokenizer;
            this.beginOfText = beginOfText;
        }

        @Override
        int[] promptIds(String text) {
            int[] plain = tokenizer.encodePlainText(text);
            int[] ids = new int[plain.length + 1];
            ids[0] = beginOfText;
            System.arraycopy(plain, 0, ids, 1, plain.length);
            return ids;
        }

        @Override
        Pieces pieces(byte[] held) {
            Llama3Tokenizer.StreamDecoder stream = tokenizer.streamDecoder(true, held);
            return new Pieces() {
                @Override
                public String next(int id) {
                    return stream.next(id);
                }

                @Override
                public String peek(int id) {
                    return stream.peek(id);
                }

                @Override
                public byte[] held() {
                    return stream.held();
                }
            };
        }

        @Override
        OptionalInt specialId(String name) {
            OptionalInt id = tokenizer.tokenId(name);
            return id.isPresent() && tokenizer.isSpecial(id.getAsInt()) ? id : OptionalInt.empty();
        }
    }

    /** Jlama's own tokenizer (comparison only): its encoding, and each token decoded on its own. */
    static final class Jlamas extends TokenText {
        private static final System.Logger LOG = System.getLogger(Jlamas.class.getName());

        private final Tokenizer tokenizer;
        private final int beginOfText;

        Jlamas(Tokenizer tokenizer, int beginOfText) {
            this.tokenizer = tokenizer;
            this.beginOfText = beginOfText;
        }

        @Override
        int[] promptIds(String text) {
            long[] encoded = tokenizer.encode(text);
            int skip = encoded.length > 0 && encoded[0] == beginOfText ? 1 : 0;
            int[] ids = new int[encoded.length - skip + 1];
            ids[0] = beginOfText;
            for (int i = skip; i < encoded.length; i++) ids[i - skip + 1] = Math.toIntExact(encoded[i]);
            return ids;
        }

        @Override
        Pieces pieces(byte[] held) {
            return new Pieces() {
                @Override
                public String next(int id) {
                    return decode(id);
                }

                @Override
                public String peek(int id) {
                    return decode(id);
                }

                @Override
                public byte[] held() {
                    return NOTHING_HELD;
                }
            };
        }

        private String decode(int id) {
            if (tokenizer.getModel() != null && tokenizer.getModel().isSpecialToken(id)) return "";
            try {
                String piece = tokenizer.decode(id);
                return piece == null ? "" : piece;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "Jlama could not decode token {0}", id);
                return "";
            }
        }

        @Override
        OptionalInt specialId(String name) {
            Long id = tokenizer.getModel() == null ? null : tokenizer.getModel().addedTokens().get(name);
            return id == null ? OptionalInt.empty() : OptionalInt.of(Math.toIntExact(id));
        }
    }
}
