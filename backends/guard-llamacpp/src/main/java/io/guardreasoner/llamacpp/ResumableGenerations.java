package io.guardreasoner.llamacpp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The token ids of recent generations that a stop sequence ended, by the text they stand for (the prompt and all the
 * generation wrote), so that a resume goes on from the very same tokens rather than from the text tokenized anew.
 * The KV state of those tokens stays in a slot until another check needs it; the ids are what make the continuation
 * exact either way.
 */
final class ResumableGenerations {

    /** A stopped generation's tokens: the prompt's and the generated ones, and bytes of an incomplete character. */
    record Stopped(int[] ids, byte[] held) {
    }

    private final Map<String, Stopped> byText;

    ResumableGenerations(int capacity) {
        this.byText = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Stopped> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized void remember(String text, int[] ids, byte[] held) {
        byText.put(text, new Stopped(ids, held));
    }

    /** The stopped generation that stands for exactly {@code text}, or null when none is remembered. */
    synchronized Stopped find(String text) {
        return byText.get(text);
    }
}
