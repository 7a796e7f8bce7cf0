package io.guardreasoner.llamacpp;

import java.nio.ByteBuffer;

/**
 * Encodes float rows into ggml's storage types, bit for bit as ggml's reference quantizers
 * ({@code quantize_row_q8_0_ref}, {@code quantize_row_q4_0_ref} in ggml-quants.c) and gguf-py do.
 */
final class GgmlBlocks {

    private GgmlBlocks() {
    }

    /** Appends {@code row} to {@code out} (little-endian) in {@code type}. */
    public static void encode(float[] row, GgmlType type, ByteBuffer out) {
        switch (type) {
            case F32 -> {
                for (float v : row) out.putFloat(v);
            }
            case F16 -> {
                for (float v : row) out.putShort(Float.floatToFloat16(v));
            }
            case BF16 -> {
                for (float v : row) out.putShort(toBf16(v));
            }
            case Q8_0 -> q8_0(row, out);
            case Q4_0 -> q4_0(row, out);
        }
    }

    /** Q8_0: per 32 weights, d = amax / 127 as fp16, then round(x / d) as int8 (round half away from zero). */
    static void q8_0(float[] row, ByteBuffer out) {
        for (int b = 0; b < row.length; b += 32) {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(row[b + j]));
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            out.putShort(Float.floatToFloat16(d));
            for (int j = 0; j < 32; j++) out.put((byte) roundHalfAwayFromZero(row[b + j] * id));
        }
    }

    /**
     * Q4_0: per 32 weights, d = (the weight of largest magnitude, signed) / -8 as fp16, then nibbles
     * min(15, (int8)(x / d + 8.5)); byte j holds weight j in its low nibble and weight j + 16 in its high nibble.
     */
    static void q4_0(float[] row, ByteBuffer out) {
        for (int b = 0; b < row.length; b += 32) {
            float amax = 0;
            float max = 0;
            for (int j = 0; j < 32; j++) {
                float v = row[b + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            out.putShort(Float.floatToFloat16(d));
            for (int j = 0; j < 16; j++) {
                float x0 = row[b + j] * id;
                float x1 = row[b + 16 + j] * id;
                int xi0 = Math.min(15, (byte) (int) (x0 + 8.5f)); // C's (int8_t) cast truncates toward zero
                int xi1 = Math.min(15, (byte) (int) (x1 + 8.5f));
                out.put((byte) (xi0 | (xi1 << 4)));
            }
        }
    }

    /** C's {@code roundf}: halves go away from zero (Java's Math.round goes up). */
    static int roundHalfAwayFromZero(float x) {
        double v = x; // in double, x + 0.5 is exact for every float
        return (int) (v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5));
    }

    /** Rounds to bfloat16, to nearest even. */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 64); // quiet NaN
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** Decodes one block-encoded row back to floats (for tests and checks). */
    public static float[] decode(ByteBuffer in, GgmlType type, int columns) {
        float[] row = new float[columns];
        switch (type) {
            case F32 -> {
                for (int i = 0; i < columns; i++) row[i] = in.getFloat();
            }
            case F16 -> {
                for (int i = 0; i < columns; i++) row[i] = Float.float16ToFloat(in.getShort());
            }
            case BF16 -> {
                for (int i = 0; i < columns; i++) row[i] = Float.intBitsToFloat((in.getShort() & 0xFFFF) << 16);
            }
            case Q8_0 -> {
                for (int b = 0; b < columns; b += 32) {
                    float d = Float.float16ToFloat(in.getShort());
                    for (int j = 0; j < 32; j++) row[b + j] = in.get() * d;
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < columns; b += 32) {
                    float d = Float.float16ToFloat(in.getShort());
                    for (int j = 0; j < 16; j++) {
                        int q = in.get() & 0xFF;
                        row[b + j] = ((q & 0x0F) - 8) * d;
                        row[b + 16 + j] = ((q >>> 4) - 8) * d;
                    }
                }
            }
        }
        return row;
    }
}
