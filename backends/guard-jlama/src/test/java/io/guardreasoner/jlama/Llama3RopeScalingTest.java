package io.guardreasoner.jlama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The llama3 frequency math, checked against the published formula written out in double precision. */
class Llama3RopeScalingTest {

    private static final double THETA = 500_000;

    /** transformers' _compute_llama3_parameters, in double precision, one frequency at a time. */
    private static double llama3(double inv, double factor, double low, double high, double old) {
        double wavelen = 2 * Math.PI / inv;
        if (wavelen < old / high) return inv;
        if (wavelen > old / low) return inv / factor;
        double smooth = (old / wavelen - low) / (high - low);
        return (1 - smooth) * inv / factor + smooth * inv;
    }

    @Test
    void scalesLikeTransformersForTheLlama32Shapes() {
        for (int headSize : new int[] {64, 128}) {
            float[] plain = Llama3RopeScaling.defaultInverseFrequencies(headSize, THETA);
            float[] scaled = Llama3RopeScaling.llama32().inverseFrequencies(headSize, THETA);

            for (int i = 0; i < scaled.length; i++) {
                double exact = Math.pow(THETA, -2.0 * i / headSize);
                assertThat((double) plain[i]).isCloseTo(exact, within(exact * 1e-6));
                double expected = llama3(exact, 32, 1, 4, 8192);
                assertThat((double) scaled[i]).as("frequency %d of %d", i, headSize / 2)
                        .isCloseTo(expected, within(expected * 1e-5));
            }
        }
    }

    @Test
    void keepsHighFrequenciesAndStretchesLowOnesAboutHalfTheTableForLlama32() {
        float[] plain = Llama3RopeScaling.defaultInverseFrequencies(128, THETA);
        float[] scaled = Llama3RopeScaling.llama32().inverseFrequencies(128, THETA);

        int kept = 0;
        int divided = 0;
        int interpolated = 0;
        for (int i = 0; i < plain.length; i++) {
            if (scaled[i] == plain[i]) kept++;
            else if (scaled[i] == plain[i] / 32) divided++;
            else {
                interpolated++;
                assertThat(scaled[i]).isBetween(plain[i] / 32, plain[i]);
            }
        }

        assertThat(scaled[0]).isEqualTo(1.0f);
        assertThat(kept + divided + interpolated).isEqualTo(64);
        assertThat(divided + interpolated).as("frequencies Jlama gets wrong").isBetween(28, 36);
        assertThat(interpolated).isPositive();
    }

    @Test
    void readsTheScalingFromAModelConfig() throws Exception {
        JsonNode config = new ObjectMapper().readTree("""
                {"rope_theta": 500000.0, "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                 "original_max_position_embeddings": 8192, "rope_type": "llama3"}}""");

        assertThat(Llama3RopeScaling.fromConfig(config)).contains(Llama3RopeScaling.llama32());
    }

    @Test
    void leavesConfigsJlamaHandlesAlone() throws Exception {
        ObjectMapper json = new ObjectMapper();

        assertThat(Llama3RopeScaling.fromConfig(json.readTree("{\"rope_theta\": 10000}"))).isEmpty();
        assertThat(Llama3RopeScaling.fromConfig(json.readTree("{\"rope_scaling\": null}"))).isEmpty();
        assertThat(Llama3RopeScaling.fromConfig(json.readTree("{\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2}}"))).isEmpty();
    }

    @Test
    void refusesRopeTypesJlamaWouldSilentlyIgnore() throws Exception {
        JsonNode yarn = new ObjectMapper().readTree("{\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4}}");
        JsonNode incomplete = new ObjectMapper().readTree("{\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 32}}");

        assertThatThrownBy(() -> Llama3RopeScaling.fromConfig(yarn))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("yarn");
        assertThatThrownBy(() -> Llama3RopeScaling.fromConfig(incomplete))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("low_freq_factor");
    }

    @Test
    void fillsJlamasRotaryTableInPlacePositionMajor() {
        float[] inv = Llama3RopeScaling.llama32().inverseFrequencies(8, THETA);
        float[][] table = new float[10 * 4][];
        for (int i = 0; i < table.length; i++) table[i] = new float[2];
        float[] entryOfPosition7Frequency3 = table[7 * 4 + 3];

        Llama3RopeScaling.fillRotaryTable(table, inv);

        assertThat(table[7 * 4 + 3]).isSameAs(entryOfPosition7Frequency3);
        assertThat(entryOfPosition7Frequency3[0]).isCloseTo((float) Math.cos(7 * inv[3]), within(1e-7f));
        assertThat(entryOfPosition7Frequency3[1]).isCloseTo((float) Math.sin(7 * inv[3]), within(1e-7f));
        assertThat(table[0][0]).isEqualTo(1f);
        assertThat(table[0][1]).isEqualTo(0f);
    }
}
