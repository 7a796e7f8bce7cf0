package io.guardreasoner.jlama;

import com.github.tjake.jlama.tensor.AbstractTensor;
import io.guardreasoner.core.GeneratedToken;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The token greedy decoding chose at one position, with its log-probability and the likeliest tokens there: a
 * log-softmax over the whole vocabulary of the logits the choice was made from.
 *
 * @param id         the chosen token
 * @param logprob    its natural log-probability
 * @param topIds     the likeliest tokens, most likely first (the lower id first on a tie, as greedy decoding picks)
 * @param topLogprob their log-probabilities
 */
record TokenChoice(int id, double logprob, int[] topIds, double[] topLogprob) {

    /** Reads the distribution from {@code logits} (the first {@code vocabulary} values), keeping the {@code k} likeliest. */
    static TokenChoice read(AbstractTensor logits, int vocabulary, int chosen, int k) {
        float[] values = new float[vocabulary];
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocabulary; i++) {
            values[i] = logits.get(0, i);
            max = Math.max(max, values[i]);
        }
        double sum = 0;
        for (float v : values) sum += Math.exp((double) v - max);
        double logNormalizer = max + Math.log(sum);

        int[] ids = new int[k];
        float[] best = new float[k];
        int size = 0;
        for (int i = 0; i < vocabulary; i++) {
            float v = values[i];
            if (size == k && !(v > best[k - 1])) continue;
            int at = size < k ? size++ : k - 1;
            while (at > 0 && v > best[at - 1]) { // strictly greater: an equal value stays behind the lower id
                best[at] = best[at - 1];
                ids[at] = ids[at - 1];
                at--;
            }
            best[at] = v;
            ids[at] = i;
        }
        double[] logprobs = new double[size];
        for (int i = 0; i < size; i++) logprobs[i] = best[i] - logNormalizer;
        return new TokenChoice(chosen, values[chosen] - logNormalizer, Arrays.copyOf(ids, size), logprobs);
    }

    /** This choice as a generated token: {@code text} is its own text, {@code textOf} gives each alternative's. */
    GeneratedToken toToken(String text, IntFunction<String> textOf) {
        List<GeneratedToken.Alternative> top = new ArrayList<>(topIds.length);
        for (int i = 0; i < topIds.length; i++) {
            top.add(new GeneratedToken.Alternative(textOf.apply(topIds[i]), topLogprob[i]));
        }
        return new GeneratedToken(text, logprob, top);
    }
}
