package io.guardreasoner.test;

import io.guardreasoner.core.GeneratedToken;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the scripted model splits what it writes into tokens, and the probabilities it reports for them: crude, but
 * the same every time, so a continuation's tokens line up with the tokens of the whole answer.
 *
 * <p>A token is a word with the space before it ({@code " unharmful"}), one other character with the space before
 * it, a run of newlines, or a run of other whitespace. Every token has probability 1, except a label word that
 * ends a conclusion or an answer field (followed by {@code "."}, a newline or nothing): it gets the answer's label
 * probability, and the other label of its task the rest, as the second alternative.
 */
final class ScriptedTokens {

    private static final Pattern TOKEN = Pattern.compile(" ?[\\p{L}\\p{M}\\p{N}]+| ?[^\\s\\p{L}\\p{M}\\p{N}]|\\n+|[^\\S\\n]+");

    private static final Map<String, String> OTHER_LABEL = Map.of("harmful", "unharmful", "unharmful", "harmful",
            "refusal", "compliance", "compliance", "refusal");

    private ScriptedTokens() {
    }

    /** The tokens of {@code text}, in order; together they spell it. */
    static List<String> split(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher m = TOKEN.matcher(text);
        int end = 0;
        while (m.find()) {
            if (m.start() != end) pieces.add(text.substring(end, m.start())); // never: the pattern matches everything
            pieces.add(m.group());
            end = m.end();
        }
        if (end < text.length()) pieces.add(text.substring(end));
        return pieces;
    }

    /**
     * The tokens of a whole answer with their probabilities and at most {@code k} alternatives each, most likely
     * first.
     */
    static List<GeneratedToken> of(String answer, double labelProbability, int k) {
        List<String> pieces = split(answer);
        List<GeneratedToken> tokens = new ArrayList<>(pieces.size());
        for (int i = 0; i < pieces.size(); i++) {
            String piece = pieces.get(i);
            String next = i + 1 < pieces.size() ? pieces.get(i + 1) : null;
            String other = labelProbability < 1 && endsALabel(next) ? OTHER_LABEL.get(piece.stripLeading()) : null;
            if (other == null) {
                tokens.add(new GeneratedToken(piece, 0.0, limit(List.of(new GeneratedToken.Alternative(piece, 0.0)), k)));
                continue;
            }
            String alternative = piece.substring(0, piece.length() - piece.stripLeading().length()) + other;
            double chosen = Math.log(labelProbability);
            List<GeneratedToken.Alternative> top = new ArrayList<>(List.of(
                    new GeneratedToken.Alternative(piece, chosen),
                    new GeneratedToken.Alternative(alternative, Math.log1p(-labelProbability))));
            top.sort(Comparator.comparingDouble(GeneratedToken.Alternative::logprob).reversed());
            tokens.add(new GeneratedToken(piece, chosen, limit(top, k)));
        }
        return tokens;
    }

    /** The tokens that start before {@code end}: those that wrote the first {@code end} characters. */
    static List<GeneratedToken> upTo(List<GeneratedToken> tokens, int end) {
        List<GeneratedToken> kept = new ArrayList<>();
        int start = 0;
        for (GeneratedToken token : tokens) {
            if (start >= end) break;
            kept.add(token);
            start += token.text().length();
        }
        return kept;
    }

    /** The number of characters {@code tokens} spell. */
    static int length(List<GeneratedToken> tokens) {
        int length = 0;
        for (GeneratedToken token : tokens) length += token.text().length();
        return length;
    }

    private static boolean endsALabel(String next) {
        return next == null || next.equals(".") || next.startsWith("\n");
    }

    private static List<GeneratedToken.Alternative> limit(List<GeneratedToken.Alternative> top, int k) {
        return top.size() <= k ? top : top.subList(0, k);
    }
}
