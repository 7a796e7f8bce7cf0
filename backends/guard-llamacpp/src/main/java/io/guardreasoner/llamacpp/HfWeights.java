package io.guardreasoner.llamacpp;

import io.guardreasoner.llamacpp.GgufConverter.ConversionException;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The safetensors weights of a model folder, single file or sharded, read row by row without loading a tensor whole.
 */
final class HfWeights implements AutoCloseable {

    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    /** Where one tensor's bytes are. */
    public record Tensor(String name, Path file, String dtype, long[] shape, long dataStart, long byteLength) {
        public int bytesPerElement() {
            return dtype.equals("F32") ? 4 : 2;
        }

        public long columns() {
            return shape.length == 0 ? 1 : shape[shape.length - 1];
        }

        public long rows() {
            long rows = 1;
            for (int i = 0; i < shape.length - 1; i++) rows *= shape[i];
            return rows;
        }
    }

    private final Map<String, Tensor> tensors;
    private final Map<Path, FileChannel> channels = new LinkedHashMap<>();
    private final List<Path> files;

    private HfWeights(Map<String, Tensor> tensors, List<Path> files) {
        this.tensors = tensors;
        this.files = files;
    }

    /** Opens the weights of {@code dir}: {@value #INDEX} with its shards, or {@value #SINGLE}. */
    public static HfWeights open(Path dir) {
        List<Path> files = new ArrayList<>();
        Path index = dir.resolve(INDEX);
        if (Files.exists(index)) {
            JsonNode map = Json.read(index).path("weight_map");
            if (!map.isObject() || map.isEmpty()) {
                throw new ConversionException(index + " has no weight_map; download it again");
            }
            Set<String> names = new LinkedHashSet<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) names.add(it.next().getValue().asText());
            for (String name : names) {
                Path shard = dir.resolve(name);
                if (!Files.isRegularFile(shard)) {
                    throw new ConversionException("The shard " + name + " named in " + index + " is missing; download it");
                }
                files.add(shard);
            }
        } else if (Files.isRegularFile(dir.resolve(SINGLE))) {
            files.add(dir.resolve(SINGLE));
        } else {
            throw new ConversionException("No weights in " + dir + ": expected " + SINGLE + " or " + INDEX
                    + " with its shards");
        }
        Map<String, Tensor> all = new LinkedHashMap<>();
        for (Path f : files) readHeader(f, all);
        return new HfWeights(all, files);
    }

    private static void readHeader(Path file, Map<String, Tensor> into) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            if (size < 8 || ch.read(len, 0) != 8) throw new ConversionException(file + " is too short to be safetensors; download it again");
            long headerLength = len.flip().getLong();
            if (headerLength <= 1 || headerLength > Math.min(size - 8, 100L << 20)) {
                throw new ConversionException(file + " is not a safetensors file (header length " + headerLength + ")");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            while (header.hasRemaining()) {
                if (ch.read(header, 8 + header.position()) < 0) break;
            }
            JsonNode json = Json.MAPPER.readTree(header.array());
            long dataStart = 8 + headerLength;
            for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) continue;
                JsonNode t = e.getValue();
                String dtype = t.path("dtype").asText();
                JsonNode shapeNode = t.path("shape");
                long[] shape = new long[shapeNode.size()];
                for (int i = 0; i < shape.length; i++) shape[i] = shapeNode.get(i).asLong();
                long begin = t.path("data_offsets").path(0).asLong(-1);
                long end = t.path("data_offsets").path(1).asLong(-1);
                if (begin < 0 || end < begin || dataStart + end > size) {
                    throw new ConversionException(file + " is truncated or corrupt: tensor " + e.getKey() + " lies at bytes "
                            + begin + ".." + end + " of data, the file has " + (size - dataStart) + "; download it again");
                }
                into.put(e.getKey(), new Tensor(e.getKey(), file, dtype, shape, dataStart + begin, end - begin));
            }
        } catch (IOException e) {
            throw new ConversionException(file + " is not a readable safetensors file: " + e.getMessage(), e);
        }
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public List<Path> files() {
        return files;
    }

    /** Checks that a tensor is stored in a type this converter reads and has the expected byte size. */
    public static void checkReadable(Tensor t) {
        if (!t.dtype().equals("BF16") && !t.dtype().equals("F16") && !t.dtype().equals("F32")) {
            throw new ConversionException(t.name() + " in " + t.file() + " is stored as " + t.dtype() + "; GgufConverter "
                    + "reads BF16, F16 and F32 safetensors. Convert from the original (unquantized) checkpoint");
        }
        long elements = 1;
        for (long s : t.shape()) elements *= s;
        if (elements * t.bytesPerElement() != t.byteLength()) {
            throw new ConversionException(t.name() + " in " + t.file() + " has shape " + java.util.Arrays.toString(t.shape())
                    + " but " + t.byteLength() + " bytes of " + t.dtype() + "; the file is corrupt, download it again");
        }
    }

    /** Reads rows {@code [first, first + count)} of a tensor (a 1-D tensor is one row) as floats. */
    public float[][] readRows(Tensor t, long first, int count) throws IOException {
        int columns = Math.toIntExact(t.columns());
        int rowBytes = columns * t.bytesPerElement();
        ByteBuffer bytes = ByteBuffer.allocate(Math.multiplyExact(rowBytes, count)).order(ByteOrder.LITTLE_ENDIAN);
        FileChannel ch = channel(t.file());
        long position = t.dataStart() + first * rowBytes;
        while (bytes.hasRemaining()) {
            int n = ch.read(bytes, position + bytes.position());
            if (n < 0) throw new IOException(t.file() + " ended early while reading " + t.name());
        }
        bytes.flip();
        float[][] rows = new float[count][columns];
        for (float[] row : rows) {
            switch (t.dtype()) {
                case "F32" -> bytes.asFloatBuffer().get(row);
                case "BF16" -> {
                    for (int i = 0; i < columns; i++) row[i] = Float.intBitsToFloat((bytes.getShort(bytes.position() + 2 * i) & 0xFFFF) << 16);
                }
                case "F16" -> {
                    for (int i = 0; i < columns; i++) row[i] = Float.float16ToFloat(bytes.getShort(bytes.position() + 2 * i));
                }
                default -> throw new IllegalStateException(t.dtype());
            }
            bytes.position(bytes.position() + rowBytes);
        }
        return rows;
    }

    private FileChannel channel(Path file) throws IOException {
        FileChannel ch = channels.get(file);
        if (ch == null) {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            channels.put(file, ch);
        }
        return ch;
    }

    @Override
    public void close() {
        for (FileChannel ch : channels.values()) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // read-only; nothing to lose
            }
        }
        channels.clear();
    }
}
