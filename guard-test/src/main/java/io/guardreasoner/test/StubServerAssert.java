package io.guardreasoner.test;

import io.guardreasoner.core.Exchange;
import org.assertj.core.api.AbstractAssert;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** AssertJ assertions on what a {@link GuardReasonerStubServer} received. */
public class StubServerAssert extends AbstractAssert<StubServerAssert, GuardReasonerStubServer> {

    public StubServerAssert(GuardReasonerStubServer actual) {
        super(actual, StubServerAssert.class);
    }

    /** The guard was asked about this user message on its own (input rail). */
    public StubServerAssert receivedPromptFor(String request) {
        return receivedPromptFor(Exchange.request(request));
    }

    /** The guard was asked about this user message together with this AI response (output rail). */
    public StubServerAssert receivedPromptFor(String request, String response) {
        return receivedPromptFor(Exchange.of(request, response));
    }

    /** The guard was asked about exactly this exchange. */
    public StubServerAssert receivedPromptFor(Exchange exchange) {
        isNotNull();
        List<Exchange> judged = actual.judgedExchanges();
        if (!judged.contains(exchange)) {
            failWithMessage("Expected the stub to be asked about%n  %s%nbut it was asked about%n  %s", describe(exchange), describeAll(judged));
        }
        return this;
    }

    /** The guard was never asked about this user message (on either rail). */
    public StubServerAssert receivedNoPromptFor(String request) {
        isNotNull();
        List<Exchange> judged = actual.judgedExchanges();
        if (judged.stream().anyMatch(e -> e.request().equals(request))) {
            failWithMessage("Expected the stub never to be asked about <%s> but it was: %s", request, describeAll(judged));
        }
        return this;
    }

    /** Exactly this many completion requests arrived. */
    public StubServerAssert receivedCompletions(int count) {
        isNotNull();
        int got = actual.completionRequests().size();
        if (got != count) failWithMessage("Expected %d completion requests but the stub received %d: %s", count, got, actual.completionRequests());
        return this;
    }

    /** Exactly this many chat completion requests arrived. */
    public StubServerAssert receivedChats(int count) {
        isNotNull();
        int got = actual.chatRequests().size();
        if (got != count) failWithMessage("Expected %d chat requests but the stub received %d", count, got);
        return this;
    }

    /** No request of any kind arrived. */
    public StubServerAssert receivedNothing() {
        isNotNull();
        if (!actual.requests().isEmpty()) failWithMessage("Expected no requests but the stub received %s", actual.requests());
        return this;
    }

    /** Every completion request asked for greedy decoding ({@code temperature} 0). */
    public StubServerAssert receivedOnlyGreedyRequests() {
        isNotNull();
        for (StubRequest r : actual.completionRequests()) {
            if (!Objects.equals(r.temperature(), 0.0)) failWithMessage("Expected temperature 0 but a request had %s: %s", r.temperature(), r);
        }
        return this;
    }

    private static String describe(Exchange e) {
        return "request <" + e.request() + ">" + e.response().map(r -> ", response <" + r + ">").orElse(", no response");
    }

    private static String describeAll(List<Exchange> judged) {
        if (judged.isEmpty()) return "nothing";
        StringBuilder b = new StringBuilder();
        for (Exchange e : judged) b.append(System.lineSeparator()).append("  ").append(describe(e));
        return b.toString();
    }

    /** The last completion request, for further checks; fails when there was none. */
    public Optional<StubRequest> lastCompletion() {
        List<StubRequest> all = actual.completionRequests();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }
}
