package io.guardreasoner.jlama;

import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import io.guardreasoner.core.GuardBackendException;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds a Hugging Face model in the cache folder, downloading it with Jlama's downloader when it is not there.
 * The layout is Jlama's: {@code <cache>/<owner>_<name>/}, complete once {@code .finished} exists.
 */
final class HuggingFaceDownload {

    private static final System.Logger LOG = System.getLogger(HuggingFaceDownload.class.getName());

    private HuggingFaceDownload() {
    }

    /** The folder Jlama uses for {@code owner/name} under {@code cacheDir}. */
    static Path localDir(String modelId, Path cacheDir) {
        String[] parts = split(modelId);
        return SafeTensorSupport.constructLocalModelPath(cacheDir.toString(), parts[0], parts[1]);
    }

    /**
     * Returns the local folder of {@code modelId}, downloading it first unless it is complete already (Jlama's
     * {@code .finished} marker, or every needed file present).
     */
    static Path resolve(String modelId, Path cacheDir, Optional<String> authToken) {
        String[] parts = split(modelId);
        Path local = localDir(modelId, cacheDir);
        if (Files.exists(local.resolve(Q4PreQuantizer.FINISHED)) || ModelDirectory.isComplete(local)) {
            LOG.log(System.Logger.Level.INFO, "Using {0} from {1}; no download needed", modelId, local);
            return local;
        }
        LOG.log(System.Logger.Level.INFO, "Downloading {0} from Hugging Face into {1}", modelId, local);
        try {
            preflight(modelId, authToken);
            Files.createDirectories(cacheDir);
            Map<String, Integer> reported = new ConcurrentHashMap<>();
            SafeTensorSupport.maybeDownloadModel(cacheDir.toString(), Optional.of(parts[0]), parts[1], true,
                    Optional.empty(), authToken, Optional.of((file, done, total) -> {
                        int percent = total > 0 ? (int) (100 * done / total) : -1;
                        Integer last = reported.put(file, percent);
                        if (last == null || percent / 5 != last / 5) {
                            LOG.log(System.Logger.Level.INFO, "Downloading {0}: {1}% of {2} MB", file, percent,
                                    total / (1024 * 1024));
                        }
                    }));
            return local;
        } catch (IOException | RuntimeException e) {
            throw new GuardBackendException("Could not download " + modelId + " from Hugging Face into " + local
                    + " (" + describe(e) + "). Without Hugging Face access, copy the model's config.json, "
                    + "tokenizer.json and safetensors into a folder and use JlamaBackend.builder().modelDir(folder) "
                    + "(CLI: --model-dir FOLDER), or place them in " + local + ".", e);
        }
    }

    /** Fails fast with a short timeout: Jlama's own HTTP calls have none and can hang without network. */
    private static void preflight(String modelId, Optional<String> authToken) throws IOException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://huggingface.co/api/models/" + modelId))
                .timeout(Duration.ofSeconds(20)).GET();
        authToken.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        try {
            HttpResponse<Void> response = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() != 200) {
                throw new IOException("Hugging Face answered HTTP " + response.statusCode() + " for " + modelId
                        + (response.statusCode() == 401 || response.statusCode() == 403 ? "; is an access token needed?" : ""));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while contacting Hugging Face", e);
        }
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static String[] split(String modelId) {
        String[] parts = modelId.split("/");
        if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
            throw new IllegalArgumentException("A Hugging Face model id has the form owner/name, e.g. "
                    + "yueliu1999/GuardReasoner-3B; got '" + modelId + "'");
        }
        return parts;
    }
}
