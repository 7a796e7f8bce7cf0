package io.guardreasoner.spring;

import io.guardreasoner.core.GuardAction;
import io.guardreasoner.core.GuardPolicy;
import io.guardreasoner.core.Rail;
import io.guardreasoner.core.RailPolicy;
import io.guardreasoner.langchain4j.InputMode;
import io.guardreasoner.langchain4j.VetoMode;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Everything the starter reads from {@code guardreasoner.*}, bound once at start-up.
 *
 * <p>Each constructor checks its own values and throws an {@link InvalidGuardReasonerPropertyException} that names
 * the offending property, so a bad setting stops the application before it serves a single unguarded turn.
 *
 * @param enabled      turn the whole starter off with false
 * @param backend      where GuardReasoner runs: in-process with Jlama or llama.cpp, or on a LocalAI (OpenAI-compatible)
 *                     server; unset picks jlama when guard-jlama is on the class path, else localai (never llamacpp)
 * @param jlama        the Jlama backend's settings
 * @param localai      the LocalAI backend's settings
 * @param llamacpp     the llama.cpp backend's settings
 * @param fallback     a second backend tried when the first one fails: none, or another backend
 * @param mode         enforce: decisions are carried out; shadow: every turn passes unchanged while assessments, the
 *                     audit log and the metrics record the decision that would have been taken (enforced=false)
 * @param input        the input rail's policy (what happens to user messages) and, optionally, its own backend
 * @param output       the output rail's policy (what happens to model answers) and, optionally, its own backend
 * @param services     per AI service (by bean name), the rail settings and mode that differ from the global ones
 * @param tools        the tool-call rail: tool calls judged before the AI service runs them
 * @param cache        the verdict cache
 * @param timeout      the most one check may take, queueing included; then the rail's on-failure action applies
 * @param maxTokens    the most tokens the guard model may generate per check
 * @param earlyStop    on the input rail, stop generating once Task 1 (the request label) is answered
 * @param outputEarlyStop on the output rail, stop generating once Task 3's conclusion is out, before the answer
 *                     block; unset: on unless output.require-complete is set
 * @param labelProbe   when a cut Task 1 states no clear label, ask the model for the request's label right away
 *                     instead of letting it finish (the label is then conditioned on Task 1 alone)
 * @param topLogprobs  likeliest tokens the backend reports per generated position, for the verdict's label
 *                     confidence (and the harmful thresholds); 0 asks for none
 * @param maxConcurrent checks that run at once
 * @param maxQueued    checks that may wait for a worker; more fail at once as overloaded
 * @param audit        the SLF4J audit log
 */
