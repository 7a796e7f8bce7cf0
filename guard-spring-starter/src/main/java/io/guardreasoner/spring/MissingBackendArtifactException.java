package io.guardreasoner.spring;

import java.util.List;
import java.util.stream.Collectors;

/** The properties name a backend whose artifact is not on the class path, or none is there at all. */
public class MissingBackendArtifactException extends IllegalStateException {

    private final List<GuardReasonerProperties.BackendType> candidates;
    private final String property;

    MissingBackendArtifactException(String property, List<GuardReasonerProperties.BackendType> candidates, String message) {
        super(message);
        this.property = property;
        this.candidates = List.copyOf(candidates);
    }

    /** {@code property} names {@code type}, whose artifact is missing. */
    static MissingBackendArtifactException named(String property, GuardReasonerProperties.BackendType type) {
        return new MissingBackendArtifactException(property, List.of(type), property + "=" + type.label()
                + " needs the artifact io.guardreasoner:" + type.artifactId() + ", which is not on the class path");
    }

    /** {@code guardreasoner.backend} is unset and no backend that can serve by default is there. */
    static MissingBackendArtifactException none(List<GuardReasonerProperties.BackendType> defaults) {
        return new MissingBackendArtifactException(GuardReasonerProperties.PREFIX + ".backend", defaults,
                "No GuardReasoner backend is on the class path: guardreasoner.backend is unset, and none of "
                        + defaults.stream().map(t -> "io.guardreasoner:" + t.artifactId()).collect(Collectors.joining(", "))
                        + " is there");
    }

    /** The property that named the backend (or should name one). */
    public String property() {
        return property;
    }

    /** The backends that would do, first the one named. */
    public List<GuardReasonerProperties.BackendType> candidates() {
        return candidates;
    }
}
