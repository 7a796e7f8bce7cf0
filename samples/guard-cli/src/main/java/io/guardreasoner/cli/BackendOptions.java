package io.guardreasoner.cli;

import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardBackend;
import io.guardreasoner.core.GuardPrompt;
import io.guardreasoner.jlama.JlamaBackend;
import io.guardreasoner.llamacpp.LlamaCppBackend;
import io.guardreasoner.localai.LocalAiBackend;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The flags every live command shares: which backend, where its model is, and the generation limits. */
final class BackendOptions {

    /** The command these options belong to, to tell flags given from defaults. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--backend", paramLabel = "jlama|localai|llamacpp", defaultValue = "jlama",
            description = "Where GuardReasoner runs: jlama (in-process, Java), localai (a server) or llamacpp "
                    + "(in-process, llama.cpp) (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--model-dir", paramLabel = "DIR", description = "Jlama or llama.cpp: a local model folder "
            + "(config.json, tokenizer.json, safetensors); llama.cpp converts it once into the cache (q4_0).")
    Path modelDir;

    @Option(names = "--gguf", paramLabel = "FILE", description = "llama.cpp: a GGUF model file (guard-cli convert writes one).")
    Path gguf;

    @Option(names = "--quantization", paramLabel = "none|runtime-q4|pre-quantized-q4", defaultValue = "pre-quantized-q4",
            description = "Jlama: how BF16/F32 weights run; none runs them as stored, e.g. to cross-check another "
                    + "backend (default: ${DEFAULT-VALUE}).")
    String quantization;

    @Option(names = "--model", paramLabel = "OWNER/NAME", defaultValue = JlamaBackend.DEFAULT_MODEL,
            description = "Jlama: a Hugging Face model id, downloaded once into the cache (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Jlama: downloads and pre-quantized weights; "
            + "llama.cpp: converted models (default: ~/.cache/guardreasoner/models).")
    Path cacheDir;

    @Option(names = "--base-url", paramLabel = "URL", description = "LocalAI: a base URL ending in /v1; repeat for failover.")
    List<String> baseUrls = new ArrayList<>();

    @Option(names = "--model-name", paramLabel = "NAME", defaultValue = LocalAiBackend.DEFAULT_MODEL_NAME,
            description = "LocalAI: the model's name on the server (default: ${DEFAULT-VALUE}).")
    String modelName;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "1024", description = "Most tokens generated per check (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--timeout-s", paramLabel = "S", defaultValue = "300", description = "Most seconds one check may take (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    /** The backend each backend-specific flag belongs to. */
    private static final Map<String, String> FLAG_OWNERS = Map.of("--model", "jlama", "--quantization", "jlama",
            "--model-dir", "jlama or llamacpp", "--cache-dir", "jlama or llamacpp", "--gguf", "llamacpp",
            "--base-url", "localai", "--model-name", "localai");

    /**
     * Builds the backend, for up to {@code concurrency} checks at once; bad flags or an unusable model are a
     * {@link GuardCli.ConfigurationException}.
     */
    GuardBackend backend(int concurrency) {
        if (maxTokens < 1) throw new GuardCli.ConfigurationException("--max-tokens must be at least 1, was " + maxTokens);
        if (timeoutSeconds < 1) throw new GuardCli.ConfigurationException("--timeout-s must be at least 1, was " + timeoutSeconds);
        String name = backend.toLowerCase(Locale.ROOT);
        FLAG_OWNERS.forEach((flag, owners) -> {
            if (given(flag) && !List.of(owners.split(" or ")).contains(name) && List.of("jlama", "localai", "llamacpp").contains(name)) {
                throw new GuardCli.ConfigurationException(flag + " is for --backend " + owners);
            }
        });
        return switch (name) {
            case "jlama" -> jlama();
            case "localai" -> localAi();
            case "llamacpp" -> llamaCpp(concurrency);
            default -> throw new GuardCli.ConfigurationException("--backend must be jlama, localai or llamacpp, was '"
                    + backend + "'");
        };
    }

