package io.guardreasoner.localai;

import com.fasterxml.jackson.databind.JsonNode;
import io.guardreasoner.core.GeneratedToken;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads the token probabilities of a completion choice, in either shape OpenAI-compatible servers send, and lines
 * them up with the text. Anything that does not read cleanly gives no tokens: a probability is never guessed.
 */
final class Logprobs {

    private Logprobs() {
    }

    /**
     * The tokens of {@code choice.logprobs}: OpenAI's completions shape ({@code tokens}, {@code token_logprobs},
     * {@code top_logprobs} as one {@code {token: logprob}} object per position; OpenAI, vLLM), or the chat shape
     * ({@code content: [{token, logprob, top_logprobs: [{token, logprob}]}]}; llama.cpp's server, LocalAI). Empty when
     * absent, null, or malformed anywhere.
     */
    static List<GeneratedToken> read(JsonNode logprobs) {
        if (logprobs == null || !logprobs.isObject()) return List.of();
        try {
            if (logprobs.path("content").isArray()) return content(logprobs.get("content"));
            if (logprobs.path("tokens").isArray()) return openAi(logprobs);
        } catch (Malformed e) {
            return List.of();
        }
        return List.of();
    }

    private static List<GeneratedToken> content(JsonNode content) {
        List<GeneratedToken> tokens = new ArrayList<>(content.size());
        for (JsonNode entry : content) {
            List<GeneratedToken.Alternative> top = new ArrayList<>();
            JsonNode alternatives = entry.path("top_logprobs");
            if (!alternatives.isMissingNode() && !alternatives.isNull()) {
                if (!alternatives.isArray()) throw new Malformed();
                for (JsonNode alternative : alternatives) {
                    top.add(new GeneratedToken.Alternative(text(alternative.get("token")), number(alternative.get("logprob"))));
                }
            }
            tokens.add(new GeneratedToken(text(entry.get("token")), number(entry.get("logprob")), mostLikelyFirst(top)));
        }
        return tokens;
    }

    private static List<GeneratedToken> openAi(JsonNode logprobs) {
        JsonNode texts = logprobs.get("tokens");
        JsonNode values = logprobs.get("token_logprobs");
        JsonNode tops = logprobs.get("top_logprobs");
        if (values == null || !values.isArray() || values.size() != texts.size()) throw new Malformed();
        boolean withTop = tops != null && tops.isArray();
        if (withTop && tops.size() != texts.size()) throw new Malformed();
        List<GeneratedToken> tokens = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            List<GeneratedToken.Alternative> top = new ArrayList<>();
            JsonNode position = withTop ? tops.get(i) : null;
            if (position != null && !position.isNull()) {
                if (!position.isObject()) throw new Malformed();
                for (Iterator<Map.Entry<String, JsonNode>> it = position.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> alternative = it.next();
                    top.add(new GeneratedToken.Alternative(alternative.getKey(), number(alternative.getValue())));
                }
            }
            tokens.add(new GeneratedToken(text(texts.get(i)), number(values.get(i)), mostLikelyFirst(top)));
        }
        return tokens;
    }

    /**
     * The leading tokens that spell {@code text} from its start and end at or before {@code limit} (at most the
     * text's length): a token that runs past the limit, and all after it, are dropped, since part of what it stands
     * for is not in the text. Empty when a token does not match the text where it stands: then these are not the
     * text's tokens (a server that reports byte-level pieces, say).
     */
    static List<GeneratedToken> spelling(List<GeneratedToken> tokens, String text, int limit) {
        List<GeneratedToken> kept = new ArrayList<>();
        int at = 0;
        for (GeneratedToken token : tokens) {
            if (at >= limit) break;
            String piece = token.text();
            int end = at + piece.length();
            int checked = Math.min(end, text.length()) - at;
            if (!text.regionMatches(at, piece, 0, checked)) return List.of();
            if (end > limit) break;
            kept.add(token);
            at = end;
        }
        return kept;
    }

    /** The text the tokens spell. */
    static String join(List<GeneratedToken> tokens) {
        StringBuilder text = new StringBuilder();
        for (GeneratedToken token : tokens) text.append(token.text());
        return text.toString();
    }

    private static List<GeneratedToken.Alternative> mostLikelyFirst(List<GeneratedToken.Alternative> top) {
        top.sort(Comparator.comparingDouble(GeneratedToken.Alternative::logprob).reversed());
        return top;
    }

    private static String text(JsonNode node) {
        if (node == null || !node.isTextual()) throw new Malformed();
        return node.asText();
    }

    private static double number(JsonNode node) {
        if (node == null || !node.isNumber()) throw new Malformed();
        double value = node.asDouble();
        if (Double.isNaN(value) || value > 1e-4) throw new Malformed();
        return Math.min(0, value); // a float rounded a hair above probability 1
    }

    /** Something in the logprobs is not where or what the shape says. */
    private static final class Malformed extends RuntimeException {
        Malformed() {
            super(null, null, false, false);
        }
    }
}
