package io.guardreasoner.langchain4j;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.model.moderation.Moderation;
import dev.langchain4j.model.moderation.ModerationModel;
import dev.langchain4j.model.output.Response;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Decision;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.Rail;

import java.util.List;
import java.util.Objects;

/**
 * A LangChain4j {@link ModerationModel} backed by GuardReasoner, so that {@code @Moderate} AI service methods are
 * guarded too.
 *
 * <p>It judges the request on the input rail: a single text as given, a conversation by its last user message.
 * The text is flagged when the model judges it harmful or when the policy does not allow it (for example a
 * fail-closed policy after a backend failure); the flagged text says why, e.g.
 * {@code GuardReasoner flagged the request: the request was judged harmful (request=harmful)}.
 */
public class GuardReasonerModerationModel implements ModerationModel {

    private final Guard guard;

    public GuardReasonerModerationModel(Guard guard) {
        this.guard = Objects.requireNonNull(guard, "guard");
    }

    @Override
    public Response<Moderation> moderate(String text) {
        return Response.from(judge(text == null ? "" : text));
    }

    @Override
    public Response<Moderation> moderate(List<ChatMessage> messages) {
        // Only the user's words are the request; system and tool messages are the application's.
        return Texts.lastUserText(messages)
                .map(text -> Response.from(judge(text)))
                .orElseGet(() -> Response.from(Moderation.notFlagged()));
    }

    private Moderation judge(String text) {
        Assessment assessment = guard.assess(Exchange.request(text), Rail.INPUT);
        if (!assessment.enforced()) return Moderation.notFlagged(); // shadow mode: watch, never act
        boolean harmful = assessment.verdict().map(v -> v.requestHarmful()).orElse(false);
        if (!harmful && assessment.allowed()) return Moderation.notFlagged();
        String reason = switch (assessment.decision()) {
            case Decision.Block block -> block.reason();
            case Decision.Allow allow -> "the request was judged harmful";
            default -> harmful ? "the request was judged harmful" : "the policy decided to " + assessment.decision().kind();
        };
        return Moderation.flagged("GuardReasoner flagged the request: " + reason + Texts.labels(assessment, reason));
    }

    /** The guard this model asks. */
    public Guard guard() {
        return guard;
    }
}
