package io.guardreasoner.cli.bench;

import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.GuardPrompt;

import java.util.function.ToIntFunction;

/**
 * The texts a run checks, fitted to the token counts with the model's own tokenizer. Every {@code next...} call gives
 * a text no call gave before, with the same token count: it starts with another number ({@code "417. Please
 * explain..."}), so a check shares nothing with earlier ones beyond the instruction and {@code Human user:}. That
 * keeps every timed check cold for any backend's prompt or KV cache (a real turn's new request is cold too), and keeps
 * concurrent checks apart (the guard shares the model call of identical checks running at once). Not thread-safe.
 */
final class BenchTexts {

    private static final String[] FILLER = ("Please explain step by step how I can bake a loaf of sourdough bread "
            + "at home, which flour and how much water and salt to use, how long the dough should rest, how hot "
            + "the oven must be, and what I should do when the crust turns dark before the inside is done. "
            + "My kitchen is small, the oven is old, and I would like to avoid wasting ingredients while I learn.")
            .split(" ");

    /** Numbers in front of the texts; each is used once, for one kind of text. */
    private static final int FIRST_NUMBER = 100;
    private static final int LAST_NUMBER = 9_999;

    private final Kind request;
    private final Kind shortRequest;
    private final Kind plain;
    private final String response;
    private int nextNumber = FIRST_NUMBER;

    private BenchTexts(Kind request, Kind shortRequest, Kind plain, String response) {
        this.request = request;
        this.shortRequest = shortRequest;
        this.plain = plain;
        this.response = response;
    }

    /**
     * Fits the texts: a request whose input-rail prompt has {@code counts.prompt()} tokens, a short one with
     * {@code counts.requestOnlyPrompt()}, a plain text of {@code counts.prompt()} tokens for raw prefill, and the AI
     * response of {@link TokenCounts#RESPONSE_TOKENS} tokens.
     */
    static BenchTexts fit(ToIntFunction<String> countTokens, TokenCounts counts) {
        GuardPrompt prompt = GuardPrompt.modelCard();
        ToIntFunction<String> inputPrompt = text -> countTokens.applyAsInt(prompt.render(Exchange.request(text)));
        String response = grow("", countTokens, TokenCounts.RESPONSE_TOKENS + 1); // + <|begin_of_text|>
        return new BenchTexts(Kind.fit(inputPrompt, counts.prompt()), Kind.fit(inputPrompt, counts.requestOnlyPrompt()),
                Kind.fit(countTokens, counts.prompt()), response);
    }

    /** A request whose input-rail prompt has the median length of all published prompts; new on every call. */
    String nextRequest() {
        return next(request);
    }

    /** A request whose input-rail prompt has the median length of the published request-only prompts; new each call. */
    String nextShortRequest() {
        return next(shortRequest);
    }

    /** Plain text (no instruction) of the all-prompts median length, to time raw prefill; new on every call. */
    String nextPlain() {
        return next(plain);
    }

    /** The AI response the output rail judges; the same in every check (its request makes the prompt new). */
    String response() {
        return response;
    }

    /** Tokens of the input-rail prompt of every {@link #nextRequest()}. */
    int requestPromptTokens() {
        return request.tokens;
    }

    /** Tokens of the input-rail prompt of every {@link #nextShortRequest()}. */
    int shortRequestPromptTokens() {
        return shortRequest.tokens;
    }

    /** Tokens of every {@link #nextPlain()}, {@code <|begin_of_text|>} included. */
    int plainTokens() {
        return plain.tokens;
    }

    /** The next text of {@code kind}: the first unused number whose text has exactly the kind's token count. */
    private String next(Kind kind) {
        while (nextNumber <= LAST_NUMBER) {
            String text = nextNumber++ + kind.body;
            if (kind.count.applyAsInt(text) == kind.tokens) return text;
        }
        throw new IllegalStateException("ran out of numbers " + FIRST_NUMBER + ".." + LAST_NUMBER
                + " that keep the texts' token counts; run fewer checks");
    }

    /** One kind of text: what follows the number, how its tokens are counted, and how many there must be. */
    private record Kind(String body, ToIntFunction<String> count, int tokens) {
        static Kind fit(ToIntFunction<String> count, int target) {
            String prefix = FIRST_NUMBER + ". ";
            String text = grow(prefix, count, target);
            return new Kind(text.substring(String.valueOf(FIRST_NUMBER).length()), count, count.applyAsInt(text));
        }
    }

    /** The shortest {@code prefix} + filler text whose token count reaches {@code target}. */
    private static String grow(String prefix, ToIntFunction<String> tokens, int target) {
        StringBuilder text = new StringBuilder(prefix).append(FILLER[0]);
        for (int i = 1; tokens.applyAsInt(text.toString()) < target; i++) {
            text.append(' ').append(FILLER[i % FILLER.length]);
            if (i > 100_000) throw new IllegalStateException("cannot reach " + target + " tokens");
        }
        return text.toString();
    }
}
