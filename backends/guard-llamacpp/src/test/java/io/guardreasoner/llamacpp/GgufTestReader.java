package io.guardreasoner.llamacpp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small GGUF reader written from the format specification, independent of the converter's writer: header,
 * metadata (scalars and arrays as Java objects), tensor infos, and each tensor's raw bytes.
 */
final class GgufTestReader {

    record TensorInfo(String name, long[] dims, int type, long offset) {
    }

    final int version;
    final Map<String, Object> metadata = new LinkedHashMap<>();
    final Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    final long dataStart;
    private final ByteBuffer file;

    GgufTestReader(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
        }
        if (file.getInt() != 0x46554747) throw new IOException("bad magic");
        version = file.getInt();
        long tensorCount = file.getLong();
        long kvCount = file.getLong();
        for (long i = 0; i < kvCount; i++) {
            String key = string();
            metadata.put(key, value(file.getInt()));
        }
        for (long i = 0; i < tensorCount; i++) {
            String name = string();
            int n = file.getInt();
            long[] dims = new long[n];
            for (int d = 0; d < n; d++) dims[d] = file.getLong();
            tensors.put(name, new TensorInfo(name, dims, file.getInt(), file.getLong()));
        }
        long alignment = metadata.get("general.alignment") instanceof Number a ? a.longValue() : 32;
        dataStart = (file.position() + alignment - 1) / alignment * alignment;
    }

    private String string() {
        int n = (int) file.getLong();
        byte[] b = new byte[n];
        file.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private Object value(int type) {
        return switch (type) {
            case 0 -> file.get() & 0xFF;
            case 1 -> (int) file.get();
            case 2 -> file.getShort() & 0xFFFF;
            case 3 -> (int) file.getShort();
            case 4 -> file.getInt() & 0xFFFFFFFFL;
            case 5 -> file.getInt();
            case 6 -> file.getFloat();
            case 7 -> file.get() != 0;
            case 8 -> string();
            case 9 -> {
                int elementType = file.getInt();
                long count = file.getLong();
                List<Object> list = new ArrayList<>();
                for (long i = 0; i < count; i++) list.add(value(elementType));
                yield list;
            }
            case 10 -> file.getLong();
            case 11 -> file.getLong();
            case 12 -> file.getDouble();
            default -> throw new IllegalStateException("unknown type " + type);
        };
    }

    /** The raw bytes of a tensor, {@code length} long. */
    ByteBuffer data(String tensor, long length) {
        TensorInfo t = tensors.get(tensor);
        return file.slice((int) (dataStart + t.offset()), (int) length).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** An F32 tensor's values. */
    float[] f32(String tensor) {
        TensorInfo t = tensors.get(tensor);
        if (t.type() != 0) throw new IllegalStateException(tensor + " is type " + t.type());
        long n = 1;
        for (long d : t.dims()) n *= d;
        float[] out = new float[(int) n];
        data(tensor, 4 * n).asFloatBuffer().get(out);
        return out;
    }

    long fileSize() {
        return file.capacity();
    }
}
