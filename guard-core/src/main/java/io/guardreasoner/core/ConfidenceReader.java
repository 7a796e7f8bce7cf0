package io.guardreasoner.core;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the model's confidence in each label of a verdict from the tokens it generated: the label's token is the one
 * where the label the parser chose starts, in the final answer block or, without one, at the label's last mention
 * (a task's conclusion); the probabilities come from that token and the alternatives the backend reported there.
 * Nothing is guessed: a label whose token cannot be found, or whose token does not spell it, has no confidence.
 */
final class ConfidenceReader {

    private static final Pattern FIELD = Pattern.compile(
            "(?im)^[\\s#*>_\\-]*(request|completion|response)[\\s*_]*[:：][\\s*_]*(unharmful|harmful|refusal|compliance)\\b");

    private ConfidenceReader() {
    }

    /**
     * The confidence of {@code verdict}'s labels in {@code text}, the text the verdict was read from, whose part from
     * {@code tokensStart} on is {@code tokens}.
     */
    static Confidence read(Verdict verdict, String text, int tokensStart, List<GeneratedToken> tokens) {
        if (tokens.isEmpty()) return Confidence.NONE;
        return new Confidence(
                verdict.request().flatMap(l -> at(text, tokensStart, tokens, "request", l, Harm.values())),
                verdict.completion().flatMap(l -> at(text, tokensStart, tokens, "completion", l, Compliance.values())),
                verdict.response().flatMap(l -> at(text, tokensStart, tokens, "response", l, Harm.values())));
    }

    private static Optional<LabelConfidence> at(String text, int tokensStart, List<GeneratedToken> tokens, String field,
                                                Label label, Label[] labels) {
        int offset = labelOffset(text, field, label);
        if (offset < tokensStart) return Optional.empty();
        int start = tokensStart;
        for (GeneratedToken token : tokens) {
            int end = start + token.text().length();
            if (offset < end) {
                // The token must open the label (after whitespace at most): one that also writes text before the
                // label carries that text's probability too, which says nothing about the label.
                if (!text.substring(start, offset).isBlank()) return Optional.empty();
                return confidence(token, text.substring(offset, Math.min(end, text.length())), label, labels);
            }
            start = end;
        }
        return Optional.empty();
    }

    /** Where the label the verdict holds starts: in the last answer-block field, else at its last mention. */
    private static int labelOffset(String text, String field, Label label) {
        int found = -1;
        Matcher m = FIELD.matcher(text);
        while (m.find()) {
            if (m.group(1).equalsIgnoreCase(field) && m.group(2).equalsIgnoreCase(label.label())) found = m.start(2);
        }
        if (found >= 0) return found;
        Matcher word = Pattern.compile("\\b" + label.label() + "\\b", Pattern.CASE_INSENSITIVE).matcher(text);
        while (word.find()) found = word.start();
        return found;
    }

    /**
     * The confidence at the label's token: {@code spelled} is that token's text from the label's first character on,
     * which must belong to the label; alternatives count for the label they begin to spell.
     */
    private static Optional<LabelConfidence> confidence(GeneratedToken token, String spelled, Label label, Label[] labels) {
        if (!label.equals(spells(spelled, labels))) return Optional.empty();
        double chosen = 0;
        double other = 0;
        boolean tokenListed = false;
        for (GeneratedToken.Alternative alternative : token.top()) {
            Label spells = spells(alternative.text(), labels);
            if (spells == null) continue;
            if (spells.equals(label)) chosen += alternative.probability();
            else other += alternative.probability();
            tokenListed |= alternative.text().equals(token.text());
        }
        if (!tokenListed) chosen += token.probability();
        return Optional.of(new LabelConfidence(label, Math.min(1, chosen), Math.min(1, other)));
    }

    /** The one label that {@code piece} (leading space and case aside) begins to spell, or null for none or both. */
    private static Label spells(String piece, Label[] labels) {
        String s = piece.stripLeading().toLowerCase(Locale.ROOT);
        if (s.isEmpty()) return null;
        Label match = null;
        for (Label l : labels) {
            String word = l.label();
            if (word.startsWith(s) || s.startsWith(word)) {
                if (match != null) return null;
                match = l;
            }
        }
        return match;
    }
}
