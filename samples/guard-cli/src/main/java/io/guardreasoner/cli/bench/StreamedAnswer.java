package io.guardreasoner.cli.bench;

import io.guardreasoner.core.Guard;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A chat model's answer streaming in, simulated: the answer's words arrive one by one, evenly spread over the stream's
 * duration, while the caller's thread waits as it would for a remote chat model. With prefill on, the text so far is
 * offered to {@link Guard#prefill} every {@value #PREFILL_EVERY_CHARS} characters, as
 * {@code GuardedStreamingChatModel} does; the last few characters are not offered, as there.
 */
final class StreamedAnswer {

    /** {@code GuardedStreamingChatModel.PREFILL_EVERY_CHARS}. */
    static final int PREFILL_EVERY_CHARS = 64;

    private final List<String> chunks;
    private final Duration duration;

    /** {@code answer} in word chunks arriving over {@code duration}. */
    StreamedAnswer(String answer, Duration duration) {
        this.chunks = chunks(answer);
        this.duration = duration;
    }

    int chunks() {
        return chunks.size();
    }

    /** Time between two chunks. */
    Duration interval() {
        return duration.dividedBy(chunks.size());
    }

    /** Lets the answer arrive; returns once its last chunk is in, with prefill offers made on the way when asked. */
    void stream(Guard guard, String request, boolean prefill) {
        long start = System.nanoTime();
        long interval = interval().toNanos();
        StringBuilder text = new StringBuilder();
        int prefilledChars = 0;
        for (int i = 0; i < chunks.size(); i++) {
            long due = start + (i + 1) * interval;
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            text.append(chunks.get(i));
            if (prefill && text.length() - prefilledChars >= PREFILL_EVERY_CHARS) {
                prefilledChars = text.length();
                guard.prefill(request, text.toString());
            }
        }
    }

    private static List<String> chunks(String answer) {
        List<String> chunks = new ArrayList<>();
        String[] words = answer.split(" ", -1);
        for (int i = 0; i < words.length; i++) chunks.add(i == 0 ? words[i] : " " + words[i]);
        return chunks;
    }
}
