package io.guardreasoner.llamacpp;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks a GGUF file in Java before llama.cpp sees it, because a malformed file can crash the JVM inside native code:
 * magic, version, every metadata entry and tensor info within bounds, the architecture, and every tensor's data
 * inside the file (a truncated download or conversion).
 */
final class GgufInspector {

    /** What the backend needs to know about a checked file. */
    public record Summary(int version, String architecture, String name, long tensorCount, long fileSize,
                          Map<String, Object> scalars) {
        public long uint(String key, long fallback) {
            Object v = scalars.get(key);
            return v instanceof Number n ? n.longValue() : fallback;
        }
    }

    /** A file llama.cpp must not be given; the message says what is wrong and what to do. */
    public static final class InvalidGgufException extends RuntimeException {
        public InvalidGgufException(String message) {
            super(message);
        }
    }

    /** ggml type id → {block size, bytes per block}, for the types llama.cpp b4916 reads whose layout we know. */
    private static final Map<Integer, int[]> TYPE_SIZES = Map.ofEntries(
            Map.entry(0, new int[] {1, 4}), Map.entry(1, new int[] {1, 2}), Map.entry(2, new int[] {32, 18}),
            Map.entry(3, new int[] {32, 20}), Map.entry(6, new int[] {32, 22}), Map.entry(7, new int[] {32, 24}),
            Map.entry(8, new int[] {32, 34}), Map.entry(9, new int[] {32, 36}), Map.entry(10, new int[] {256, 84}),
            Map.entry(11, new int[] {256, 110}), Map.entry(12, new int[] {256, 144}), Map.entry(13, new int[] {256, 176}),
            Map.entry(14, new int[] {256, 210}), Map.entry(15, new int[] {256, 292}), Map.entry(20, new int[] {32, 18}),
            Map.entry(23, new int[] {256, 136}), Map.entry(24, new int[] {1, 1}), Map.entry(25, new int[] {1, 2}),
            Map.entry(26, new int[] {1, 4}), Map.entry(27, new int[] {1, 8}), Map.entry(28, new int[] {1, 8}),
            Map.entry(30, new int[] {1, 2}));
    /** ggml type ids llama.cpp b4916 knows but whose block layout we do not check (IQ2/IQ3/IQ1/TQ). */
    private static final java.util.Set<Integer> KNOWN_UNCHECKED = java.util.Set.of(16, 17, 18, 19, 21, 22, 29, 34, 35);

    private GgufInspector() {
    }

    /**
     * Reads and checks {@code file}.
     *
     * @throws InvalidGgufException when the file must not be loaded, saying why
     */
    public static Summary inspect(Path file) {
        if (!Files.exists(file)) {
            throw new InvalidGgufException("The GGUF file " + file + " does not exist; give the path of a .gguf file, "
                    + "or a Hugging Face model folder to convert");
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidGgufException(file + " is not a file; give a .gguf file (or use modelDir(...) for a "
                    + "Hugging Face model folder)");
        }
        if (!Files.isReadable(file)) throw new InvalidGgufException(file + " is not readable by this process");
        try (Reader in = new Reader(new BufferedInputStream(Files.newInputStream(file), 1 << 16), Files.size(file))) {
            return read(file, in);
        } catch (EOFException e) {
            throw new InvalidGgufException(file + " ends inside its GGUF header (" + Reader.sizeOf(file)
                    + " bytes): it is truncated. Delete it and download or convert it again");
        } catch (IOException e) {
            throw new InvalidGgufException("Cannot read " + file + ": " + e.getMessage());
        }
    }

