package io.guardreasoner.llamacpp;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Generated token bytes to text, token by token: each token gives the characters it completes, and the first bytes of a
 * character split across tokens are held back until the rest arrives (the rule of guard-jlama's stream decoder, so both
 * backends spell the same tokens the same way). Not thread-safe.
 */
final class Utf8Pieces {

    static final byte[] NOTHING_HELD = new byte[0];

    private byte[] pending;
    private int pendingLength;

    /** A decoder that goes on from {@code held}, bytes an earlier one held back. */
    Utf8Pieces(byte[] held) {
        this.pending = Arrays.copyOf(held, Math.max(16, held.length));
        this.pendingLength = held.length;
    }

    /** The text this token's bytes complete; empty while a character is still incomplete (and for control tokens). */
    String next(byte[] piece) {
        if (pendingLength + piece.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + piece.length));
        }
        System.arraycopy(piece, 0, pending, pendingLength, piece.length);
        pendingLength += piece.length;
        int complete = completePrefix(pending, pendingLength);
        if (complete == 0) return "";
        String s = new String(pending, 0, complete, StandardCharsets.UTF_8);
        System.arraycopy(pending, complete, pending, 0, pendingLength - complete);
        pendingLength -= complete;
        return s;
    }

    /** What {@link #next} would return for these bytes, without taking them. */
    String peek(byte[] piece) {
        byte[] all = Arrays.copyOf(pending, pendingLength + piece.length);
        System.arraycopy(piece, 0, all, pendingLength, piece.length);
        return new String(all, 0, completePrefix(all, all.length), StandardCharsets.UTF_8);
    }

    /** The bytes held back: the start of a character whose other bytes have not come (a copy). */
    byte[] held() {
        return Arrays.copyOf(pending, pendingLength);
    }

    /** Length of the prefix that does not end inside a UTF-8 sequence that later bytes could still complete. */
    static int completePrefix(byte[] b, int n) {
        int i = n - 1;
        int continuation = 0;
        while (i >= 0 && continuation < 3 && (b[i] & 0xC0) == 0x80) {
            i--;
            continuation++;
        }
        if (i < 0) return n;
        int lead = b[i] & 0xFF;
        int need;
        if (lead >= 0xC2 && lead <= 0xDF) need = 2;
        else if (lead >= 0xE0 && lead <= 0xEF) need = 3;
        else if (lead >= 0xF0 && lead <= 0xF4) need = 4;
        else need = 1; // ASCII, or a byte no later byte can complete
        return continuation + 1 < need ? i : n;
    }
}
