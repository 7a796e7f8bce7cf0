package io.guardreasoner.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded LRU map from an exact check (model, rail, prompt bytes) to its assessment.
 * Keys are SHA-256 digests, so a cache of megabyte prompts holds 64 bytes per key.
 */
final class VerdictCache {

    private final int maxSize;
    private final Map<String, Assessment> entries;

    VerdictCache(int maxSize) {
        this.maxSize = maxSize;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Assessment> eldest) {
                return size() > VerdictCache.this.maxSize;
            }
        };
    }

    /** The key of a check: the model, the rail (with how it generates), and the prompt's exact bytes. */
    static String key(String modelId, String rail, String prompt) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(modelId.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(rail.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(prompt.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }

    synchronized Assessment get(String key) {
        return maxSize == 0 ? null : entries.get(key);
    }

    synchronized void put(String key, Assessment assessment) {
        if (maxSize > 0) entries.put(key, assessment);
    }

    synchronized int size() {
        return entries.size();
    }
}
