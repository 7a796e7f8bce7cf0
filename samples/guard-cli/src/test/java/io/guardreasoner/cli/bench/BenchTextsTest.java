package io.guardreasoner.cli.bench;

import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.GuardPrompt;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Every timed check gets a new text of the same token count, starting differently right after the instruction. */
class BenchTextsTest {

    /** A crude tokenizer: one token per word and per punctuation mark, plus {@code <|begin_of_text|>}. */
    private static final ToIntFunction<String> TOKENS =
            text -> 1 + (int) Pattern.compile("\\w+|[^\\w\\s]").matcher(text).results().count();

    @Test
    void givesNewTextsOfTheFittedTokenCountsOnEveryCall() {
        TokenCounts counts = TokenCounts.measuredDefaults();
        BenchTexts texts = BenchTexts.fit(TOKENS, counts);
        GuardPrompt prompt = GuardPrompt.modelCard();

        List<String> requests = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            requests.add(texts.nextRequest());
            requests.add(texts.nextShortRequest());
        }
        String plain = texts.nextPlain();

        assertThat(new HashSet<>(requests)).hasSize(requests.size());
        for (int i = 0; i < requests.size(); i += 2) {
            assertThat(TOKENS.applyAsInt(prompt.render(Exchange.request(requests.get(i)))))
                    .isEqualTo(texts.requestPromptTokens()).isGreaterThanOrEqualTo(counts.prompt());
            assertThat(TOKENS.applyAsInt(prompt.render(Exchange.request(requests.get(i + 1)))))
                    .isEqualTo(texts.shortRequestPromptTokens()).isGreaterThanOrEqualTo(counts.requestOnlyPrompt());
        }
        assertThat(TOKENS.applyAsInt(plain)).isEqualTo(texts.plainTokens());
        // No two texts start alike: a prompt cache finds nothing of one in another beyond the instruction.
        assertThat(requests.stream().map(r -> r.substring(0, r.indexOf('.'))).distinct()).hasSize(requests.size());
        assertThat(TOKENS.applyAsInt(texts.response())).isGreaterThanOrEqualTo(TokenCounts.RESPONSE_TOKENS + 1);
    }
}
