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
 * Writes a GGUF v3 file in one pass: metadata and tensor infos first (every tensor's size is known up front, so its
 * offset is too), then each tensor's data streamed in the declared order. Little-endian, 32-byte alignment, as
 * gguf-py's {@code GGUFWriter} does.
 */
final class GgufWriter implements AutoCloseable {

    public static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    public static final int VERSION = 3;
    public static final int ALIGNMENT = 32;

    /** GGUF metadata value types. */
    public enum ValueType {
        UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64
    }

    /** A declared tensor: name, ggml dims (innermost first) and type. */
    public record TensorInfo(String name, long[] dims, GgmlType type) {
        public long rows() {
            long rows = 1;
            for (int i = 1; i < dims.length; i++) rows *= dims[i];
            return rows;
        }

        public long byteSize() {
            return type.rowBytes(dims[0]) * rows();
        }
    }

    private record Value(ValueType type, Object value, ValueType elementType) {
    }

    private final Map<String, Value> metadata = new LinkedHashMap<>();
    private final List<TensorInfo> tensors = new ArrayList<>();
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(4 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private boolean headerWritten;
    private int nextTensor;
    private long writtenOfCurrent;
    private long dataPosition;

    public GgufWriter(Path file) throws IOException {
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    public void putString(String key, String value) {
        metadata.put(key, new Value(ValueType.STRING, value, null));
    }

    public void putUint32(String key, long value) {
        metadata.put(key, new Value(ValueType.UINT32, value, null));
    }

    public void putFloat32(String key, float value) {
        metadata.put(key, new Value(ValueType.FLOAT32, value, null));
    }

    public void putBool(String key, boolean value) {
        metadata.put(key, new Value(ValueType.BOOL, value, null));
    }

    public void putStringArray(String key, List<String> values) {
        metadata.put(key, new Value(ValueType.ARRAY, List.copyOf(values), ValueType.STRING));
    }

    public void putInt32Array(String key, int[] values) {
        metadata.put(key, new Value(ValueType.ARRAY, values.clone(), ValueType.INT32));
    }

    public void addTensor(TensorInfo info) {
        if (headerWritten) throw new IllegalStateException("tensors must be declared before the header is written");
        tensors.add(info);
    }

    /** Writes the header, metadata and tensor infos; tensor data follows with {@link #write(ByteBuffer)}. */
    public void writeHeader() throws IOException {
        buffer.putInt(MAGIC).putInt(VERSION).putLong(tensors.size()).putLong(metadata.size());
        for (Map.Entry<String, Value> e : metadata.entrySet()) {
            putGgufString(e.getKey());
            Value v = e.getValue();
            buffer.putInt(v.type().ordinal());
            if (v.type() == ValueType.ARRAY) {
                buffer.putInt(v.elementType().ordinal());
                if (v.elementType() == ValueType.STRING) {
                    @SuppressWarnings("unchecked")
                    List<String> list = (List<String>) v.value();
                    buffer.putLong(list.size());
                    for (String s : list) putGgufString(s);
                } else {
                    int[] ints = (int[]) v.value();
                    buffer.putLong(ints.length);
                    for (int i : ints) {
                        ensure(4);
                        buffer.putInt(i);
                    }
                }
            } else {
                putScalar(v);
            }
        }
        long offset = 0;
        for (TensorInfo t : tensors) {
            putGgufString(t.name());
            ensure(4 + 8 * t.dims().length + 12);
            buffer.putInt(t.dims().length);
            for (long d : t.dims()) buffer.putLong(d);
            buffer.putInt(t.type().id);
            buffer.putLong(offset);
            offset = align(offset + t.byteSize());
        }
        flush();
        pad();
        headerWritten = true;
        dataPosition = channel.position();
    }

    /** Appends bytes of the current tensor; moves to the next tensor (after alignment padding) once it is complete. */
    public void write(ByteBuffer data) throws IOException {
        if (!headerWritten) throw new IllegalStateException("writeHeader() first");
        if (nextTensor >= tensors.size()) throw new IllegalStateException("all declared tensors are written");
        TensorInfo current = tensors.get(nextTensor);
        writtenOfCurrent += data.remaining();
        if (writtenOfCurrent > current.byteSize()) {
            throw new IllegalStateException(current.name() + ": wrote " + writtenOfCurrent + " bytes, declared " + current.byteSize());
        }
        while (data.hasRemaining()) channel.write(data);
        if (writtenOfCurrent == current.byteSize()) {
            nextTensor++;
            writtenOfCurrent = 0;
            pad();
        }
    }

    /** Whether every declared tensor has been written in full. */
    public boolean complete() {
        return headerWritten && nextTensor == tensors.size();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    public static long align(long offset) {
        return (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private void pad() throws IOException {
        long position = channel.position();
        long padding = align(position) - position;
        if (padding > 0) {
            ByteBuffer zeros = ByteBuffer.allocate((int) padding);
            while (zeros.hasRemaining()) channel.write(zeros);
        }
    }

    private void putScalar(Value v) throws IOException {
        ensure(8);
        switch (v.type()) {
            case UINT32 -> buffer.putInt((int) (long) (Long) v.value());
            case FLOAT32 -> buffer.putFloat((Float) v.value());
            case BOOL -> buffer.put((byte) ((Boolean) v.value() ? 1 : 0));
            case STRING -> putGgufString((String) v.value());
            default -> throw new IllegalStateException("unsupported metadata type " + v.type());
        }
    }

    private void putGgufString(String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        ensure(8);
        buffer.putLong(bytes.length);
        int at = 0;
        while (at < bytes.length) {
            ensure(1);
            int n = Math.min(buffer.remaining(), bytes.length - at);
            buffer.put(bytes, at, n);
            at += n;
        }
    }

    private void ensure(int bytes) throws IOException {
        if (buffer.remaining() < bytes) flush();
    }

    private void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) channel.write(buffer);
        buffer.clear();
    }

    long dataPosition() {
        return dataPosition;
    }
}