@ConfigurationProperties(GuardReasonerProperties.PREFIX)
public record GuardReasonerProperties(
        @DefaultValue("true") boolean enabled,
        BackendType backend,
        @DefaultValue Jlama jlama,
        @DefaultValue Localai localai,
        @DefaultValue Llamacpp llamacpp,
        @DefaultValue("none") FallbackType fallback,
        @DefaultValue("enforce") Mode mode,
        @DefaultValue Input input,
        @DefaultValue Output output,
        Map<String, Service> services,
        @DefaultValue Tools tools,
        @DefaultValue Cache cache,
        @DefaultValue("120s") Duration timeout,
        @DefaultValue("1024") int maxTokens,
        @DefaultValue("true") boolean earlyStop,
        Boolean outputEarlyStop,
        @DefaultValue("false") boolean labelProbe,
        @DefaultValue("5") int topLogprobs,
        @DefaultValue("4") int maxConcurrent,
        @DefaultValue("256") int maxQueued,
        @DefaultValue Audit audit) {

    /** The prefix of every property. */
    public static final String PREFIX = "guardreasoner";

    public GuardReasonerProperties {
        requirePositive("timeout", timeout);
        if (maxTokens < 1) throw invalid("max-tokens", maxTokens, "must be at least 1");
        if (maxConcurrent < 1) throw invalid("max-concurrent", maxConcurrent, "must be at least 1");
        if (maxQueued < 1) throw invalid("max-queued", maxQueued, "must be at least 1");
        if (topLogprobs < 0 || topLogprobs > 20) throw invalid("top-logprobs", topLogprobs, "must be 0 (none) to 20");
        if ((backend == BackendType.LOCALAI || fallback == FallbackType.LOCALAI) && localai.baseUrls().isEmpty()) {
            throw invalid("localai.base-urls", "", "is required when the guard runs on LocalAI; "
                    + "set it to the server's OpenAI-compatible base URL, e.g. http://localhost:8080/v1");
        }
        if ((backend == BackendType.LLAMACPP || fallback == FallbackType.LLAMACPP) && !llamacpp.hasModel()) {
            throw invalid("llamacpp.gguf", "", "or guardreasoner.llamacpp.model-dir is required when the guard runs on "
                    + "llama.cpp; set it to a GGUF file, or to a Hugging Face model folder to convert once");
        }
        if (backend != null && fallback.backend() == backend) {
            throw invalid("fallback", backend.label(), "cannot be the same as guardreasoner.backend; use none or "
                    + "another backend");
        }
        services = services == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(services));
        // Each rail's own backend settings, merged key by key over the global ones, must be valid on their own.
        for (Rail rail : Rail.values()) {
            String prefix = rail.label() + ".";
            BackendSettings settings = under(prefix, () -> backendSettings(rail, jlama, localai, llamacpp, input, output));
            BackendType own = rail == Rail.INPUT ? input.backend() : output.backend();
            if ((own != null ? own : backend) == BackendType.LOCALAI && settings.localai().baseUrls().isEmpty()) {
                throw invalid(prefix + "localai.base-urls", "", "is required when the " + rail.label() + " rail runs "
                        + "on LocalAI; set it, or guardreasoner.localai.base-urls for both rails");
            }
            if ((own != null ? own : backend) == BackendType.LLAMACPP && !settings.llamacpp().hasModel()) {
                throw invalid(prefix + "llamacpp.gguf", "", "or " + PREFIX + "." + prefix + "llamacpp.model-dir is "
                        + "required when the " + rail.label() + " rail runs on llama.cpp; set it, or "
                        + "guardreasoner.llamacpp.gguf for both rails");
            }
        }
        for (Map.Entry<String, Service> service : services.entrySet()) {
            Service own = service.getValue();
            under("services." + service.getKey() + ".", () -> servicePolicy(own, input, output));
        }
    }

    /** Whether decisions are carried out. */
    public enum Mode {
        /** Decisions are carried out: blocks veto, rewrites replace, reprompts ask again. */
        ENFORCE,
        /**
         * Shadow mode ({@link GuardPolicy#observeOnly}): every turn passes unchanged; each assessment, audit line and
         * metric still carries the decision that would have been taken, with {@code enforced=false}.
         */
        SHADOW
    }

    /** Where the guard model runs, and the artifact that brings it. */
    public enum BackendType {
        /** In-process CPU inference with Jlama. */
        JLAMA("guard-jlama", "io.guardreasoner.jlama.JlamaBackend"),
        /** A LocalAI server, or any server with OpenAI's completions API. */
        LOCALAI("guard-localai", "io.guardreasoner.localai.LocalAiBackend"),
        /** In-process CPU inference with llama.cpp (native code); never picked unless a property names it. */
        LLAMACPP("guard-llamacpp", "io.guardreasoner.llamacpp.LlamaCppBackend");

        private final String artifactId;
        private final String backendClass;

        BackendType(String artifactId, String backendClass) {
            this.artifactId = artifactId;
            this.backendClass = backendClass;
        }

        /** The Maven artifact (group {@code io.guardreasoner}) that holds this backend. */
        public String artifactId() {
            return artifactId;
        }

        /** The backend's class, by name: the starter must not load it unless its artifact is there. */
        public String backendClass() {
            return backendClass;
        }

        /** The value as written in properties, e.g. {@code jlama}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The backend tried when the primary one fails. */
    public enum FallbackType {
        /** No fallback: a failure goes straight to the rail's on-failure action. */
        NONE(null),
        /** In-process Jlama, with the {@code guardreasoner.jlama.*} settings. */
        JLAMA(BackendType.JLAMA),
        /** A LocalAI server, with the {@code guardreasoner.localai.*} settings. */
        LOCALAI(BackendType.LOCALAI),
        /** In-process llama.cpp, with the {@code guardreasoner.llamacpp.*} settings. */
        LLAMACPP(BackendType.LLAMACPP);

        private final BackendType backend;

        FallbackType(BackendType backend) {
            this.backend = backend;
        }

        /** The backend this fallback names; null for none. */
        public BackendType backend() {
            return backend;
        }
    }

    /** How the Jlama backend runs BF16/F32 weights. */
    public enum JlamaQuantization {
        /** As stored: slowest, the exact reference. */
        NONE,
        /** Jlama's own Q4 at every load, float activations. */
        RUNTIME_Q4,
        /** Q4 once into the cache folder, 8-bit activations (the default). */
        PRE_QUANTIZED_Q4
    }

    /**
     * The in-process Jlama backend.
     *
     * @param model         a Hugging Face model id, used when model-dir is unset
     * @param modelDir      a local model directory (config.json, tokenizer.json, safetensors); wins over model
     * @param cacheDir      where downloaded and pre-quantized models are kept; unset uses Jlama's default
     * @param threads       Jlama's compute threads (one pool per JVM); 0 uses the physical cores
     * @param loadOnStartup load the model while the application starts instead of at the first check
     * @param quantization  how BF16/F32 weights run: none, runtime-q4, or pre-quantized-q4 (once, into cache-dir)
     * @param maxContextTokens the most tokens a prompt plus its verdict may have; 0 uses the backend's default
     * @param kvCacheEntries recent token sequences whose KV state stays in memory for reuse (the output rail reuses its
     *                      request's from the input rail; an early stop resumes from it); 0 keeps only the instruction's
     */
    public record Jlama(
            @DefaultValue("yueliu1999/GuardReasoner-3B") String model,
            Path modelDir,
            Path cacheDir,
            @DefaultValue("0") int threads,
            @DefaultValue("false") boolean loadOnStartup,
            @DefaultValue("pre-quantized-q4") JlamaQuantization quantization,
            @DefaultValue("0") int maxContextTokens,
            @DefaultValue("4") int kvCacheEntries) {

        public Jlama {
            if (kvCacheEntries < 0) throw invalid("jlama.kv-cache-entries", kvCacheEntries, "must be 0 or more");
            if (threads < 0) throw invalid("jlama.threads", threads, "must be 0 (automatic) or more");
            if (maxContextTokens < 0 || maxContextTokens == 1) {
                throw invalid("jlama.max-context-tokens", maxContextTokens, "must be 0 (default) or at least 2");
            }
            if ((model == null || model.isBlank()) && modelDir == null) {
                throw invalid("jlama.model", "", "is required unless guardreasoner.jlama.model-dir is set");
            }
        }
    }

    /** The weight type a model folder is converted to for the llama.cpp backend. */
    public enum LlamacppType {
        /** Float32: exact, largest, slowest. */
        F32,
        /** Half precision. */
        F16,
        /** 8-bit blocks: near-lossless, about half of F16. */
        Q8_0,
        /** 4-bit blocks (output projection at 8 bits): fastest on a CPU; the default. */
        Q4_0
    }

    /** How the llama.cpp backend stores its KV cache. */
    public enum LlamacppKvCacheType {
        /** Half precision, llama.cpp's default. */
        F16,
        /** Exact; twice the memory. */
        F32,
        /** 8-bit blocks; half of F16's memory, with flash attention. */
        Q8_0
    }

    /**
     * The in-process llama.cpp backend (artifact {@code guard-llamacpp}).
     *
     * @param gguf          a GGUF model file (from guard-cli convert or llama.cpp's converter)
     * @param modelDir      a Hugging Face Llama folder (config.json, tokenizer.json, safetensors), converted once into
     *                      cache-dir as type; set either gguf or model-dir
     * @param cacheDir      where converted models are kept; unset uses ~/.cache/guardreasoner/models
     * @param type          the type model-dir is converted to: f32, f16, q8_0 or q4_0
     * @param threads       llama.cpp's compute threads; 0 uses the available processors
     * @param slots         checks decoded together, each with its own KV cache; 0 uses guardreasoner.max-concurrent
     * @param contextTokens the most tokens one check (prompt plus verdict) may have, per slot
     * @param kvCacheType   how the KV cache is stored: f16, f32 or q8_0
     * @param loadOnStartup load the model while the application starts instead of at the first check
     */
    public record Llamacpp(
            Path gguf,
            Path modelDir,
            Path cacheDir,
            @DefaultValue("q4_0") LlamacppType type,
            @DefaultValue("0") int threads,
            @DefaultValue("0") int slots,
            @DefaultValue("8192") int contextTokens,
            @DefaultValue("f16") LlamacppKvCacheType kvCacheType,
            @DefaultValue("false") boolean loadOnStartup) {

        public Llamacpp {
            if (gguf != null && modelDir != null) {
                throw invalid("llamacpp.gguf", gguf, "and guardreasoner.llamacpp.model-dir are both set; set one: a "
                        + "GGUF file, or a Hugging Face folder to convert");
            }
            if (threads < 0) throw invalid("llamacpp.threads", threads, "must be 0 (automatic) or more");
            if (slots < 0 || slots > 64) throw invalid("llamacpp.slots", slots, "must be 0 (max-concurrent) to 64");
            if (contextTokens < 16) throw invalid("llamacpp.context-tokens", contextTokens, "must be at least 16");
        }

        /** Whether a model is named: a GGUF file or a folder. */
        boolean hasModel() {
            return gguf != null || modelDir != null;
        }
    }

    /**
     * The LocalAI backend.
     *
     * @param baseUrls  base URLs ending in /v1; calls go round-robin, and a call moves on to the next URL when a
     *                  server is down or fails (5xx)
     * @param modelName the model name the server knows GuardReasoner by
     * @param timeout   how long one HTTP call may take
     */
    public record Localai(
            @DefaultValue List<String> baseUrls,
            @DefaultValue("guardreasoner-3b") String modelName,
            @DefaultValue("60s") Duration timeout) {

        public Localai {
            baseUrls = baseUrls == null ? List.of() : List.copyOf(baseUrls);
            for (int i = 0; i < baseUrls.size(); i++) {
                String url = baseUrls.get(i);
                if (url == null || !(url.startsWith("http://") || url.startsWith("https://"))) {
                    throw invalid("localai.base-urls[" + i + "]", url, "must be an http:// or https:// URL");
                }
            }
            if (modelName == null || modelName.isBlank()) {
                throw invalid("localai.model-name", "", "must not be blank");
            }
            requirePositive("localai.timeout", timeout);
        }
    }

    /**
     * The input rail: what happens to a user message before the model sees it.
     *
     * @param onHarmful         action when the request is judged harmful: allow, block or rewrite
     * @param onIncomplete      action when the verdict has no request label
     * @param onFailure         action when the guard fails (backend down, timeout, overload)
     * @param rewriteMessage    the message put in place of the user's on rewrite; unset uses the built-in one
     * @param requireComplete   treat a verdict without a complete answer block as incomplete
     * @param requireConsistent treat a verdict whose reasoning contradicts its labels as incomplete
     * @param vetoMode          how the guardrail reports a block to LangChain4j: failure (other guardrails still
     *                          run) or fatal (the call stops at once)
     * @param harmfulThreshold  when set, in (0, 1], and the backend reports token probabilities: the request counts as
     *                          harmful when the model gave "harmful" at least this probability, whichever label it
     *                          wrote; unset, the label decides
     * @param backend           the backend that judges this rail, e.g. jlama for a small in-process model; unset uses
     *                          guardreasoner.backend
     * @param jlama             this rail's Jlama settings; each one unset takes guardreasoner.jlama's (model and
     *                          model-dir count as one setting)
     * @param localai           this rail's LocalAI settings; each one unset takes guardreasoner.localai's
     * @param llamacpp          this rail's llama.cpp settings; each one unset takes guardreasoner.llamacpp's (gguf
     *                          and model-dir count as one setting)
     * @param mode              when the user message is checked: sequential (the input guardrail, before the chat
     *                          model runs) or parallel (the application's chat models are wrapped and check it while
     *                          they already answer; nothing is released before the verdict)
     */
    public record Input(
            @DefaultValue("block") GuardAction onHarmful,
            @DefaultValue("block") GuardAction onIncomplete,
            @DefaultValue("block") GuardAction onFailure,
            String rewriteMessage,
            @DefaultValue("false") boolean requireComplete,
            @DefaultValue("false") boolean requireConsistent,
            @DefaultValue("failure") VetoMode vetoMode,
            Double harmfulThreshold,
            BackendType backend,
            @DefaultValue RailJlama jlama,
            @DefaultValue RailLocalai localai,
            @DefaultValue RailLlamacpp llamacpp,
            @DefaultValue("sequential") InputMode mode) {

        public Input {
            noReprompt("input.on-harmful", onHarmful);
            noReprompt("input.on-incomplete", onIncomplete);
            noReprompt("input.on-failure", onFailure);
            notBlankIfSet("input.rewrite-message", rewriteMessage);
            thresholdIfSet("input.harmful-threshold", harmfulThreshold);
        }

        /** These settings with a service's own keys in place of the ones it sets. */
        Input with(RailOverrides own) {
            own.onlyOutputKeysUnset();
            return new Input(or(own.onHarmful(), onHarmful), or(own.onIncomplete(), onIncomplete),
                    or(own.onFailure(), onFailure), or(own.rewriteMessage(), rewriteMessage),
                    or(own.requireComplete(), requireComplete), or(own.requireConsistent(), requireConsistent),
                    or(own.vetoMode(), vetoMode), or(own.harmfulThreshold(), harmfulThreshold), backend, jlama, localai,
                    llamacpp, mode);
        }

        private static void noReprompt(String property, GuardAction action) {
            if (action == GuardAction.REPROMPT) {
                throw invalid(property, "reprompt", "the input rail cannot reprompt: there is no model answer yet; "
                        + "use allow, block or rewrite");
            }
        }

        /** These settings as core rules. */
        public RailPolicy toRailPolicy() {
            RailPolicy base = RailPolicy.inputDefaults();
            RailPolicy rules = base.withOnHarmful(onHarmful).withOnIncomplete(onIncomplete).withOnFailure(onFailure)
                    .withRewriteMessage(rewriteMessage == null ? base.rewriteMessage() : rewriteMessage)
                    .withRequireComplete(requireComplete).withRequireConsistent(requireConsistent);
            return harmfulThreshold == null ? rules : rules.withHarmfulThreshold(harmfulThreshold);
        }
    }

    /**
     * The output rail: what happens to a model answer before the user sees it.
     *
     * @param onHarmful           action when the answer is judged harmful: allow, block, rewrite or reprompt
     * @param onIncomplete        action when the verdict has no response label
     * @param onFailure           action when the guard fails (backend down, timeout, overload)
     * @param rewriteMessage      the safe message put in place of the answer on rewrite; unset uses the built-in one
     * @param repromptGuidance    what the model is told when it must answer again; unset uses the built-in one
     * @param repromptOverRefusal ask the model again when it refused a request the guard found harmless
     * @param overRefusalGuidance what the model is told then; unset uses the built-in one
     * @param requireComplete     treat a verdict without a complete answer block as incomplete
     * @param requireConsistent   treat a verdict whose reasoning contradicts its labels as incomplete
     * @param vetoMode            how the guardrail reports a block to LangChain4j: failure or fatal
     * @param harmfulThreshold    when set, in (0, 1], and the backend reports token probabilities: the answer counts
     *                            as harmful when the model gave "harmful" at least this probability, whichever label it
     *                            wrote; unset, the label decides
     * @param backend             the backend that judges this rail, e.g. localai for a larger model on a server; unset
     *                            uses guardreasoner.backend
     * @param jlama               this rail's Jlama settings; each one unset takes guardreasoner.jlama's (model and
     *                            model-dir count as one setting)
     * @param localai             this rail's LocalAI settings; each one unset takes guardreasoner.localai's
     * @param llamacpp            this rail's llama.cpp settings; each one unset takes guardreasoner.llamacpp's (gguf
     *                            and model-dir count as one setting)
     */
    public record Output(
            @DefaultValue("rewrite") GuardAction onHarmful,
            @DefaultValue("rewrite") GuardAction onIncomplete,
            @DefaultValue("rewrite") GuardAction onFailure,
            String rewriteMessage,
            String repromptGuidance,
            @DefaultValue("false") boolean repromptOverRefusal,
            String overRefusalGuidance,
            @DefaultValue("false") boolean requireComplete,
            @DefaultValue("false") boolean requireConsistent,
            @DefaultValue("failure") VetoMode vetoMode,
            Double harmfulThreshold,
            BackendType backend,
            @DefaultValue RailJlama jlama,
            @DefaultValue RailLocalai localai,
            @DefaultValue RailLlamacpp llamacpp) {

        public Output {
            notBlankIfSet("output.rewrite-message", rewriteMessage);
            notBlankIfSet("output.reprompt-guidance", repromptGuidance);
            notBlankIfSet("output.over-refusal-guidance", overRefusalGuidance);
            thresholdIfSet("output.harmful-threshold", harmfulThreshold);
        }

        /** These settings with a service's own keys in place of the ones it sets. */
        Output with(RailOverrides own) {
            return new Output(or(own.onHarmful(), onHarmful), or(own.onIncomplete(), onIncomplete),
                    or(own.onFailure(), onFailure), or(own.rewriteMessage(), rewriteMessage),
                    or(own.repromptGuidance(), repromptGuidance), or(own.repromptOverRefusal(), repromptOverRefusal),
                    or(own.overRefusalGuidance(), overRefusalGuidance), or(own.requireComplete(), requireComplete),
                    or(own.requireConsistent(), requireConsistent), or(own.vetoMode(), vetoMode),
                    or(own.harmfulThreshold(), harmfulThreshold), backend, jlama, localai, llamacpp);
        }

        /** These settings as core rules. */
        public RailPolicy toRailPolicy() {
            RailPolicy base = RailPolicy.outputDefaults();
            RailPolicy rules = base.withOnHarmful(onHarmful).withOnIncomplete(onIncomplete).withOnFailure(onFailure)
                    .withRewriteMessage(rewriteMessage == null ? base.rewriteMessage() : rewriteMessage)
                    .withRepromptGuidance(repromptGuidance == null ? base.repromptGuidance() : repromptGuidance)
                    .withRepromptOverRefusal(repromptOverRefusal)
                    .withOverRefusalGuidance(overRefusalGuidance == null ? base.overRefusalGuidance() : overRefusalGuidance)
                    .withRequireComplete(requireComplete).withRequireConsistent(requireConsistent);
            return harmfulThreshold == null ? rules : rules.withHarmfulThreshold(harmfulThreshold);
        }
    }

    /**
     * One rail's Jlama settings; each one unset takes the global {@code guardreasoner.jlama} one. {@code model} and
     * {@code model-dir} are one setting: a rail that names either takes neither from the global settings.
     *
     * @param model            a Hugging Face model id, e.g. yueliu1999/GuardReasoner-1B for a fast input rail
     * @param modelDir         a local model directory; wins over model
     * @param cacheDir         where downloaded and pre-quantized models are kept
     * @param threads          Jlama's compute threads; one pool per JVM, so keep it equal on both rails
     * @param loadOnStartup    load this rail's model while the application starts
     * @param quantization     how BF16/F32 weights run: none, runtime-q4 or pre-quantized-q4
     * @param maxContextTokens the most tokens a prompt plus its verdict may have
     * @param kvCacheEntries   recent token sequences whose KV state this rail's model keeps for reuse
     */
    public record RailJlama(String model, Path modelDir, Path cacheDir, Integer threads, Boolean loadOnStartup,
                            JlamaQuantization quantization, Integer maxContextTokens, Integer kvCacheEntries) {

        /** The global settings with this rail's own in place of the ones it sets. */
        Jlama over(Jlama global) {
            boolean ownModel = model != null || modelDir != null;
            return new Jlama(ownModel ? (model != null ? model : global.model()) : global.model(),
                    ownModel ? modelDir : global.modelDir(), or(cacheDir, global.cacheDir()),
                    or(threads, global.threads()), or(loadOnStartup, global.loadOnStartup()),
                    or(quantization, global.quantization()), or(maxContextTokens, global.maxContextTokens()),
                    or(kvCacheEntries, global.kvCacheEntries()));
        }
    }

    /**
     * One rail's llama.cpp settings; each one unset takes the global {@code guardreasoner.llamacpp} one. {@code gguf}
     * and {@code model-dir} are one setting: a rail that names either takes neither from the global settings.
     *
     * @param gguf          a GGUF model file, e.g. a 1B model's for a fast input rail
     * @param modelDir      a Hugging Face Llama folder, converted once into cache-dir
     * @param cacheDir      where converted models are kept
     * @param type          the type model-dir is converted to
     * @param threads       llama.cpp's compute threads for this rail's model
     * @param slots         checks this rail's model decodes together; 0 uses guardreasoner.max-concurrent
     * @param contextTokens the most tokens one check may have, per slot
     * @param kvCacheType   how this rail's KV cache is stored
     * @param loadOnStartup load this rail's model while the application starts
     */
    public record RailLlamacpp(Path gguf, Path modelDir, Path cacheDir, LlamacppType type, Integer threads, Integer slots,
                               Integer contextTokens, LlamacppKvCacheType kvCacheType, Boolean loadOnStartup) {

        /** The global settings with this rail's own in place of the ones it sets. */
        Llamacpp over(Llamacpp global) {
            boolean ownModel = gguf != null || modelDir != null;
            return new Llamacpp(ownModel ? gguf : global.gguf(), ownModel ? modelDir : global.modelDir(),
                    or(cacheDir, global.cacheDir()), or(type, global.type()), or(threads, global.threads()),
                    or(slots, global.slots()), or(contextTokens, global.contextTokens()),
                    or(kvCacheType, global.kvCacheType()), or(loadOnStartup, global.loadOnStartup()));
        }
    }

    /**
     * One rail's LocalAI settings; each one unset takes the global {@code guardreasoner.localai} one.
     *
     * @param baseUrls  base URLs ending in /v1, e.g. another server for this rail
     * @param modelName the model name the server knows this rail's GuardReasoner by, e.g. guardreasoner-1b
     * @param timeout   how long one HTTP call may take
     */
    public record RailLocalai(List<String> baseUrls, String modelName, Duration timeout) {

        /** The global settings with this rail's own in place of the ones it sets. */
        Localai over(Localai global) {
            return new Localai(baseUrls != null && !baseUrls.isEmpty() ? baseUrls : global.baseUrls(),
                    or(modelName, global.modelName()), or(timeout, global.timeout()));
        }
    }

    /**
     * One AI service's own settings, under {@code guardreasoner.services.<bean name>}: each key it sets replaces the
     * global one of the same name, every other key is inherited. The service shares the guard (its model and cache).
     *
     * @param mode   enforce or shadow for this service alone; unset takes guardreasoner.mode
     * @param input  the input-rail keys this service sets (the policy keys of guardreasoner.input)
     * @param output the output-rail keys this service sets (the policy keys of guardreasoner.output)
     */
    public record Service(Mode mode, @DefaultValue RailOverrides input, @DefaultValue RailOverrides output) {
    }

    /**
     * The policy keys one AI service sets on one rail; unset ones take the global rail's. The input rail takes no
     * reprompt keys.
     *
     * @param onHarmful           action when the text is judged harmful
     * @param onIncomplete        action when the verdict lacks the rail's label
     * @param onFailure           action when the guard fails
     * @param rewriteMessage      the text put in place on rewrite
     * @param repromptGuidance    output rail: what the model is told when it must answer again
     * @param repromptOverRefusal output rail: ask the model again when it refused a harmless request
     * @param overRefusalGuidance output rail: what the model is told then
     * @param requireComplete     treat a verdict without a complete answer block as incomplete
     * @param requireConsistent   treat a verdict whose reasoning contradicts its labels as incomplete
     * @param vetoMode            how the guardrail reports a block: failure or fatal
     * @param harmfulThreshold    the P(harmful) from which the text counts as harmful, in (0, 1]
     */
    public record RailOverrides(GuardAction onHarmful, GuardAction onIncomplete, GuardAction onFailure,
                                String rewriteMessage, String repromptGuidance, Boolean repromptOverRefusal,
                                String overRefusalGuidance, Boolean requireComplete, Boolean requireConsistent,
                                VetoMode vetoMode, Double harmfulThreshold) {

        void onlyOutputKeysUnset() {
            if (repromptGuidance != null) throw invalid("input.reprompt-guidance", repromptGuidance, OUTPUT_ONLY);
            if (repromptOverRefusal != null) throw invalid("input.reprompt-over-refusal", repromptOverRefusal, OUTPUT_ONLY);
            if (overRefusalGuidance != null) throw invalid("input.over-refusal-guidance", overRefusalGuidance, OUTPUT_ONLY);
        }

        private static final String OUTPUT_ONLY = "applies to the output rail only";
    }

    /**
     * The tool-call rail.
     *
     * @param enabled judge the tool calls a model answer asks for on the output rail (as {@code Tool call: name({...})}
     *                lines) before the AI service runs them; the application's chat models are wrapped to do it
     */
    public record Tools(@DefaultValue("false") boolean enabled) {
    }

    /** True when the starter wraps the application's chat models in the guarded ones: a parallel input rail or the tool rail. */
    boolean wrapsChatModels() {
        return input.mode() == InputMode.PARALLEL || tools.enabled();
    }

    /**
     * The verdict cache: exact repeats (same model, rail and prompt) are answered without the model.
     *
     * @param size verdicts kept; 0 turns the cache off
     */
    public record Cache(@DefaultValue("1000") int size) {
        public Cache {
            if (size < 0) throw invalid("cache.size", size, "must be 0 (no cache) or more");
        }
    }

    /**
     * The audit log: one line per assessment on the SLF4J logger {@code guardreasoner.audit}.
     *
     * @param enabled          write the audit line
     * @param includeTexts     add the request and response texts; off by default, when only their SHA-256 is logged
     * @param includeReasoning add the model's reasoning; off by default
     * @param includeRaw       add the model's raw output; off by default
     * @param includeNeutralized add neutralized=N, the number of Llama-3 special-token strings neutralized in the
     *                         texts (attempts to smuggle control tokens into the guard); off by default, the metric
     *                         guardreasoner.prompt.neutralized counts them either way
     * @param maxChars         the longest text or reasoning written; longer ones are cut and marked
     */
    public record Audit(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("false") boolean includeTexts,
            @DefaultValue("false") boolean includeReasoning,
            @DefaultValue("false") boolean includeRaw,
            @DefaultValue("false") boolean includeNeutralized,
            @DefaultValue("2000") int maxChars) {
        public Audit {
            if (maxChars < 1) throw invalid("audit.max-chars", maxChars, "must be at least 1");
        }
    }

    /** The policy the global rail settings describe, before {@link #mode()} applies. */
    public GuardPolicy toPolicy() {
        return GuardPolicy.builder().input(input.toRailPolicy()).output(output.toRailPolicy()).build();
    }

    /** {@code policy} as {@code mode} runs it: unchanged to enforce, {@link GuardPolicy#observeOnly} in shadow mode. */
    public static GuardPolicy inMode(Mode mode, GuardPolicy policy) {
        return mode == Mode.SHADOW ? GuardPolicy.observeOnly(policy) : policy;
    }

    /**
     * The policy of one AI service: the global rails with the service's own keys in place, in the service's mode (or
     * the global one). A service without settings gets the global rails in the global mode.
     */
    public GuardPolicy toPolicy(String service) {
        Service own = services.get(service);
        if (own == null) return inMode(mode, toPolicy());
        return inMode(own.mode() != null ? own.mode() : mode, servicePolicy(own, input, output));
    }

    private static GuardPolicy servicePolicy(Service own, Input input, Output output) {
        return GuardPolicy.builder()
                .input(input.with(own.input()).toRailPolicy()).output(output.with(own.output()).toRailPolicy()).build();
    }

    /** How one AI service's guardrails report a block on each rail. */
    VetoMode vetoMode(String service, Rail rail) {
        Service own = services.get(service);
        RailOverrides keys = own == null ? null : rail == Rail.INPUT ? own.input() : own.output();
        VetoMode global = rail == Rail.INPUT ? input.vetoMode() : output.vetoMode();
        return keys == null || keys.vetoMode() == null ? global : keys.vetoMode();
    }

    /** The backend type a rail names: its own, else guardreasoner.backend (null: picked by the class path). */
    public BackendType backend(Rail rail) {
        BackendType own = rail == Rail.INPUT ? input.backend() : output.backend();
        return own != null ? own : backend;
    }

    /** The global backend settings, under {@code guardreasoner}. */
    BackendSettings backendSettings() {
        return new BackendSettings(PREFIX, jlama, localai, llamacpp);
    }

    /** One rail's backend settings: its own keys over the global ones, under {@code guardreasoner.<rail>}. */
    BackendSettings backendSettings(Rail rail) {
        return backendSettings(rail, jlama, localai, llamacpp, input, output);
    }

    private static BackendSettings backendSettings(Rail rail, Jlama jlama, Localai localai, Llamacpp llamacpp,
                                                   Input input, Output output) {
        RailJlama ownJlama = rail == Rail.INPUT ? input.jlama() : output.jlama();
        RailLocalai ownLocalai = rail == Rail.INPUT ? input.localai() : output.localai();
        RailLlamacpp ownLlamacpp = rail == Rail.INPUT ? input.llamacpp() : output.llamacpp();
        return new BackendSettings(PREFIX + "." + rail.label(), ownJlama.over(jlama), ownLocalai.over(localai),
                ownLlamacpp.over(llamacpp));
    }

    /** Runs a check of settings under {@code prefix}, naming a bad one by its full property name. */
    private static <T> T under(String prefix, Supplier<T> check) {
        try {
            return check.get();
        } catch (InvalidGuardReasonerPropertyException e) {
            throw e.under(PREFIX + ".", PREFIX + "." + prefix);
        }
    }

    private static <T> T or(T own, T global) {
        return own != null ? own : global;
    }

    private static void thresholdIfSet(String property, Double value) {
        if (value != null && !(value > 0 && value <= 1)) {
            throw invalid(property, value, "must be in (0, 1]: the probability of \"harmful\" from which the text counts "
                    + "as harmful, e.g. 0.3");
        }
    }

    private static void requirePositive(String property, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw invalid(property, value, "must be a positive duration, e.g. 30s");
        }
    }

    private static void notBlankIfSet(String property, String value) {
        if (value != null && value.isBlank()) throw invalid(property, "", "must not be blank; remove it to use the default");
    }

    private static InvalidGuardReasonerPropertyException invalid(String property, Object value, String reason) {
        return new InvalidGuardReasonerPropertyException(PREFIX + "." + property, value, reason);
    }
}