    /** A guard over {@link #backend(int)} with these limits; {@code concurrency} checks may run at once. */
    Guard guard(GuardBackend backend, GuardPrompt prompt, int concurrency) {
        return Guard.builder()
                .backend(backend)
                .prompt(prompt)
                .maxTokens(maxTokens)
                .timeout(Duration.ofSeconds(timeoutSeconds))
                .maxConcurrent(concurrency)
                .maxQueued(Math.max(256, concurrency * 4))
                // The CLI reports the model's whole verdict (its `complete` field, eval's F1 against the published
                // outputs): the output rail writes the answer block. The input rail keeps its early stop.
                .outputEarlyStop(false)
                .build();
    }

    /** True when the user typed this flag (not just its default). */
    private boolean given(String flag) {
        return command != null && command.commandLine() != null && command.commandLine().getParseResult() != null
                && command.commandLine().getParseResult().hasMatchedOption(flag);
    }

    private GuardBackend jlama() {
        if (modelDir != null && given("--model")) {
            throw new GuardCli.ConfigurationException("give either --model-dir DIR (a local folder) or --model OWNER/NAME (a download), not both");
        }
        JlamaBackend.Builder builder = JlamaBackend.builder().quantization(jlamaQuantization());
        if (modelDir != null) {
            if (!Files.isDirectory(modelDir)) {
                throw new GuardCli.ConfigurationException("--model-dir " + modelDir + " is not a directory");
            }
            builder.modelDir(modelDir);
        } else {
            builder.model(model);
        }
        if (cacheDir != null) builder.cacheDir(cacheDir);
        try {
            return builder.build();
        } catch (RuntimeException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            if (modelDir == null) {
                String advice = message.contains("--model-dir") ? "" : "\nWithout Hugging Face access, download the model"
                        + " folder elsewhere (config.json, tokenizer.json, safetensors) and pass it with --model-dir DIR.";
                throw new GuardCli.ConfigurationException("could not get the model " + model + ": " + message + advice, e);
            }
            throw new GuardCli.ConfigurationException("could not load the model in " + modelDir + ": " + message, e);
        }
    }

    private GuardBackend localAi() {
        if (baseUrls.isEmpty()) {
            throw new GuardCli.ConfigurationException("--backend localai needs --base-url URL (e.g. http://localhost:8080/v1)");
        }
        try {
            return LocalAiBackend.builder()
                    .baseUrls(baseUrls)
                    .modelName(modelName)
                    .timeout(Duration.ofSeconds(timeoutSeconds))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new GuardCli.ConfigurationException(e.getMessage(), e);
        }
    }

    private JlamaBackend.Quantization jlamaQuantization() {
        return switch (quantization.toLowerCase(Locale.ROOT)) {
            case "none" -> JlamaBackend.Quantization.NONE;
            case "runtime-q4" -> JlamaBackend.Quantization.RUNTIME_Q4;
            case "pre-quantized-q4" -> JlamaBackend.Quantization.PRE_QUANTIZED_Q4;
            default -> throw new GuardCli.ConfigurationException("--quantization must be none, runtime-q4 or "
                    + "pre-quantized-q4, was '" + quantization + "'");
        };
    }

    /** llama.cpp with a slot per check in flight. */
    private GuardBackend llamaCpp(int concurrency) {
        if ((gguf == null) == (modelDir == null)) {
            throw new GuardCli.ConfigurationException("--backend llamacpp needs either --gguf FILE or --model-dir DIR "
                    + (gguf == null ? "(neither was given)" : "(not both)"));
        }
        if (modelDir != null && !Files.isDirectory(modelDir)) {
            throw new GuardCli.ConfigurationException("--model-dir " + modelDir + " is not a directory");
        }
        LlamaCppBackend.Builder builder = LlamaCppBackend.builder().slots(Math.min(64, concurrency));
        if (gguf != null) builder.ggufFile(gguf);
        else builder.modelDir(modelDir);
        if (cacheDir != null) builder.cacheDir(cacheDir);
        try {
            return builder.build();
        } catch (RuntimeException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new GuardCli.ConfigurationException("could not load the model " + (gguf != null ? gguf : modelDir)
                    + " into llama.cpp: " + message, e);
        }
    }
}
