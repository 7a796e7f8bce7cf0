package io.guardreasoner.jlama;

import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.safetensors.TensorInfo;
import com.github.tjake.jlama.safetensors.WeightLoader;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.Q4ByteBufferTensor;
import com.github.tjake.jlama.util.JsonSupport;
import io.guardreasoner.core.GuardBackendException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Quantizes a BF16/F32 model's matrices to Jlama's Q4 once and keeps the result in a cache folder, so later loads
 * read Q4 weights directly instead of quantizing at every start (Jlama 0.8.4's runtime quantization also covers only
 * some matrices).
 *
 * <p>The output has the layout {@code SafeTensorSupport.quantizeModel} writes (a Q4 tensor plus its {@code .qb} block
 * scales, norms kept as stored), written tensor by tensor with progress in the log. It is built in a temporary folder
 * and moved into place with a {@code .finished} marker, so an interrupted run is redone rather than half-used.
 */
final class Q4PreQuantizer {

    private static final System.Logger LOG = System.getLogger(Q4PreQuantizer.class.getName());
    static final String FINISHED = ".finished";

    private Q4PreQuantizer() {
    }

    /** Where the Q4 copy of {@code source} lives under {@code cacheDir}; it changes when the source files change. */
    static Path targetFor(Path source, List<Path> weightFiles, Path cacheDir) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(source.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            for (Path f : weightFiles) {
                digest.update((f.getFileName() + ":" + Files.size(f) + ":" + Files.getLastModifiedTime(f).toMillis())
                        .getBytes(StandardCharsets.UTF_8));
            }
            String hash = HexFormat.of().formatHex(digest.digest()).substring(0, 12);
            String name = source.toAbsolutePath().normalize().getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_");
            return cacheDir.resolve("quantized").resolve(name + "-" + hash + "-Q4");
        } catch (IOException e) {
            throw new GuardBackendException("Cannot read the weights in " + source + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isDone(Path target) {
        return Files.exists(target.resolve(FINISHED));
    }

    /** Writes the Q4 copy of {@code source} into {@code target} unless it is already there; returns {@code target}. */
    static Path quantize(Path source, Path target) {
        if (isDone(target)) return target;
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + UUID.randomUUID());
        long start = System.nanoTime();
        try {
            Files.createDirectories(tmp);
            for (String f : new String[] {ModelDirectory.CONFIG, ModelDirectory.TOKENIZER, "tokenizer_config.json",
                    "generation_config.json", "special_tokens_map.json"}) {
                if (Files.exists(source.resolve(f))) Files.copy(source.resolve(f), tmp.resolve(f));
            }
            writeQ4(source, tmp.resolve(ModelDirectory.SINGLE));
            Files.createFile(tmp.resolve(FINISHED));
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
            LOG.log(System.Logger.Level.INFO, "Pre-quantized {0} to Q4 in {1} s: {2}", source,
                    (System.nanoTime() - start) / 1_000_000_000, target);
            return target;
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tmp);
            if (isDone(target)) return target; // another process finished first
            throw new GuardBackendException("Pre-quantizing " + source + " to Q4 into " + target + " failed: "
                    + e.getMessage() + "; turn pre-quantization off or free disk space in the cache folder", e);
        }
    }

    private static void writeQ4(Path source, Path out) throws IOException {
        Path data = out.resolveSibling("tensors.data");
        Map<String, TensorInfo> written = new LinkedHashMap<>();
        try (WeightLoader weights = SafeTensorSupport.loadWeights(source.toFile());
             FileChannel ch = FileChannel.open(data, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            Map<String, TensorInfo> infos = weights.tensorInfoMap();
            long total = 0;
            for (TensorInfo info : infos.values()) total += info.dataOffsets[1] - info.dataOffsets[0];
            long done = 0;
            int lastReported = -1;
            long lastLog = System.nanoTime();
            List<Map.Entry<String, TensorInfo>> ordered = new java.util.ArrayList<>(infos.entrySet());
            ordered.sort(Map.Entry.comparingByKey(Q4PreQuantizer::compareNatural)); // layer 2 before layer 10
            for (Map.Entry<String, TensorInfo> e : ordered) {
                String name = e.getKey();
                TensorInfo info = e.getValue();
                AbstractTensor stored = weights.load(name);
                AbstractTensor t = shouldQuantize(name, info) ? stored.quantize(DType.Q4) : stored;
                written.put(name, t.save(ch));
                if (t instanceof Q4ByteBufferTensor q4) written.put(name + ".qb", q4.getBlockF().save(ch));
                if (t != stored) t.close();
                stored.close();
                done += info.dataOffsets[1] - info.dataOffsets[0];
                int percent = (int) (100 * done / Math.max(1, total));
                if (percent / 10 != lastReported / 10 || System.nanoTime() - lastLog > 5_000_000_000L) {
                    LOG.log(System.Logger.Level.INFO, "Pre-quantizing to Q4: {0}% ({1})", percent, name);
                    lastReported = percent;
                    lastLog = System.nanoTime();
                }
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(data);
            throw e;
        } catch (Exception e) {
            Files.deleteIfExists(data);
            throw new IOException(e);
        }
        byte[] header = JsonSupport.om.writeValueAsBytes(written);
        try (FileChannel outCh = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             FileChannel in = FileChannel.open(data, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(header.length).put(header).flip();
            while (head.hasRemaining()) outCh.write(head);
            long size = in.size();
            for (long pos = 0; pos < size; ) pos += in.transferTo(pos, size - pos, outCh);
        } finally {
            Files.deleteIfExists(data);
        }
    }

    /** Matrices go to Q4; norms (tiny and precision-sensitive) and odd shapes stay as stored, as Jlama's CLI does. */
    private static boolean shouldQuantize(String name, TensorInfo info) {
        if (name.contains("norm")) return false;
        if (info.shape.length != 2 || info.shape[0] == 1) return false;
        return info.shape[info.shape.length - 1] % Q4ByteBufferTensor.BLOCK_SIZE == 0
                && (info.dType == DType.F32 || info.dType == DType.BF16 || info.dType == DType.F16);
    }

    /** Compares names with embedded numbers by value, so progress reads layer by layer. */
    static int compareNatural(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char x = a.charAt(i);
            char y = b.charAt(j);
            if (Character.isDigit(x) && Character.isDigit(y)) {
                int si = i;
                int sj = j;
                while (i < a.length() && Character.isDigit(a.charAt(i))) i++;
                while (j < b.length() && Character.isDigit(b.charAt(j))) j++;
                int c = new java.math.BigInteger(a.substring(si, i)).compareTo(new java.math.BigInteger(b.substring(sj, j)));
                if (c != 0) return c;
            } else {
                if (x != y) return Character.compare(x, y);
                i++;
                j++;
            }
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    static void deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a leftover temp file does no harm
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
