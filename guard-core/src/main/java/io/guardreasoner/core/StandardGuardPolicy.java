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
        if (rail == Rail.INPUT && harmful(verdict.request(), verdict.confidence().request(), rules)) {
            return act(rules.onHarmful(), rules, "the request was judged harmful" + threshold(rules, verdict.confidence().request()));
        }
        if (rail == Rail.OUTPUT && harmful(verdict.response(), verdict.confidence().response(), rules)) {
            return act(rules.onHarmful(), rules, "the response was judged harmful" + threshold(rules, verdict.confidence().response()));
        }
        if (rail == Rail.OUTPUT && rules.repromptOverRefusal()
                && verdict.request().orElse(null) == Harm.UNHARMFUL && verdict.refusal()) {
            return Decision.reprompt(rules.overRefusalGuidance());
        }
        return Decision.allow();
    }

    /** The label decides, unless a threshold is set and the model's P(harmful) is known: then that decides. */
    private static boolean harmful(java.util.Optional<Harm> label, java.util.Optional<LabelConfidence> confidence,
                                   RailPolicy rules) {
        if (rules.harmfulThreshold().isPresent() && confidence.isPresent()) {
            return confidence.get().probabilityOf(Harm.HARMFUL) >= rules.harmfulThreshold().getAsDouble();
        }
        return label.orElse(null) == Harm.HARMFUL;
    }

    private static String threshold(RailPolicy rules, java.util.Optional<LabelConfidence> confidence) {
        if (rules.harmfulThreshold().isEmpty() || confidence.isEmpty()) return "";
        return String.format(java.util.Locale.ROOT, " (P(harmful)=%.2f >= %.2f)",
                confidence.get().probabilityOf(Harm.HARMFUL), rules.harmfulThreshold().getAsDouble());
    }

    @Override
    public Decision onFailure(Rail rail, GuardFailure failure) {
        RailPolicy rules = rules(rail);
        return act(rules.onFailure(), rules, "the guard failed (" + failure.kind().label() + "): " + failure.message());
    }

    @Override
    public boolean needsCompleteVerdict(Rail rail) {
        return rules(rail).requireComplete();
    }

    /** The over-refusal reprompt reads whether the request was harmless and the answer a refusal. */
    @Override
    public boolean readsAllLabels(Rail rail) {
        return rail == Rail.OUTPUT && rules(rail).repromptOverRefusal();
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
