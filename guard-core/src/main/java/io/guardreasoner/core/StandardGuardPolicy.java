package io.guardreasoner.core;

/** The rules of {@link GuardPolicy#builder()}: harmful, incomplete and failed checks each get their rail's action. */
final class StandardGuardPolicy implements GuardPolicy {

    private final RailPolicy input;
    private final RailPolicy output;

    StandardGuardPolicy(RailPolicy input, RailPolicy output) {
        this.input = input;
        this.output = output;
    }

    @Override
    public Decision decide(Rail rail, Verdict verdict) {
        RailPolicy rules = rules(rail);
        boolean needsMissing = rail == Rail.INPUT ? verdict.request().isEmpty() : verdict.response().isEmpty();
        if (needsMissing || (rules.requireComplete() && !verdict.complete())
                || (rules.requireConsistent() && !verdict.consistent())) {
            return act(rules.onIncomplete(), rules, "the guard's verdict was incomplete" + describe(verdict));
        }
        if (rail == Rail.INPUT && verdict.requestHarmful()) {
            return act(rules.onHarmful(), rules, "the request was judged harmful");
        }
        if (rail == Rail.OUTPUT && verdict.responseHarmful()) {
            return act(rules.onHarmful(), rules, "the response was judged harmful");
        }
        if (rail == Rail.OUTPUT && rules.repromptOverRefusal()
                && verdict.request().orElse(null) == Harm.UNHARMFUL && verdict.refusal()) {
            return Decision.reprompt(rules.overRefusalGuidance());
        }
        return Decision.allow();
    }

    @Override
    public Decision onFailure(Rail rail, GuardFailure failure) {
        RailPolicy rules = rules(rail);
        return act(rules.onFailure(), rules, "the guard failed (" + failure.kind().label() + "): " + failure.message());
    }

    private RailPolicy rules(Rail rail) {
        return rail == Rail.INPUT ? input : output;
    }

    private static Decision act(GuardAction action, RailPolicy rules, String reason) {
        return switch (action) {
            case ALLOW -> Decision.allow();
            case BLOCK -> Decision.block(reason);
            case REWRITE -> Decision.rewrite(rules.rewriteMessage());
            case REPROMPT -> Decision.reprompt(rules.repromptGuidance());
        };
    }

    private static String describe(Verdict verdict) {
        return " (" + verdict.labels() + ", complete=" + verdict.complete() + ", consistent=" + verdict.consistent() + ")";
    }
}
