package io.guardreasoner.llamacpp;

import com.sun.jna.Callback;
import com.sun.jna.CallbackThreadInitializer;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * llama.cpp's C API (llama.h of build b4916), called through JNA on the native library that the
 * {@code de.kherud:llama:4.2.0} jar ships.
 *
 * <p>Why not the binding's own Java API: it drives llama.cpp's server code through JNI, and (1) its {@code loadModel}
 * starts a native thread that it attaches to the JVM as a non-daemon thread and never detaches, so a JVM whose main
 * method returns never exits, with or without {@code close()}; (2) {@code close()} frees nothing (the server context
 * is never deleted); (3) it tokenizes string prompts with special-token parsing on and silently truncates prompts
 * longer than a slot's context; (4) its results carry neither token ids, token counts, the stop reason nor the prompt
 * cache hits, and its token-probability mapping reads a JSON layout this llama.cpp build no longer writes. The C API
 * has none of these problems: we own the only thread that calls it, free what we load, and see every token.
 *
 * <p>Structs passed by value are declared here field by field; {@link #load} checks their sizes and llama.cpp's
 * default values before any model is loaded, so a different native build fails with a message instead of crashing.
 */
final class NativeLlama {

    /** The llama.cpp build whose llama.h these declarations follow. */
    public static final int EXPECTED_BUILD = 4916;

    private static final System.Logger LOG = System.getLogger(NativeLlama.class.getName());
    private static final System.Logger NATIVE_LOG = System.getLogger("io.guardreasoner.llamacpp.native");

    /** The C functions we call; C {@code bool} is passed and returned as {@code byte}. */
    public interface Api extends Library {
        void llama_backend_init();

        void llama_log_set(LogCallback callback, Pointer userData);

        String llama_print_system_info();

        ModelParams.ByValue llama_model_default_params();

        ContextParams.ByValue llama_context_default_params();

        Pointer llama_model_load_from_file(String path, ModelParams.ByValue params);

        void llama_model_free(Pointer model);

        Pointer llama_init_from_model(Pointer model, ContextParams.ByValue params);

        void llama_free(Pointer ctx);

        Pointer llama_model_get_vocab(Pointer model);

        int llama_model_n_ctx_train(Pointer model);

        long llama_model_size(Pointer model);

        long llama_model_n_params(Pointer model);

        int llama_model_desc(Pointer model, byte[] buf, long bufSize);

        int llama_vocab_n_tokens(Pointer vocab);

        int llama_vocab_bos(Pointer vocab);

        byte llama_vocab_is_eog(Pointer vocab, int token);

        int llama_vocab_get_attr(Pointer vocab, int token);

        int llama_tokenize(Pointer vocab, byte[] text, int textLength, int[] tokens, int maxTokens, byte addSpecial,
                           byte parseSpecial);

        int llama_token_to_piece(Pointer vocab, int token, byte[] buf, int length, int lstrip, byte special);

        int llama_n_ctx(Pointer ctx);

        int llama_decode(Pointer ctx, Batch.ByValue batch);

        Pointer llama_get_logits_ith(Pointer ctx, int i);

        byte llama_kv_self_seq_rm(Pointer ctx, int seqId, int p0, int p1);

        void llama_kv_self_seq_cp(Pointer ctx, int seqIdSrc, int seqIdDst, int p0, int p1);

        int llama_kv_self_seq_pos_max(Pointer ctx, int seqId);

        int llama_kv_self_used_cells(Pointer ctx);

        void llama_kv_self_clear(Pointer ctx);
    }

    /** {@code ggml_log_callback}. */
    public interface LogCallback extends Callback {
        void invoke(int level, String text, Pointer userData);
    }

    /** {@code struct llama_model_params} of b4916 (64 bytes). */
    @Structure.FieldOrder({"devices", "n_gpu_layers", "split_mode", "main_gpu", "tensor_split", "progress_callback",
            "progress_callback_user_data", "kv_overrides", "vocab_only", "use_mmap", "use_mlock", "check_tensors"})
    public static class ModelParams extends Structure {
        public Pointer devices;
        public int n_gpu_layers;
        public int split_mode;
        public int main_gpu;
        public Pointer tensor_split;
        public Pointer progress_callback;
        public Pointer progress_callback_user_data;
        public Pointer kv_overrides;
        public byte vocab_only;
        public byte use_mmap;
        public byte use_mlock;
        public byte check_tensors;

        public static class ByValue extends ModelParams implements Structure.ByValue {
        }
    }

    /** {@code struct llama_context_params} of b4916 (120 bytes). */
    @Structure.FieldOrder({"n_ctx", "n_batch", "n_ubatch", "n_seq_max", "n_threads", "n_threads_batch",
            "rope_scaling_type", "pooling_type", "attention_type", "rope_freq_base", "rope_freq_scale",
            "yarn_ext_factor", "yarn_attn_factor", "yarn_beta_fast", "yarn_beta_slow", "yarn_orig_ctx", "defrag_thold",
            "cb_eval", "cb_eval_user_data", "type_k", "type_v", "logits_all", "embeddings", "offload_kqv", "flash_attn",
            "no_perf", "abort_callback", "abort_callback_data"})
    public static class ContextParams extends Structure {
        public int n_ctx;
        public int n_batch;
        public int n_ubatch;
        public int n_seq_max;
        public int n_threads;
        public int n_threads_batch;
        public int rope_scaling_type;
        public int pooling_type;
        public int attention_type;
        public float rope_freq_base;
        public float rope_freq_scale;
        public float yarn_ext_factor;
        public float yarn_attn_factor;
        public float yarn_beta_fast;
        public float yarn_beta_slow;
        public int yarn_orig_ctx;
        public float defrag_thold;
        public Pointer cb_eval;
        public Pointer cb_eval_user_data;
        public int type_k;
        public int type_v;
        public byte logits_all;
        public byte embeddings;
        public byte offload_kqv;
        public byte flash_attn;
        public byte no_perf;
        public Pointer abort_callback;
        public Pointer abort_callback_data;

        public static class ByValue extends ContextParams implements Structure.ByValue {
        }
    }

    /** {@code struct llama_batch} (56 bytes); the arrays it points to are owned by {@link DecodeBatch}. */
    @Structure.FieldOrder({"n_tokens", "token", "embd", "pos", "n_seq_id", "seq_id", "logits"})
    public static class Batch extends Structure {
        public int n_tokens;
        public Pointer token;
        public Pointer embd;
        public Pointer pos;
        public Pointer n_seq_id;
        public Pointer seq_id;
        public Pointer logits;

        public static class ByValue extends Batch implements Structure.ByValue {
        }
    }

    /** What the loaded library is, for logs and health. */
    public record BuildInfo(int buildNumber, String commit, String compiler, String target, String systemInfo,
                            Path library) {
        public String describe() {
            return "llama.cpp build b" + buildNumber + " (" + commit + ", " + compiler + ", " + target + ")";
        }
    }

    private static volatile NativeLlama instance;

    private final Api api;
    private final BuildInfo buildInfo;
    /** Held for as long as the library is loaded: native code keeps a pointer to it. */
    private final LogCallback logCallback;
    private volatile Consumer<String> errorListener;

    private NativeLlama(Api api, BuildInfo buildInfo, LogCallback logCallback) {
        this.api = api;
        this.buildInfo = buildInfo;
        this.logCallback = logCallback;
    }

    public Api api() {
        return api;
    }

    public BuildInfo buildInfo() {
        return buildInfo;
    }

    /**
     * Receives llama.cpp's error messages while {@code action} runs on this thread (model loading reports why it
     * failed only through the log).
     */
    public synchronized <T> T withErrorListener(Consumer<String> listener, java.util.function.Supplier<T> action) {
        errorListener = listener;
        try {
            return action.get();
        } finally {
            errorListener = null;
        }
    }

    /**
     * Loads the library once per JVM, checks its struct layouts and initialises llama.cpp's backends.
     *
     * @throws IllegalStateException when the library is missing, cannot be loaded, or is not the expected build
     */
    public static NativeLlama load() {
        NativeLlama n = instance;
        if (n != null) return n;
        synchronized (NativeLlama.class) {
            if (instance == null) instance = loadOnce();
            return instance;
        }
    }

    private static NativeLlama loadOnce() {
        Path library = libraryFile();
        NativeLibrary nativeLibrary;
        Api api;
        try {
            nativeLibrary = NativeLibrary.getInstance(library.toString());
            api = Native.load(library.toString(), Api.class, Map.of(Library.OPTION_STRING_ENCODING, "UTF-8"));
        } catch (UnsatisfiedLinkError e) {
            throw new IllegalStateException("Cannot load llama.cpp from " + library + ": " + e.getMessage()
                    + (e.getMessage() != null && e.getMessage().contains("libgomp")
                    ? ". Install the GNU OpenMP runtime (Debian/Ubuntu: apt-get install libgomp1)" : ""), e);
        }
        int build = nativeLibrary.getGlobalVariableAddress("LLAMA_BUILD_NUMBER").getInt(0);
        String commit = cString(nativeLibrary, "LLAMA_COMMIT");
        String compiler = cString(nativeLibrary, "LLAMA_COMPILER");
        String target = cString(nativeLibrary, "LLAMA_BUILD_TARGET");
        checkLayouts(api, build, library);

        LogCallback callback = new LogCallback() {
            private int lastLevel = 2;

            @Override
            public void invoke(int level, String text, Pointer userData) {
                if (level == 5) level = lastLevel; // GGML_LOG_LEVEL_CONT continues the previous message
                lastLevel = level;
                String message = text == null ? "" : text.stripTrailing();
                if (message.isEmpty()) return;
                System.Logger.Level l = switch (level) {
                    case 4 -> System.Logger.Level.WARNING; // GGML_LOG_LEVEL_ERROR: callers turn errors into exceptions
                    case 3 -> System.Logger.Level.INFO;    // WARN
                    case 2 -> System.Logger.Level.DEBUG;   // INFO: loading prints about a hundred lines
                    default -> System.Logger.Level.TRACE;
                };
                NATIVE_LOG.log(l, message);
                Consumer<String> listener = instance == null ? null : instance.errorListener;
                if (level == 4 && listener != null) listener.accept(message);
            }
        };
        // Logging can come from threads the JVM did not start: attach them as daemons and detach after each call.
        Native.setCallbackThreadInitializer(callback, new CallbackThreadInitializer(true, true, "llama.cpp-log"));
        api.llama_log_set(callback, null);
        api.llama_backend_init();
        BuildInfo info = new BuildInfo(build, commit, compiler, target, api.llama_print_system_info().strip(), library);
        LOG.log(System.Logger.Level.INFO, "Loaded {0} from {1}; system info: {2}", info.describe(), library, info.systemInfo());
        return new NativeLlama(api, info, callback);
    }

    /** The struct sizes and default values llama.h b4916 declares: a mismatch means another build, and a crash. */
    private static void checkLayouts(Api api, int build, Path library) {
        ModelParams.ByValue mp = api.llama_model_default_params();
        ContextParams.ByValue cp = api.llama_context_default_params();
        boolean ok = mp.size() == 64 && new ContextParams().size() == 120 && new Batch().size() == 56
                && mp.split_mode == 1 && mp.use_mmap == 1 && mp.n_gpu_layers == 0
                && cp.n_ctx == 512 && cp.n_batch == 2048 && cp.n_ubatch == 512 && cp.n_seq_max == 1
                && cp.yarn_beta_fast == 32.0f && cp.yarn_attn_factor == 1.0f && cp.type_k == 1 && cp.type_v == 1
                && cp.offload_kqv == 1 && cp.flash_attn == 0 && cp.logits_all == 0;
        if (!ok) {
            throw new IllegalStateException("The llama.cpp library " + library + " is build b" + build + "; its C API "
                    + "structs differ from llama.h b" + EXPECTED_BUILD + ", which this backend was written for. Use "
                    + "de.kherud:llama:4.2.0 (the version this module depends on) and no other llama.cpp library");
        }
        if (build != EXPECTED_BUILD) {
            LOG.log(System.Logger.Level.WARNING, "llama.cpp library {0} is build b{1}, not b{2}; its structs match, "
                    + "so it is used", library, build, EXPECTED_BUILD);
        }
    }

    private static String cString(NativeLibrary library, String symbol) {
        try {
            Pointer p = library.getGlobalVariableAddress(symbol).getPointer(0);
            return p == null ? "?" : p.getString(0);
        } catch (UnsatisfiedLinkError e) {
            return "?";
        }
    }

    /** The system property that points at another llama.cpp library (same build) instead of the bundled one. */
    public static final String LIBRARY_PROPERTY = "guardreasoner.llamacpp.library";

    /**
     * The bundled library, extracted once into a folder named by its content hash under {@code java.io.tmpdir}, so that
     * processes share it and an upgrade never loads a stale copy.
     */
    static Path libraryFile() {
        String explicit = System.getProperty(LIBRARY_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException("-D" + LIBRARY_PROPERTY + "=" + explicit + " names no file");
            }
            return p;
        }
        String resource = "de/kherud/llama/" + osName() + "/" + archName() + "/" + libraryName();
        ClassLoader loader = NativeLlama.class.getClassLoader();
        byte[] bytes;
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("No llama.cpp library for " + osName() + "/" + archName() + " on the "
                        + "classpath (" + resource + "); add de.kherud:llama:4.2.0, which bundles Linux, macOS and "
                        + "Windows builds, or set -D" + LIBRARY_PROPERTY + " to a llama.cpp b" + EXPECTED_BUILD + " library");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + resource + " from the classpath: " + e.getMessage(), e);
        }
        String hash = sha256(bytes).substring(0, 16);
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "guardreasoner-llamacpp-" + hash);
        Path file = dir.resolve(libraryName());
        try {
            if (Files.isRegularFile(file) && Files.size(file) == bytes.length) return file;
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, libraryName(), ".partial");
            Files.write(temp, bytes);
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            return file;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot extract the llama.cpp library to " + dir + ": " + e.getMessage()
                    + "; set -Djava.io.tmpdir to a writable folder", e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The OS folder names of the binding's jar. */
    static String osName() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.contains("win")) return "Windows";
        if (os.contains("mac") || os.contains("darwin")) return "Mac";
        return "Linux";
    }

    static String archName() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
    }

    static String libraryName() {
        return switch (osName()) {
            case "Windows" -> "jllama.dll";
            case "Mac" -> "libjllama.dylib";
            default -> "libjllama.so";
        };
    }
}
