package io.guardreasoner.langchain4j;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.ContentType;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.guardrail.InputGuardrailException;
import dev.langchain4j.model.chat.request.ChatRequest;
import io.guardreasoner.core.Assessment;

import java.util.ArrayList;
import java.util.List;

/**
 * The input check of {@link InputMode#PARALLEL}: which requests it judges, and how its veto and rewrite end the
 * same way a {@link GuardReasonerInputGuardrail} would have.
 */
final class ParallelInput {

    private ParallelInput() {
    }

    /**
     * True when the request starts a turn: its last message is the user's. The later rounds of a turn (after tool
     * results) carry the same user message, judged when the turn started.
     */
    static boolean startsTurn(ChatRequest request) {
        List<ChatMessage> messages = request.messages();
        return !messages.isEmpty() && messages.getLast() instanceof UserMessage;
    }

    /**
     * The request with the input rail's rewrite in place of the user's text: each text part of the last user message
     * becomes the rewrite, other parts stay, as LangChain4j rewrites a message for an input guardrail.
     */
    static ChatRequest rewritten(ChatRequest request, String text) {
        List<ChatMessage> messages = new ArrayList<>(request.messages());
        UserMessage user = (UserMessage) messages.getLast();
        List<Content> contents = user.contents().stream()
                .map(c -> c.type() == ContentType.TEXT ? (Content) TextContent.from(text) : c)
                .toList();
        messages.set(messages.size() - 1, user.toBuilder().contents(contents).build());
        return request.toBuilder().messages(messages).build();
    }

    /**
     * The veto a {@link GuardReasonerInputGuardrail} would have ended the call with: the same exception type and
     * message. Its cause marks it as a parallel veto (see {@link ForgetBlockedRequests}).
     */
    static InputGuardrailException veto(Assessment assessment) {
        return new InputGuardrailException("The guardrail " + GuardReasonerInputGuardrail.class.getName()
                + " failed with this message: " + Texts.inputVetoMessage(assessment), new SpeculativeAnswerDiscarded());
    }

    /** True for a veto of {@link #veto}, anywhere in the cause chain. */
    static boolean isVeto(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof InputGuardrailException && t.getCause() instanceof SpeculativeAnswerDiscarded) return true;
            if (t.getCause() == t) return false;
        }
        return false;
    }

    /** Why a parallel veto has no answer: the chat model's speculative one was cancelled and thrown away. */
    static final class SpeculativeAnswerDiscarded extends RuntimeException {
        SpeculativeAnswerDiscarded() {
            super("the chat model was answering alongside the input check; its call was cancelled and its answer "
                    + "discarded unseen", null, false, false);
        }
    }
}
