package io.guardreasoner.test;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * What the stub server's chat endpoint ({@code /v1/chat/completions}) answers, chosen by rules over the last user
 * message, so a chatbot's own model can be scripted too.
 *
 * <pre>{@code
 * stub.chat()
 *     .whenUserSays("weather").reply("It is sunny.")
 *     .whenUserSays("bread").replies("I can't help with that.", "Mix flour, water, salt and yeast.");
 * }</pre>
 */
public final class ChatScript {

    /** What the chat endpoint answers when no rule matches. */
    public static final String DEFAULT_REPLY = "Hello! How can I help you today?";

    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private volatile String defaultReply = DEFAULT_REPLY;

    private ChatScript() {
    }

    /** A script that answers every message with {@link #DEFAULT_REPLY}. */
    public static ChatScript create() {
        return new ChatScript();
    }

    /** Starts a rule for last user messages that contain {@code text}, ignoring case. */
    public When whenUserSays(String text) {
        String needle = text.toLowerCase(java.util.Locale.ROOT);
        return when(m -> m.toLowerCase(java.util.Locale.ROOT).contains(needle));
    }

    /** Starts a rule for last user messages that match {@code condition}. */
    public When when(Predicate<String> condition) {
        return new When(Objects.requireNonNull(condition, "condition"));
    }

    /** What to answer when no rule matches. */
    public ChatScript defaultReply(String reply) {
        this.defaultReply = Objects.requireNonNull(reply, "reply");
        return this;
    }

    /** The reply to a conversation whose last user message is {@code lastUserMessage}. */
    public String answer(String lastUserMessage) {
        String message = lastUserMessage == null ? "" : lastUserMessage;
        for (Rule rule : rules) {
            if (rule.condition.test(message)) return rule.next();
        }
        return defaultReply;
    }

    private record Rule(Predicate<String> condition, List<String> replies, AtomicInteger calls) {
        String next() {
            int i = calls.getAndIncrement();
            return replies.get(Math.min(i, replies.size() - 1));
        }
    }

    /** The second half of a chat rule: what to answer. */
    public final class When {
        private final Predicate<String> condition;

        private When(Predicate<String> condition) {
            this.condition = condition;
        }

        /** Always answer with this text. */
        public ChatScript reply(String reply) {
            return replies(reply);
        }

        /** Answer with these texts in turn, one per matching call; the last one repeats. */
        public ChatScript replies(String first, String... then) {
            List<String> all = new java.util.ArrayList<>();
            all.add(Objects.requireNonNull(first, "first"));
            for (String t : then) all.add(Objects.requireNonNull(t, "reply"));
            rules.add(new Rule(condition, List.copyOf(all), new AtomicInteger()));
            return ChatScript.this;
        }
    }
}
