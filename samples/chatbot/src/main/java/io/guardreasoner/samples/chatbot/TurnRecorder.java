package io.guardreasoner.samples.chatbot;

import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.AssessmentListener;
import io.guardreasoner.core.Exchange;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Collects the guard's assessments of one chat turn, so the reply can show what the guard decided and why.
 *
 * <p>The guard reports to listeners from its own worker threads, so assessments are matched to a turn by the
 * user's message: the guardrails judge exactly that text. Two users sending the same text at the same moment
 * would both see both verdicts, which for identical text are the same verdict.
 */
@Component
class TurnRecorder implements AssessmentListener {

    private final Set<Turn> open = ConcurrentHashMap.newKeySet();

    /** Starts recording for a message; close the turn when the reply is ready. */
    Turn begin(String message) {
        Turn turn = new Turn(message);
        open.add(turn);
        return turn;
    }

    @Override
    public void onAssessment(Exchange exchange, Assessment assessment) {
        for (Turn turn : open) {
            if (turn.message.equals(exchange.request())) turn.add(new Recorded(exchange, assessment));
        }
    }

    /** One assessment with the exchange it judged. */
    record Recorded(Exchange exchange, Assessment assessment) { }

    /** The assessments of one turn, in the order the guard made them. */
    final class Turn implements AutoCloseable {
        private final String message;
        private final List<Recorded> recorded = new ArrayList<>();

        private Turn(String message) {
            this.message = message;
        }

        private synchronized void add(Recorded r) {
            recorded.add(r);
        }

        synchronized List<Recorded> assessments() {
            return List.copyOf(recorded);
        }

        @Override
        public void close() {
            open.remove(this);
        }
    }
}
