package io.guardreasoner.core;

import java.util.Objects;

/**
 * How sure the model was of the label it wrote for one task: the probabilities it gave, at the token where the
 * label starts, to that label and to the other one (0 when the other was not among the alternatives the backend
 * reported).
 *
 * @param label       the label the model wrote
 * @param probability the probability of that label
 * @param other       the probability of the other label of the same task
 */
public record LabelConfidence(Label label, double probability, double other) {

    public LabelConfidence {
        Objects.requireNonNull(label, "label");
        if (!(probability >= 0 && probability <= 1) || !(other >= 0 && other <= 1)) {
            throw new IllegalArgumentException("probabilities must be within 0..1: " + probability + ", " + other);
        }
    }

    /** The probability the model gave {@code wanted}: this label's, or the other one's. */
    public double probabilityOf(Label wanted) {
        return wanted.equals(label) ? probability : other;
    }
}
