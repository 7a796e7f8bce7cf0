package io.guardreasoner.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

import java.util.stream.Collectors;

/** Names the Maven artifact to add when the configured GuardReasoner backend is not on the class path. */
class MissingBackendArtifactFailureAnalyzer extends AbstractFailureAnalyzer<MissingBackendArtifactException>
        implements Ordered {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MissingBackendArtifactException cause) {
        String dependencies = cause.candidates().stream().map(type -> """
                    <dependency>
                        <groupId>io.guardreasoner</groupId>
                        <artifactId>%s</artifactId>
                    </dependency>""".formatted(type.artifactId())).collect(Collectors.joining("\n    or\n"));
        String action = cause.candidates().size() == 1
                ? "Add the backend's artifact (its version comes from guardreasoner-bom), or set " + cause.property()
                        + " to a backend that is on the class path:\n\n" + dependencies
                : "Add a backend artifact (versions come from guardreasoner-bom) and, for any but jlama, set "
                        + cause.property() + " to it:\n\n" + dependencies;
        return new FailureAnalysis("GuardReasoner cannot start its backend: " + cause.getMessage() + ".", action, cause);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
