package io.guardreasoner.langchain4j;

import dev.langchain4j.guardrail.InputGuardrailException;
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
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialThinkingContext;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.PartialToolCallContext;
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
import java.util.Optional;
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
 *   <li>it buffers the wrapped model's partial answer and emits nothing of it; while the answer streams in, it
 *       offers the text so far to {@link Guard#prefill} (every {@value #PREFILL_EVERY_CHARS} characters) so that the
 *       guard's backend can get ahead on the coming check;</li>
 *   <li>with {@link InputMode#PARALLEL}, it judges the user's message on the {@link Rail#INPUT input rail} while the
 *       model streams, and releases nothing (no token, no tool call) before the verdict: block → the model's stream
 *       is cancelled ({@link StreamingHandle#cancel()}, where the model offers it), its answer discarded unseen,
 *       and the call ends with the {@link InputGuardrailException} a {@link GuardReasonerInputGuardrail} would have
 *       thrown; rewrite → the model is asked again with the rewritten message;</li>
 *   <li>when the answer is complete, it judges it with the user message on the {@link Rail#OUTPUT output rail};</li>
 *   <li>allow → it emits the judged text (in the model's own chunks when they add up to exactly that text);
 *       rewrite → it emits the policy's safe message instead; reprompt → it asks the wrapped model again with the
 *       guidance, at most {@code maxReprompts} times; block → it emits nothing and ends with an
 *       {@link OutputGuardrailException};</li>
 *   <li>every call ends in exactly one {@code onCompleteResponse} or one {@code onError}: wrapped-model errors,
 *       guard failures (as the policy decides), a throwing handler and a model that never finishes within
 *       {@code timeout} included.</li>
 * </ol>
 * Thinking (partial and in the complete answer) and any other event the wrapper does not know are dropped: no guard
 * has read them. Tool-call events pass through as they come, and tool-call answers with no text pass unjudged, so
 * tools still work; with {@code toolCalls(true)} the calls are judged first (as {@code Tool call: name({...})}
 * lines) and their events are held back until the verdict, then replayed, or dropped with the answer.
 *
 * <pre>{@code
 * Assistant assistant = AiServices.builder(Assistant.class)
 *         .streamingChatModel(GuardedStreamingChatModel.builder().delegate(model).guard(guard).build())
 *         .inputGuardrails(new GuardReasonerInputGuardrail(guard))   // no output guardrail needed
 *         .build();
 * }</pre>
 */
public final class GuardedStreamingChatModel implements StreamingChatModel {

    /** How much more text must have streamed in before it is offered to the guard's prefill again. */
    static final int PREFILL_EVERY_CHARS = 64;

    private static final System.Logger LOG = System.getLogger(GuardedStreamingChatModel.class.getName());
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private final StreamingChatModel delegate;
    private final Supplier<Guard> guard;
    private final InputMode inputMode;
    private final OutputCheck output;
    private final boolean prefill;
    private final int maxReprompts;
    private final Duration timeout;

    private GuardedStreamingChatModel(Builder b) {
        this.delegate = Objects.requireNonNull(b.delegate, "delegate is required: GuardedStreamingChatModel.builder().delegate(model)");
        this.guard = b.guard != null ? b.guard : GuardReasoner::defaultGuard;
        this.inputMode = b.inputMode;
        this.output = new OutputCheck(b.toolCalls);
        this.prefill = b.prefill;
        this.maxReprompts = b.maxReprompts;
        this.timeout = b.timeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Every entry point of {@link StreamingChatModel} (in each LangChain4j version) ends here. */
    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(handler, "handler");
        Turn turn = new Turn(handler);
        turn.timer = TIMER.schedule(turn::timeOut, timeout.toNanos(), TimeUnit.NANOSECONDS);
        turn.start(request);
    }

    /** One guarded call: its state, and the single terminal signal it owes the handler. */
    private final class Turn implements StreamingHandle {
        private final StreamingChatResponseHandler handler;
        private final AtomicBoolean finished = new AtomicBoolean();
        private volatile Guard guard;
        private volatile boolean cancelled;
        private volatile ScheduledFuture<?> timer;
        /** The model call now running; cancelled when the turn ends early. */
        private volatile Attempt current;

        Turn(StreamingChatResponseHandler handler) {
            this.handler = handler;
        }

        void start(ChatRequest request) {
            String userText = Texts.lastUserText(request.messages()).orElse("");
            try {
                guard = GuardedStreamingChatModel.this.guard.get();
            } catch (RuntimeException e) {
                fail(e);
                return;
            }
            if (inputMode != InputMode.PARALLEL || !ParallelInput.startsTurn(request)) {
                attempt(request, request, userText, 0, true);
                return;
            }
            CompletableFuture<Assessment> input;
            try {
                input = guard.assessAsync(Exchange.request(userText), Rail.INPUT);
            } catch (RuntimeException e) {
                fail(e);
                return;
            }
            Attempt speculative = attempt(request, request, userText, 0, false);
            input.whenComplete((assessment, error) -> {
                try {
                    if (error != null) {
                        speculative.abandon();
                        fail(error);
                        return;
                    }
                    onInputVerdict(speculative, assessment);
                } catch (RuntimeException e) {
                    fail(e);
                }
            });
        }

        private void onInputVerdict(Attempt speculative, Assessment input) {
            switch (input.effectiveDecision()) {
                case Decision.Allow allow -> speculative.release();
                case Decision.Rewrite rewrite -> {
                    // The speculative answer was for the user's words: the rewrite needs an answer of its own.
                    speculative.abandon();
                    ChatRequest rewritten = ParallelInput.rewritten(speculative.request, rewrite.text());
                    attempt(rewritten, rewritten, rewrite.text(), 0, true);
                }
                case Decision.Block block -> {
                    speculative.abandon();
                    fail(ParallelInput.veto(input));
                }
                case Decision.Reprompt reprompt -> {
                    speculative.abandon();
                    fail(ParallelInput.veto(input));
                }
            }
        }

        /** Starts a model call; {@code released} says whether its input is already judged. */
        private Attempt attempt(ChatRequest base, ChatRequest request, String userText, int reprompts, boolean released) {
            Attempt attempt = new Attempt(this, base, request, userText, reprompts);
            current = attempt;
            if (finished.get()) return attempt;
            if (released) attempt.release();
            try {
                delegate.chat(request, attempt);
            } catch (RuntimeException e) {
                attempt.onError(e);
            }
            return attempt;
        }

        /** The attempt's answer is complete and its input allowed: judge it. */
        void judge(Attempt attempt, ChatResponse complete) {
            if (finished.get()) return;
            ChatResponse response = OutputCheck.withoutThinking(complete);
            Optional<String> judged = output.judgedText(response == null ? null : response.aiMessage());
            if (judged.isEmpty()) {
                // A tool round with nothing for the user to read: the AI service runs the tools and asks again.
                complete(response);
                return;
            }
            CompletableFuture<Assessment> check;
            try {
                check = guard.assessAsync(Exchange.of(attempt.userText, judged.get()), Rail.OUTPUT);
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
                    act(attempt, response, judged.get(), assessment);
                } catch (RuntimeException e) {
                    fail(e);
                }
            });
        }

        private void act(Attempt attempt, ChatResponse response, String judged, Assessment assessment) {
            switch (assessment.effectiveDecision()) {
                case Decision.Allow allow -> {
                    String text = response.aiMessage().text() == null ? "" : response.aiMessage().text();
                    // The model's own chunks, but only when they are exactly the text the guard judged.
                    List<String> chunks = attempt.chunks();
                    emit(String.join("", chunks).equals(text) ? chunks : List.of(text));
                    attempt.replayHeldToolCalls();
                    complete(response);
                }
                case Decision.Rewrite rewrite -> {
                    emit(List.of(rewrite.text()));
                    complete(OutputCheck.rewritten(response, rewrite.text()));
                }
                case Decision.Block block -> fail(OutputCheck.blocked(assessment));
                case Decision.Reprompt reprompt -> {
                    if (attempt.reprompts >= maxReprompts) {
                        fail(OutputCheck.repromptsExhausted(attempt.reprompts, maxReprompts, reprompt, assessment));
                        return;
                    }
                    attempt(attempt.base, OutputCheck.reprompt(attempt.base, reprompt.guidance()), attempt.userText,
                            attempt.reprompts + 1, true);
                }
            }
        }

        void prefill(String userText, String textSoFar) {
            try {
                guard.prefill(userText, textSoFar);
            } catch (RuntimeException e) {
                // A prefill is only a head start: without it the check computes everything itself.
                LOG.log(System.Logger.Level.DEBUG, "prefill failed: {0}", e.toString());
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
            if (!finish()) return;
            Attempt running = current;
            if (running != null) running.abandon();
            deliverError(error);
        }

        boolean isFinished() {
            return finished.get();
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

    /**
     * One call of the wrapped model: it collects the answer, holds back what may not pass yet, and hands the complete
     * answer to the turn once its input is {@link #release() released}.
     */
    private final class Attempt implements StreamingChatResponseHandler {
        private final Turn turn;
        /** The request reprompts build on: the caller's, or its rewrite. */
        final ChatRequest base;
        final ChatRequest request;
        final String userText;
        final int reprompts;
        private final List<String> chunks = new ArrayList<>();
        private final StringBuilder text = new StringBuilder();
        /** Tool-call events not handed on yet, in arrival order. */
        private final List<Runnable> heldToolCalls = new ArrayList<>();
        private final CompletableFuture<ChatResponse> outcome = new CompletableFuture<>();
        private int prefilledChars;
        private boolean released;
        private volatile boolean abandoned;
        private volatile StreamingHandle stream;

        Attempt(Turn turn, ChatRequest base, ChatRequest request, String userText, int reprompts) {
            this.turn = turn;
            this.base = base;
            this.request = request;
            this.userText = userText;
            this.reprompts = reprompts;
        }

        /** The input is allowed: tool calls may pass (unless judged), the answer may be judged when complete. */
        void release() {
            String soFar;
            synchronized (this) {
                if (released || abandoned) return;
                released = true;
                if (!output.judgesToolCalls()) flushHeldToolCalls();
                soFar = prefill && !text.isEmpty() ? text.toString() : null;
                prefilledChars = text.length();
            }
            if (soFar != null) turn.prefill(userText, soFar);
            outcome.whenComplete((response, error) -> {
                if (abandoned) return;
                if (error != null) turn.fail(error);
                else turn.judge(this, response);
            });
        }

        /** Drops this call: its answer is not wanted. The model's stream is cancelled where the model allows it. */
        void abandon() {
            abandoned = true;
            synchronized (this) {
                heldToolCalls.clear();
            }
            cancelStream();
        }

        private void cancelStream() {
            StreamingHandle handle = stream;
            if (handle == null) return;
            try {
                handle.cancel();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "the streaming model could not cancel its stream: {0}", e.toString());
            }
        }

        synchronized List<String> chunks() {
            return List.copyOf(chunks);
        }

        /** Hands on the tool-call events held back for the judge; called once it allowed the answer. */
        synchronized void replayHeldToolCalls() {
            flushHeldToolCalls();
        }

        private void flushHeldToolCalls() {
            for (Runnable event : heldToolCalls) {
                if (turn.isFinished()) break;
                event.run();
            }
            heldToolCalls.clear();
        }

        /** True when events of this call must be ignored; cancels the stream once a handle is known. */
        private boolean ignored(StreamingHandle handle) {
            if (handle != null && stream == null) stream = handle;
            if (!abandoned && !turn.isFinished()) return false;
            if (abandoned) cancelStream();
            return true;
        }

        @Override
        public void onPartialResponse(String partial) {
            onText(partial, null);
        }

        @Override
        public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
            onText(partial == null ? null : partial.text(), context == null ? null : context.streamingHandle());
        }

        private void onText(String partial, StreamingHandle handle) {
            if (ignored(handle) || partial == null) return;
            String soFar = null;
            synchronized (this) {
                chunks.add(partial);
                text.append(partial);
                if (prefill && released && text.length() - prefilledChars >= PREFILL_EVERY_CHARS) {
                    prefilledChars = text.length();
                    soFar = text.toString();
                }
            }
            if (soFar != null) turn.prefill(userText, soFar);
        }

        @Override
        public void onPartialThinking(PartialThinking thinking) {
            // Dropped: no guard reads thinking.
        }

        @Override
        public void onPartialThinking(PartialThinking thinking, PartialThinkingContext context) {
            ignored(context == null ? null : context.streamingHandle());
        }

        @Override
        public void onPartialToolCall(PartialToolCall call) {
            onToolCall(() -> turn.handler.onPartialToolCall(call), null);
        }

        @Override
        public void onPartialToolCall(PartialToolCall call, PartialToolCallContext context) {
            onToolCall(() -> turn.handler.onPartialToolCall(call), context == null ? null : context.streamingHandle());
        }

        @Override
        public void onCompleteToolCall(CompleteToolCall call) {
            // With concurrent tool execution the AI service starts the tool on this event: it must wait its turn too.
            onToolCall(() -> turn.handler.onCompleteToolCall(call), null);
        }

        private void onToolCall(Runnable event, StreamingHandle handle) {
            if (ignored(handle)) return;
            synchronized (this) {
                if (released && !output.judgesToolCalls()) event.run();
                else heldToolCalls.add(event);
            }
        }

        @Override
        public void onCompleteResponse(ChatResponse response) {
            if (abandoned) return;
            outcome.complete(response);
        }

        @Override
        public void onError(Throwable error) {
            if (abandoned) return;
            outcome.completeExceptionally(error);
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

    /** When this model checks the user's message. */
    public InputMode inputMode() {
        return inputMode;
    }

    /** Builds a {@link GuardedStreamingChatModel}. Only {@link #delegate} is required. */
    public static final class Builder {
        private StreamingChatModel delegate;
        private Supplier<Guard> guard;
        private InputMode inputMode = InputMode.SEQUENTIAL;
        private boolean toolCalls;
        private boolean prefill = true;
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

        /** When the user's message is checked. Default {@link InputMode#SEQUENTIAL}: by an input guardrail. */
        public Builder inputMode(InputMode inputMode) {
            this.inputMode = Objects.requireNonNull(inputMode, "inputMode");
            return this;
        }

        /** Judge tool calls on the output rail before they are handed on. Default false. */
        public Builder toolCalls(boolean toolCalls) {
            this.toolCalls = toolCalls;
            return this;
        }

        /**
         * Offer the answer, while it streams in, to {@link Guard#prefill} so the output check starts ahead. Never
         * changes a verdict. Default true.
         */
        public Builder prefill(boolean prefill) {
            this.prefill = prefill;
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
