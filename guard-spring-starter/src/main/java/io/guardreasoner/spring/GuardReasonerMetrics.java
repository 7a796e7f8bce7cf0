package io.guardreasoner.spring;

import io.guardreasoner.core.Label;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.AssessmentListener;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Rail;
import io.guardreasoner.core.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.Objects;
import java.util.Optional;

/**
 * Records every assessment in Micrometer.
 *
 * <ul>
 *   <li>{@code guardreasoner.assessment} (timer): rail, backend, model, source ({@code model|cache|shared|failure}),
 *       enforced;</li>
 *   <li>{@code guardreasoner.verdict.labels} (counter): rail, task ({@code request|completion|response}), label
 *       ({@code harmful|unharmful|refusal|compliance|none});</li>
 *   <li>{@code guardreasoner.decisions} (counter): rail, decision ({@code allow|block|rewrite|reprompt}), enforced
 *       ({@code false} in shadow mode: the decision that would have been taken), model;</li>
 *   <li>{@code guardreasoner.cache.hits} (counter): rail;</li>
 *   <li>{@code guardreasoner.failures} (counter): rail, kind ({@code backend_error|timeout|...}), decision: the
 *       fail-policy decisions;</li>
 *   <li>{@code guardreasoner.prompt.neutralized} (counter): rail: Llama-3 special-token strings neutralized in the
 *       texts, i.e. attempts to smuggle control tokens into the guard's input.</li>
 * </ul>
 */
public final class GuardReasonerMetrics implements AssessmentListener {

    private final MeterRegistry registry;
    private final String inputBackend;
    private final String outputBackend;

    /** Metrics for a guard whose rails share the backend named {@code backend}. */
    public GuardReasonerMetrics(MeterRegistry registry, String backend) {
        this(registry, backend, backend);
    }

    /** Metrics for a guard whose rails run on the backends named {@code inputBackend} and {@code outputBackend}. */
    public GuardReasonerMetrics(MeterRegistry registry, String inputBackend, String outputBackend) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.inputBackend = Objects.requireNonNull(inputBackend, "inputBackend");
        this.outputBackend = Objects.requireNonNull(outputBackend, "outputBackend");
    }

    @Override
    public void onAssessment(Exchange exchange, Assessment assessment) {
        String rail = assessment.rail().label();
        String decision = assessment.decision().kind();
        String enforced = Boolean.toString(assessment.enforced());
        Timer.builder("guardreasoner.assessment")
                .description("Time to judge one exchange, cache hits and failures included")
                .tag("rail", rail).tag("backend", assessment.rail() == Rail.INPUT ? inputBackend : outputBackend)
                .tag("model", assessment.modelId()).tag("source", assessment.source().label()).tag("enforced", enforced)
                .register(registry)
                .record(assessment.latency());
        Counter.builder("guardreasoner.decisions")
                .description("Decisions made by the guard policy; enforced=false: shadow mode, the turn passed")
                .tag("rail", rail).tag("decision", decision).tag("enforced", enforced).tag("model", assessment.modelId())
                .register(registry).increment();
        Counter.builder("guardreasoner.prompt.neutralized")
                .description("Llama-3 special-token strings neutralized in the texts the guard judged")
                .tag("rail", rail).register(registry).increment(assessment.neutralized());
        assessment.verdict().ifPresent(v -> countLabels(rail, v));
        if (assessment.source() == Assessment.Source.CACHE) {
            Counter.builder("guardreasoner.cache.hits").description("Assessments answered from the verdict cache")
                    .tag("rail", rail).register(registry).increment();
        }
        assessment.failure().ifPresent(f -> Counter.builder("guardreasoner.failures")
                .description("Checks that got no verdict, with the fail-policy decision taken instead")
                .tag("rail", rail).tag("kind", f.kind().label()).tag("decision", decision)
                .register(registry).increment());
    }

    private void countLabels(String rail, Verdict verdict) {
        count(rail, "request", verdict.request());
        count(rail, "completion", verdict.completion());
        count(rail, "response", verdict.response());
    }

    private void count(String rail, String task, Optional<? extends Label> label) {
        Counter.builder("guardreasoner.verdict.labels").description("Labels in the guard model's verdicts")
                .tag("rail", rail).tag("task", task)
                .tag("label", Label.orNone(label))
                .register(registry).increment();
    }
}
