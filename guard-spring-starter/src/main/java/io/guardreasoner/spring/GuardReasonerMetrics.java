package io.guardreasoner.spring;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.AssessmentListener;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Records every assessment in Micrometer.
 *
 * <ul>
 *   <li>{@code guardreasoner.assessment} (timer): rail, backend, source ({@code model|cache|failure});</li>
 *   <li>{@code guardreasoner.verdict.labels} (counter): rail, task ({@code request|completion|response}), label
 *       ({@code harmful|unharmful|refusal|compliance|none});</li>
 *   <li>{@code guardreasoner.decisions} (counter): rail, decision ({@code allow|block|rewrite|reprompt});</li>
 *   <li>{@code guardreasoner.cache.hits} (counter): rail;</li>
 *   <li>{@code guardreasoner.failures} (counter): rail, kind ({@code backend_error|timeout|...}), decision: the
 *       fail-policy decisions.</li>
 * </ul>
 */
public final class GuardReasonerMetrics implements AssessmentListener {

    private final MeterRegistry registry;
    private final String backend;

    public GuardReasonerMetrics(MeterRegistry registry, String backend) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.backend = Objects.requireNonNull(backend, "backend");
    }

    @Override
    public void onAssessment(Exchange exchange, Assessment assessment) {
        String rail = assessment.rail().label();
        String decision = assessment.decision().kind();
        Timer.builder("guardreasoner.assessment")
                .description("Time to judge one exchange, cache hits and failures included")
                .tag("rail", rail).tag("backend", backend).tag("source", assessment.source().label())
                .register(registry)
                .record(assessment.latency());
        Counter.builder("guardreasoner.decisions").description("Decisions made by the guard policy")
                .tag("rail", rail).tag("decision", decision)
                .register(registry).increment();
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

    private void count(String rail, String task, Optional<? extends Enum<?>> label) {
        Counter.builder("guardreasoner.verdict.labels").description("Labels in the guard model's verdicts")
                .tag("rail", rail).tag("task", task)
                .tag("label", label.map(l -> l.name().toLowerCase(Locale.ROOT)).orElse("none"))
                .register(registry).increment();
    }
}