    private static Summary read(Path file, Reader in) throws IOException {
        long size = in.size;
        if (size < 4) {
            throw new InvalidGgufException(file + " has " + size + " bytes, too few for a GGUF file; it is empty or "
                    + "truncated. Delete it and download or convert it again");
        }
        byte[] magic = in.bytes(4);
        String magicText = new String(magic, StandardCharsets.ISO_8859_1);
        if (!magicText.equals("GGUF")) {
            String hint = magicText.equals("ggml") || magicText.equals("ggjt") || magicText.equals("lmgg") || magicText.equals("tjgg")
                    ? " It is an old GGML/GGJT file, which llama.cpp no longer reads: convert the original model again."
                    : magic[0] == '{' || magic[0] == '<' ? " It looks like a text/HTML file (a failed download?)." : "";
            throw new InvalidGgufException(file + " is not a GGUF file: it starts with bytes " + hex(magic)
                    + " instead of \"GGUF\"." + hint);
        }
        if (size < 24) {
            throw new InvalidGgufException(file + " has " + size + " bytes, too few for a GGUF file; it is "
                    + "truncated. Delete it and download or convert it again");
        }
        int version = in.u32();
        if (version == 1) {
            throw new InvalidGgufException(file + " is GGUF version 1, which llama.cpp no longer reads; convert the "
                    + "model again (GgufConverter writes version 3)");
        }
        if (version != 2 && version != 3) {
            throw new InvalidGgufException(file + " has GGUF version " + version + "; the llama.cpp build this backend "
                    + "runs (b" + NativeLlama.EXPECTED_BUILD + ") reads versions 2 and 3");
        }
        long tensorCount = in.u64();
        long kvCount = in.u64();
        if (tensorCount < 0 || tensorCount > 1_000_000 || kvCount < 0 || kvCount > 1_000_000) {
            throw new InvalidGgufException(file + " declares " + tensorCount + " tensors and " + kvCount
                    + " metadata entries; the header is corrupt");
        }
        Map<String, Object> scalars = new HashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string(file);
            int type = in.u32();
            Object value = in.value(file, key, type, 0);
            if (value != null) scalars.put(key, value);
        }
        String architecture = scalars.get("general.architecture") instanceof String s ? s : null;
        if (architecture == null) {
            throw new InvalidGgufException(file + " has no general.architecture; it is not a model GGUF");
        }
        if (!architecture.equals("llama")) {
            throw new InvalidGgufException(file + " holds a '" + architecture + "' model; LlamaCppBackend runs Llama "
                    + "models (GuardReasoner-1B/3B/8B, general.architecture = llama)");
        }
        long alignment = scalars.get("general.alignment") instanceof Number n ? n.longValue() : GgufWriter.ALIGNMENT;
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
            throw new InvalidGgufException(file + " has general.alignment " + alignment + ", not a power of two");
        }
        long[] extents = new long[2]; // furthest data end, and its tensor index
        String furthest = null;
        for (long t = 0; t < tensorCount; t++) {
            String name = in.string(file);
            int dims = in.u32();
            if (dims < 1 || dims > 4) throw new InvalidGgufException(file + ": tensor " + name + " has " + dims + " dimensions");
            long elements = 1;
            long[] ne = new long[dims];
            for (int d = 0; d < dims; d++) {
                ne[d] = in.u64();
                if (ne[d] < 0 || (ne[d] > 0 && elements > Long.MAX_VALUE / ne[d])) {
                    throw new InvalidGgufException(file + ": tensor " + name + " has a corrupt shape");
                }
                elements *= ne[d];
            }
            int type = in.u32();
            long offset = in.u64();
            if (offset < 0 || offset % alignment != 0) {
                throw new InvalidGgufException(file + ": tensor " + name + " has a corrupt data offset " + offset);
            }
            int[] layout = TYPE_SIZES.get(type);
            long bytes;
            if (layout != null) {
                if (ne[0] % layout[0] != 0) {
                    throw new InvalidGgufException(file + ": tensor " + name + " has rows of " + ne[0]
                            + " weights, not whole blocks of its type; the file is corrupt");
                }
                bytes = elements / layout[0] * layout[1];
            } else if (KNOWN_UNCHECKED.contains(type)) {
                bytes = 0;
            } else {
                throw new InvalidGgufException(file + ": tensor " + name + " has ggml type " + type + ", which llama.cpp b"
                        + NativeLlama.EXPECTED_BUILD + " does not read (a newer quantization type?)");
            }
            if (offset + bytes > extents[0]) {
                extents[0] = offset + bytes;
                furthest = name;
            }
        }
        long headerEnd = in.position;
        long dataStart = (headerEnd + alignment - 1) / alignment * alignment;
        if (dataStart + extents[0] > size) {
            throw new InvalidGgufException(file + " is truncated: tensor " + furthest + " ends at byte "
                    + (dataStart + extents[0]) + " but the file has " + size + " bytes. The download or conversion was "
                    + "cut short; delete it and download or convert it again");
        }
        String name = scalars.get("general.name") instanceof String s ? s : null;
        return new Summary(version, architecture, name, tensorCount, size, Map.copyOf(scalars));
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) sb.append(String.format("%02x ", b & 0xFF));
        return sb.toString().trim();
    }

    /** Little-endian reads with a position and the file size, to reject lengths that cannot fit. */
    private static final class Reader implements AutoCloseable {
        private final InputStream in;
        private final long size;
        private long position;

        Reader(InputStream in, long size) {
            this.in = in;
            this.size = size;
        }

        static long sizeOf(Path file) {
            try {
                return Files.size(file);
            } catch (IOException e) {
                return -1;
            }
        }

        byte[] bytes(int n) throws IOException {
            byte[] b = in.readNBytes(n);
            if (b.length < n) throw new EOFException();
            position += n;
            return b;
        }

        void skip(long n) throws IOException {
            if (n > size - position) throw new EOFException();
            long left = n;
            while (left > 0) {
                long skipped = in.skip(left);
                if (skipped <= 0) {
                    if (in.read() < 0) throw new EOFException();
                    skipped = 1;
                }
                left -= skipped;
            }
            position += n;
        }

        int u32() throws IOException {
            byte[] b = bytes(4);
            return (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24;
        }

        long u64() throws IOException {
            return (u32() & 0xFFFFFFFFL) | ((long) u32() << 32);
        }

        String string(Path file) throws IOException {
            long length = u64();
            if (length < 0 || length > size - position) {
                throw new InvalidGgufException(file + " has a string of " + length + " bytes at offset " + position
                        + ", beyond the end of the file: it is corrupt or truncated");
            }
            if (length > 1 << 20) {
                skip(length);
                return "";
            }
            return new String(bytes((int) length), StandardCharsets.UTF_8);
        }

        /** Reads one value; returns scalars (numbers, bools, short strings) and skips arrays. */
        Object value(Path file, String key, int type, int depth) throws IOException {
            switch (type) {
                case 0, 1 -> {
                    return (long) bytes(1)[0];
                }
                case 2, 3 -> {
                    byte[] b = bytes(2);
                    return (long) ((b[0] & 0xFF) | (b[1] & 0xFF) << 8);
                }
                case 4 -> {
                    return u32() & 0xFFFFFFFFL;
                }
                case 5 -> {
                    return (long) u32();
                }
                case 6 -> {
                    return Float.intBitsToFloat(u32());
                }
                case 7 -> {
                    return bytes(1)[0] != 0;
                }
                case 8 -> {
                    return string(file);
                }
                case 10, 11 -> {
                    return u64();
                }
                case 12 -> {
                    return Double.longBitsToDouble(u64());
                }
                case 9 -> {
                    if (depth > 2) throw new InvalidGgufException(file + ": metadata " + key + " nests arrays too deeply");
                    int elementType = u32();
                    long count = u64();
                    if (count < 0 || count > size - position) {
                        throw new InvalidGgufException(file + ": metadata " + key + " declares " + count
                                + " elements, more than the file can hold: it is corrupt or truncated");
                    }
                    int fixed = switch (elementType) {
                        case 0, 1, 7 -> 1;
                        case 2, 3 -> 2;
                        case 4, 5, 6 -> 4;
                        case 10, 11, 12 -> 8;
                        default -> -1;
                    };
                    if (fixed > 0) {
                        skip(count * fixed);
                    } else {
                        for (long i = 0; i < count; i++) value(file, key, elementType, depth + 1);
                    }
                    return null;
                }
                default -> throw new InvalidGgufException(file + ": metadata " + key + " has unknown value type " + type
                        + "; the file is corrupt");
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
