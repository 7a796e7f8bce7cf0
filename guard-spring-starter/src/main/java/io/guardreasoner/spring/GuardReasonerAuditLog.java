package io.guardreasoner.spring;

import io.guardreasoner.core.Label;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.AssessmentListener;
import io.guardreasoner.core.Decision;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Rail;
import io.guardreasoner.core.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Writes one structured (logfmt) line per assessment to the SLF4J logger {@code guardreasoner.audit}.
 *
 * <p>Every line carries the rail, decision, whether it was enforced ({@code enforced=false} in shadow mode, where
 * {@code decision} is the decision that would have been taken), source, backend, model, latency, the three labels and
 * the SHA-256 of the request and response, so a turn can be matched to a complaint without keeping what the user
 * wrote. The texts themselves, the model's reasoning, its raw output and the count of neutralized special-token
 * strings are written only when {@link GuardReasonerProperties.Audit} asks for them.
 */
public final class GuardReasonerAuditLog implements AssessmentListener {

    /** The logger name; route or silence it in your logging configuration. */
    public static final String LOGGER = "guardreasoner.audit";

    private final Logger log;
    private final GuardReasonerProperties.Audit settings;
    private final String inputBackend;
    private final String outputBackend;

    /** An audit log for a guard whose rails share the backend named {@code backend}. */
    public GuardReasonerAuditLog(GuardReasonerProperties.Audit settings, String backend) {
        this(settings, backend, backend);
    }

    /** An audit log for a guard whose rails run on the backends named {@code inputBackend} and {@code outputBackend}. */
    public GuardReasonerAuditLog(GuardReasonerProperties.Audit settings, String inputBackend, String outputBackend) {
        this(LoggerFactory.getLogger(LOGGER), settings, inputBackend, outputBackend);
    }

    GuardReasonerAuditLog(Logger log, GuardReasonerProperties.Audit settings, String inputBackend, String outputBackend) {
        this.log = log;
        this.settings = settings;
        this.inputBackend = inputBackend;
        this.outputBackend = outputBackend;
    }

    @Override
    public void onAssessment(Exchange exchange, Assessment assessment) {
        if (!log.isInfoEnabled()) return;
        log.info(line(exchange, assessment));
    }

    /** The audit line for one assessment. */
    String line(Exchange exchange, Assessment a) {
        StringBuilder out = new StringBuilder(320);
        field(out, "event", "guardreasoner.assessment");
        field(out, "rail", a.rail().label());
        field(out, "decision", a.decision().kind());
        field(out, "enforced", Boolean.toString(a.enforced()));
        field(out, "source", a.source().label());
        field(out, "backend", a.rail() == Rail.INPUT ? inputBackend : outputBackend);
        field(out, "model", a.modelId());
        field(out, "latency_ms", Long.toString(a.latency().toMillis()));
        field(out, "backend_ms", Long.toString(a.backendLatency().toMillis()));
        Optional<Verdict> verdict = a.verdict();
        field(out, "request", label(verdict.flatMap(Verdict::request)));
        field(out, "completion", label(verdict.flatMap(Verdict::completion)));
        field(out, "response", label(verdict.flatMap(Verdict::response)));
        verdict.ifPresent(v -> {
            field(out, "complete", Boolean.toString(v.complete()));
            field(out, "consistent", Boolean.toString(v.consistent()));
        });
        a.generatedTokens().ifPresent(t -> field(out, "generated_tokens", Integer.toString(t)));
        a.failure().ifPresent(f -> {
            field(out, "failure", f.kind().label());
            field(out, "failure_message", f.message());
        });
        if (a.decision() instanceof Decision.Block block) field(out, "reason", block.reason());
        if (settings.includeNeutralized()) field(out, "neutralized", Integer.toString(a.neutralized()));
        field(out, "request_sha256", sha256(exchange.request()));
        exchange.response().ifPresent(r -> field(out, "response_sha256", sha256(r)));
        if (settings.includeTexts()) {
            field(out, "request_text", cut(exchange.request()));
            exchange.response().ifPresent(r -> field(out, "response_text", cut(r)));
        }
        if (settings.includeReasoning()) {
            verdict.map(Verdict::reasoning).ifPresent(r -> {
                if (!r.request().isEmpty()) field(out, "reasoning_request", cut(r.request()));
                if (!r.completion().isEmpty()) field(out, "reasoning_completion", cut(r.completion()));
                if (!r.response().isEmpty()) field(out, "reasoning_response", cut(r.response()));
            });
        }
        if (settings.includeRaw()) verdict.ifPresent(v -> field(out, "raw_output", cut(v.raw())));
        return out.toString();
    }

    private String cut(String text) {
        return text.length() <= settings.maxChars() ? text
                : text.substring(0, settings.maxChars()) + "…[" + (text.length() - settings.maxChars()) + " more chars]";
    }

    private static String label(Optional<? extends Label> value) {
        return Label.orNone(value);
    }

    /** Appends {@code key=value}, quoting and escaping values so that one assessment stays one line. */
    private static void field(StringBuilder out, String key, String value) {
        if (!out.isEmpty()) out.append(' ');
        out.append(key).append('=');
        boolean plain = !value.isEmpty() && value.chars().allMatch(c -> c > ' ' && c != '"' && c != '=' && c != '\\' && c < 127);
        if (plain) {
            out.append(value);
            return;
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < ' ' || c == '\u2028' || c == '\u2029') out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }
}
