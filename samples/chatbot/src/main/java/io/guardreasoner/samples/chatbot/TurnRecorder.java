package io.guardreasoner.samples.chatbot;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.AssessmentListener;
import io.guardreasoner.core.Exchange;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the guard's assessments of one chat turn, so the reply can show what the guard decided and why.
 *
 * <p>A synchronous AI service call runs its guardrails on the caller's thread, and {@code Guard.assess} tells its
 * listeners on that same thread, so a thread-bound turn gets exactly the checks of its own request, even when many
 * users chat at once.
 */
@Component
class TurnRecorder implements AssessmentListener {

    private final ThreadLocal<Turn> current = new ThreadLocal<>();

    /** Starts recording on this thread; close the turn when the reply is ready. */
    Turn begin() {
        Turn turn = new Turn();
        current.set(turn);
        return turn;
    }

    @Override
    public void onAssessment(Exchange exchange, Assessment assessment) {
        Turn turn = current.get();
        if (turn != null) turn.recorded.add(new Recorded(exchange, assessment));
    }

    /** One assessment with the exchange it judged. */
    record Recorded(Exchange exchange, Assessment assessment) { }

    /** The assessments of one turn, in the order the guard made them. */
    final class Turn implements AutoCloseable {
        private final List<Recorded> recorded = new ArrayList<>();

        private Turn() {
        }

        List<Recorded> assessments() {
            return List.copyOf(recorded);
        }

        @Override
        public void close() {
            current.remove();
        }
    }
}
