package io.guardreasoner.core.internal;

import java.util.List;

/** Where a stop sequence ends generated text: the one rule every backend applies. */
public final class StopSequences {

    private StopSequences() {
    }

    /**
     * The index of the earliest occurrence of any non-empty stop sequence in {@code text} at or after {@code from},
     * or -1 when none occurs.
     */
    public static int find(CharSequence text, List<String> stops, int from) {
        if (stops.isEmpty()) return -1;
        String s = text.toString();
        int best = -1;
        for (String stop : stops) {
            if (stop.isEmpty()) continue;
            int at = s.indexOf(stop, Math.max(0, from));
            if (at >= 0 && (best < 0 || at < best)) best = at;
        }
        return best;
    }

    /** The longest stop sequence's length: how far back a new piece of text may complete one. */
    public static int longest(List<String> stops) {
        int longest = 0;
        for (String stop : stops) longest = Math.max(longest, stop.length());
        return longest;
    }
}
