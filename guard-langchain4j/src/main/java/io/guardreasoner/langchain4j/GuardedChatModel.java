package io.guardreasoner.langchain4j;

import dev.langchain4j.guardrail.InputGuardrailException;
import dev.langchain4j.guardrail.OutputGuardrailException;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Decision;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.Rail;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;

/**
 * A {@link ChatModel} that answers only with what GuardReasoner has passed.
 *
 * <ol>
 *   <li>With {@link InputMode#PARALLEL}, it judges the user's message on the {@link Rail#INPUT input rail} while the
 *       wrapped model already answers it (on a virtual thread), and returns nothing before the verdict: block → the
 *       model call is interrupted, its answer discarded unseen, and the call fails with the
 *       {@link InputGuardrailException} a {@link GuardReasonerInputGuardrail} would have thrown; rewrite → the
 *       model is asked again with the rewritten message (the speculative answer was for the original one). With
 *       {@link InputMode#SEQUENTIAL} (the default) it checks no input: an input guardrail does.</li>
 *   <li>It judges the answer with the user message on the {@link Rail#OUTPUT output rail}: allow → the answer;
 *       rewrite → the policy's safe message (any tool calls dropped); reprompt → the model is asked again with the
 *       guidance, at most {@code maxReprompts} times; block → {@link OutputGuardrailException}.</li>
 *   <li>An answer with tool calls and no text passes unjudged, unless {@code toolCalls(true)}: then the calls are
 *       judged on the output rail before the AI service can run them, rendered one per line as
 *       {@code Tool call: name({...})}.</li>
 * </ol>
 * Thinking text is removed from the answer: no guard has read it. Input and output checks run on the calling
 * thread, so assessment listeners see them there, as with the guardrails.
 *
 * <pre>{@code
 * Assistant assistant = AiServices.builder(Assistant.class)
 *         .chatModel(GuardedChatModel.builder().delegate(model).guard(guard).inputMode(InputMode.PARALLEL).build())
 *         .build();   // no guardrails needed: the model checks both rails
 * }</pre>
 */
public final class GuardedChatModel implements ChatModel {

    private static final ThreadFactory SPECULATIVE = Thread.ofVirtual().name("guarded-chat-speculative-", 1).factory();

    private final ChatModel delegate;
    private final Supplier<Guard> guard;
    private final InputMode inputMode;
    private final OutputCheck output;
    private final int maxReprompts;

