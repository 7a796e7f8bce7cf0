package io.guardreasoner.cli;

import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.GeneratedToken;
import io.guardreasoner.core.Generation;
import io.guardreasoner.core.GenerationOptions;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.GuardPrompt;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A backend that reports token probabilities, as Jlama (logits) and LocalAI (logprobs) do: for each request it writes
 * the answer block with the likelier request label, and reports P(harmful) and P(unharmful) at the label's token.
 */
final class ProbabilityBackend implements GuardBackend {

    private final Map<String, Double> harmfulByRequest;

    /** {@code harmfulByRequest}: the probability of "harmful" the model gives each request. */
    ProbabilityBackend(Map<String, Double> harmfulByRequest) {
        this.harmfulByRequest = Map.copyOf(harmfulByRequest);
    }

    @Override
    public Generation generate(String prompt, GenerationOptions options) {
        Exchange exchange = GuardPrompt.parse(prompt).orElseThrow();
        double harmful = harmfulByRequest.get(exchange.request());
        GeneratedToken.Alternative h = new GeneratedToken.Alternative(" harmful", Math.log(harmful));
        GeneratedToken.Alternative u = new GeneratedToken.Alternative(" unharmful", Math.log(1 - harmful));
        GeneratedToken label = harmful >= 0.5
                ? new GeneratedToken(" harmful", Math.log(harmful), List.of(h, u))
                : new GeneratedToken(" unharmful", Math.log(1 - harmful), List.of(u, h));
        List<GeneratedToken> tokens = new ArrayList<>();
        for (String piece : List.of("Answers:", " \n", "Request", ":")) tokens.add(new GeneratedToken(piece, 0, List.of()));
        tokens.add(label);
        for (String piece : List.of("\n", "Completion", ":", " None", "\n", "Response", ":", " None", "\n")) {
            tokens.add(new GeneratedToken(piece, 0, List.of()));
        }
        StringBuilder text = new StringBuilder();
        tokens.forEach(t -> text.append(t.text()));
        return new Generation(text.toString(), OptionalInt.empty(), OptionalInt.of(tokens.size()),
                Generation.FinishReason.END_OF_TEXT, "", tokens);
    }

    @Override
    public String modelId() {
        return "probabilities";
    }
}
