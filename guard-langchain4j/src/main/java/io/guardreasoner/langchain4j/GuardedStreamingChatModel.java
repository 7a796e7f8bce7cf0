package io.guardreasoner.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.guardrail.OutputGuardrailException;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import io.guardreasoner.core.internal.Durations;
import io.guardreasoner.core.Assessment;
import io.guardreasoner.core.Decision;
import io.guardreasoner.core.Exchange;
import io.guardreasoner.core.Guard;
import io.guardreasoner.core.Rail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A {@link StreamingChatModel} that streams only text GuardReasoner has passed.
 *
 * <p>LangChain4j 1.11.0 buffers the tokens of a {@code TokenStream} while output guardrails run, then replays the
 * <em>original</em> tokens to {@code onPartialResponse}, even when a guardrail rewrote the answer or a reprompt
 * replaced it; and a guardrail exception thrown while completing may be swallowed by the streaming model, so the
 * stream never ends. This wrapper guards on the model side instead:
 * <ol>
 *   <li>it buffers the wrapped model's partial answer and emits nothing of it;</li>
 *   <li>when the answer is complete, it judges it with the user message on the {@link Rail#OUTPUT output rail};</li>
 *   <li>allow → it emits the judged text (in the model's own chunks when they add up to exactly that text);
 *       rewrite → it emits the policy's safe message instead; reprompt → it asks the wrapped model again with the
 *       guidance, at most {@code maxReprompts} times; block → it emits nothing and ends with an
 *       {@link OutputGuardrailException};</li>
 *   <li>every call ends in exactly one {@code onCompleteResponse} or one {@code onError}: wrapped-model errors,
 *       guard failures (as the policy decides), a throwing handler and a model that never finishes within
 *       {@code timeout} included.</li>
 * </ol>
 * Thinking tokens are dropped (they are unguarded text); tool-call events, and tool-call answers with no text,
 * pass through unjudged so tools still work.
 *
 * <pre>{@code
 * Assistant assistant = AiServices.builder(Assistant.class)
 *         .streamingChatModel(GuardedStreamingChatModel.builder().delegate(model).guard(guard).build())
 *         .inputGuardrails(new GuardReasonerInputGuardrail(guard))   // no output guardrail needed
 *         .build();
 * }</pre>
 */
public final class GuardedStreamingChatModel implements StreamingChatModel {

    private static final System.Logger LOG = System.getLogger(GuardedStreamingChatModel.class.getName());
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private final StreamingChatModel delegate;
    private final Supplier<Guard> guard;
    private final int maxReprompts;
    private final Duration timeout;

    private GuardedStreamingChatModel(Builder b) {
        this.delegate = Objects.requireNonNull(b.delegate, "delegate is required: GuardedStreamingChatModel.builder().delegate(model)");
        this.guard = b.guard != null ? b.guard : GuardReasoner::defaultGuard;
        this.maxReprompts = b.maxReprompts;
        this.timeout = b.timeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void chat(ChatRequest request, StreamingChatResponseHandler handler) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(handler, "handler");
        Turn turn = new Turn(request, handler);
        turn.timer = TIMER.schedule(turn::timeOut, timeout.toNanos(), TimeUnit.NANOSECONDS);
        turn.attempt(request, 0);
    }

    /** One guarded call: its state, and the single terminal signal it owes the handler. */
    private final class Turn implements StreamingHandle {
        private final ChatRequest original;
        private final StreamingChatResponseHandler handler;
        private final String userText;
        private final AtomicBoolean finished = new AtomicBoolean();
        private volatile boolean cancelled;
        private volatile ScheduledFuture<?> timer;

        Turn(ChatRequest original, StreamingChatResponseHandler handler) {
            this.original = original;
            this.handler = handler;
            this.userText = Texts.lastUserText(original.messages()).orElse("");
        }

        void attempt(ChatRequest request, int reprompts) {
            List<String> chunks = new ArrayList<>();
            try {
                delegate.chat(request, new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String partial) {
                        synchronized (chunks) {
                            if (partial != null) chunks.add(partial);
                        }
                    }

                    @Override
                    public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                        onPartialResponse(partial.text());
                    }

                    @Override
                    public void onPartialToolCall(PartialToolCall call) {
                        if (!finished.get()) handler.onPartialToolCall(call);
                    }

                    @Override
                    public void onCompleteToolCall(CompleteToolCall call) {
                        if (!finished.get()) handler.onCompleteToolCall(call);
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        List<String> copy;
                        synchronized (chunks) {
                            copy = List.copyOf(chunks);
                        }
                        judge(request, response, copy, reprompts);
                    }

                    @Override
                    public void onError(Throwable error) {
                        fail(error);
                    }
                });
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        private void judge(ChatRequest request, ChatResponse response, List<String> chunks, int reprompts) {
            if (finished.get()) return;
            AiMessage answer = response == null ? null : response.aiMessage();
            String text = answer == null || answer.text() == null ? "" : answer.text();
            if (answer != null && answer.hasToolExecutionRequests() && text.isBlank()) {
                // A tool round with nothing for the user to read: the AI service runs the tools and asks again.
                complete(response);
                return;
            }
            CompletableFuture<Assessment> check;
            try {
                check = guard.get().assessAsync(Exchange.of(userText, text), Rail.OUTPUT);
            } catch (RuntimeException e) {
                fail(e);
                return;
            }
            check.whenComplete((assessment, error) -> {
                if (error != null) {
                    fail(error);
                    return;
                }
                try {
                    act(request, response, text, chunks, reprompts, assessment);
                } catch (RuntimeException e) {
                    fail(e);
                }
            });
        }

        private void act(ChatRequest request, ChatResponse response, String text, List<String> chunks, int reprompts,
                         Assessment assessment) {
            switch (assessment.effectiveDecision()) {
                case Decision.Allow allow -> {
                    // The model's own chunks, but only when they are exactly the text the guard judged.
                    emit(String.join("", chunks).equals(text) ? chunks : List.of(text));
                    complete(response);
                }
                case Decision.Rewrite rewrite -> {
                    emit(List.of(rewrite.text()));
                    complete(ChatResponse.builder()
                            .aiMessage(AiMessage.from(rewrite.text()))
                            .metadata(response.metadata())
                            .build());
                }
                case Decision.Block block -> fail(new OutputGuardrailException(Texts.vetoMessage(assessment)));
                case Decision.Reprompt reprompt -> {
                    if (reprompts >= maxReprompts) {
                        fail(new OutputGuardrailException("GuardReasoner asked for a new answer " + (reprompts + 1)
                                + " times, more than the " + maxReprompts + " reprompts allowed: "
                                + reprompt.guidance() + Texts.labels(assessment, "")));
                        return;
                    }
                    List<ChatMessage> messages = new ArrayList<>(original.messages());
                    messages.add(UserMessage.from(reprompt.guidance()));
                    attempt(request.toBuilder().messages(messages).build(), reprompts + 1);
                }
            }
        }

        private void emit(List<String> chunks) {
            PartialResponseContext context = new PartialResponseContext(this);
            for (String chunk : chunks) {
                if (finished.get() || cancelled) return;
                if (chunk.isEmpty()) continue;
                handler.onPartialResponse(new PartialResponse(chunk), context);
            }
        }

        private void complete(ChatResponse response) {
            if (!finish()) return;
            try {
                handler.onCompleteResponse(response);
            } catch (RuntimeException e) {
                // E.g. an AI service's own output guardrails vetoed: the caller still hears how the call ended.
                deliverError(e);
            }
        }

        void fail(Throwable error) {
            if (finish()) deliverError(error);
        }

        /** True for the one caller that may send the terminal signal. */
        private boolean finish() {
            if (!finished.compareAndSet(false, true)) return false;
            ScheduledFuture<?> t = timer;
            if (t != null) t.cancel(false);
            return true;
        }

        private void deliverError(Throwable error) {
            try {
                handler.onError(error);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "the stream's error handler failed", e);
            }
        }

        void timeOut() {
            fail(new TimeoutException("no guarded answer within " + timeout.toMillis()
                    + " ms; raise GuardedStreamingChatModel's timeout or check the streaming model"));
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "guarded-stream-timeout");
            t.setDaemon(true);
            return t;
        });
        // Finished calls take their timers out of the queue at once.
        timer.setRemoveOnCancelPolicy(true);
        return timer;
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
    public StreamingChatModel delegate() {
        return delegate;
    }

    /** Builds a {@link GuardedStreamingChatModel}. Only {@link #delegate} is required. */
    public static final class Builder {
        private StreamingChatModel delegate;
        private Supplier<Guard> guard;
        private int maxReprompts = 2;
        private Duration timeout = Duration.ofMinutes(5);

        private Builder() {
        }

        /** The streaming model whose answers are guarded. Required. */
        public Builder delegate(StreamingChatModel delegate) {
            this.delegate = delegate;
            return this;
        }

        /** The guard. Default: {@link GuardReasoner#defaultGuard()}, looked up at each call. */
        public Builder guard(Guard guard) {
            Objects.requireNonNull(guard, "guard");
            this.guard = () -> guard;
            return this;
        }

        /** New answers a reprompt decision may ask for before the stream fails. Default 2, as LangChain4j's. */
        public Builder maxReprompts(int maxReprompts) {
            if (maxReprompts < 0) throw new IllegalArgumentException("maxReprompts must be 0 or more, was " + maxReprompts);
            this.maxReprompts = maxReprompts;
            return this;
        }

        /** The most a whole call may take, reprompts and checks included; then it ends with an error. Default 5 min. */
        public Builder timeout(Duration timeout) {
            this.timeout = Durations.requirePositive(timeout, "timeout");
            return this;
        }

        public GuardedStreamingChatModel build() {
            return new GuardedStreamingChatModel(this);
        }
    }
}