    private GuardedChatModel(Builder b) {
        this.delegate = Objects.requireNonNull(b.delegate, "delegate is required: GuardedChatModel.builder().delegate(model)");
        this.guard = b.guard != null ? b.guard : GuardReasoner::defaultGuard;
        this.inputMode = b.inputMode;
        this.output = new OutputCheck(b.toolCalls);
        this.maxReprompts = b.maxReprompts;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Every entry point of {@link ChatModel} (in each LangChain4j version) ends here, after the defaults are applied. */
    @Override
    public ChatResponse doChat(ChatRequest request) {
        Guard guard = this.guard.get();
        String userText = Texts.lastUserText(request.messages()).orElse("");
        ChatRequest asked = request;
        ChatResponse response;
        if (inputMode == InputMode.PARALLEL && ParallelInput.startsTurn(request)) {
            FutureTask<ChatResponse> speculative = new FutureTask<>(() -> delegate.chat(request));
            SPECULATIVE.newThread(speculative).start();
            Assessment input;
            try {
                input = guard.assess(Exchange.request(userText), Rail.INPUT);
            } catch (RuntimeException | Error e) {
                speculative.cancel(true);
                throw e;
            }
            switch (input.effectiveDecision()) {
                case Decision.Allow allow -> response = await(speculative);
                case Decision.Rewrite rewrite -> {
                    speculative.cancel(true);
                    asked = ParallelInput.rewritten(request, rewrite.text());
                    userText = rewrite.text();
                    response = delegate.chat(asked);
                }
                case Decision.Block block -> {
                    speculative.cancel(true);
                    throw ParallelInput.veto(input);
                }
                case Decision.Reprompt reprompt -> {
                    speculative.cancel(true);
                    throw ParallelInput.veto(input);
                }
            }
        } else {
            response = delegate.chat(request);
        }
        return judge(guard, asked, userText, response);
    }

    private ChatResponse judge(Guard guard, ChatRequest asked, String userText, ChatResponse response) {
        for (int reprompts = 0; ; reprompts++) {
            ChatResponse answer = OutputCheck.withoutThinking(response);
            Optional<String> judged = output.judgedText(answer == null ? null : answer.aiMessage());
            if (judged.isEmpty()) return answer;
            Assessment assessment = guard.assess(Exchange.of(userText, judged.get()), Rail.OUTPUT);
            switch (assessment.effectiveDecision()) {
                case Decision.Allow allow -> {
                    return answer;
                }
                case Decision.Rewrite rewrite -> {
                    return OutputCheck.rewritten(answer, rewrite.text());
                }
                case Decision.Block block -> throw OutputCheck.blocked(assessment);
                case Decision.Reprompt reprompt -> {
                    if (reprompts >= maxReprompts) {
                        throw OutputCheck.repromptsExhausted(reprompts, maxReprompts, reprompt, assessment);
                    }
                    response = delegate.chat(OutputCheck.reprompt(asked, reprompt.guidance()));
                }
            }
        }
    }

    /** The speculative answer, or the wrapped model's own exception. */
    private static ChatResponse await(FutureTask<ChatResponse> speculative) {
        try {
            return speculative.get();
        } catch (InterruptedException e) {
            speculative.cancel(true);
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for the chat model");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) throw runtime;
            if (cause instanceof Error error) throw error;
            throw new IllegalStateException("the chat model failed: " + cause, cause);
        }
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return delegate.defaultRequestParameters();
    }

    @Override
    public ModelProvider provider() {
        return delegate.provider();
    }

    @Override
    public Set<Capability> supportedCapabilities() {
        return delegate.supportedCapabilities();
    }

    /** The wrapped model. */
    public ChatModel delegate() {
        return delegate;
    }

    /** When this model checks the user's message. */
    public InputMode inputMode() {
        return inputMode;
    }

    /** Builds a {@link GuardedChatModel}. Only {@link #delegate} is required. */
    public static final class Builder {
        private ChatModel delegate;
        private Supplier<Guard> guard;
        private InputMode inputMode = InputMode.SEQUENTIAL;
        private boolean toolCalls;
        private int maxReprompts = 2;

        private Builder() {
        }

        /** The chat model whose answers are guarded. Required. */
        public Builder delegate(ChatModel delegate) {
            this.delegate = delegate;
            return this;
        }

        /** The guard. Default: {@link GuardReasoner#defaultGuard()}, looked up at each call. */
        public Builder guard(Guard guard) {
            Objects.requireNonNull(guard, "guard");
            this.guard = () -> guard;
            return this;
        }

        /** When the user's message is checked. Default {@link InputMode#SEQUENTIAL}: by an input guardrail. */
        public Builder inputMode(InputMode inputMode) {
            this.inputMode = Objects.requireNonNull(inputMode, "inputMode");
            return this;
        }

        /** Judge tool calls on the output rail before the AI service can run them. Default false. */
        public Builder toolCalls(boolean toolCalls) {
            this.toolCalls = toolCalls;
            return this;
        }

        /** New answers a reprompt decision may ask for before the call fails. Default 2. */
        public Builder maxReprompts(int maxReprompts) {
            if (maxReprompts < 0) throw new IllegalArgumentException("maxReprompts must be 0 or more, was " + maxReprompts);
            this.maxReprompts = maxReprompts;
            return this;
        }

        public GuardedChatModel build() {
            return new GuardedChatModel(this);
        }
    }
}
