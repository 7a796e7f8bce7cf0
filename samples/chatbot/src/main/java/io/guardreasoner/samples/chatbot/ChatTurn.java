package io.guardreasoner.samples.chatbot;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.guardreasoner.core.Label;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Decision;
import io.guardreasoner.core.Verdict;

import java.util.List;
import java.util.Optional;

/**
 * The JSON reply of {@code POST /api/chat}.
 *
 * @param reply          what the user reads
 * @param blocked        true when the guard kept the model's own answer to the message from the user
 * @param decision       the turn's decisive guard decision as carried out: the first that was not allow, else allow
 *                       (allow in shadow mode, where nothing is carried out)
 * @param verdict        the labels and reasoning of the last verdict the guard reached; null when it reached none
 * @param assessments    every check of the turn, input rail first
 * @param shadowDecision in shadow mode ({@code guardreasoner.mode=shadow}), the decisive decision the guard would have
 *                       taken (the first not allow, else allow); null when the guard enforced its decisions
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatTurn(String reply, boolean blocked, String decision, VerdictView verdict,
                       List<AssessmentView> assessments, String shadowDecision) {

    /** The turn as recorded: the reply the user gets, whether an exception vetoed it, and the guard's checks. */
    static ChatTurn of(String reply, boolean vetoed, List<TurnRecorder.Recorded> recorded) {
        List<Assessment> all = recorded.stream().map(TurnRecorder.Recorded::assessment).toList();
        Decision decisive = all.stream().map(Assessment::effectiveDecision).filter(Decision::intervenes).findFirst()
                .orElse(vetoed ? Decision.block("vetoed") : Decision.allow());
        boolean blocked = vetoed || all.stream().map(Assessment::effectiveDecision)
                .anyMatch(d -> d instanceof Decision.Block || d instanceof Decision.Rewrite);
        VerdictView verdict = null;
        for (Assessment a : all) {
            if (a.verdict().isPresent()) verdict = VerdictView.of(a.verdict().get());
        }
        List<Assessment> watched = all.stream().filter(a -> !a.enforced()).toList();
        String shadow = watched.isEmpty() ? null : watched.stream().map(Assessment::decision)
                .filter(Decision::intervenes).findFirst().orElse(Decision.allow()).kind();
        return new ChatTurn(reply, blocked, decisive.kind(), verdict,
                all.stream().map(AssessmentView::of).toList(), shadow);
    }

    /**
     * GuardReasoner's three labels ({@code harmful|unharmful}, {@code refusal|compliance}, or null) and reasoning.
     */
    public record VerdictView(String request, String completion, String response, boolean complete,
                              boolean consistent, Reasoning reasoning) {
        static VerdictView of(Verdict v) {
            return new VerdictView(label(v.request()), label(v.completion()), label(v.response()), v.complete(),
                    v.consistent(), new Reasoning(v.reasoning().request(), v.reasoning().completion(),
                    v.reasoning().response()));
        }
    }

    /** The model's reasoning per task. */
    public record Reasoning(String request, String completion, String response) { }

    /**
     * One check of the turn: {@code decision} is what the policy decided, {@code enforced} whether it was carried out
     * (false in shadow mode, where the turn passed unchanged).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AssessmentView(String rail, String decision, boolean enforced, String source, long latencyMs,
                                 VerdictView verdict, String failure) {
        static AssessmentView of(Assessment a) {
            return new AssessmentView(a.rail().label(), a.decision().kind(), a.enforced(), a.source().label(),
                    a.latency().toMillis(), a.verdict().map(VerdictView::of).orElse(null),
                    a.failure().map(f -> f.kind().label() + ": " + f.message()).orElse(null));
        }
    }

    private static String label(Optional<? extends Label> value) {
        return value.map(Label::label).orElse(null);
    }
}
