package io.guardreasoner.spring.isolated;

import io.guardreasoner.test.GuardReasonerStubServer;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Spring Boot application whose class path holds the starter and guard-localai but none of Jlama: it starts on
 * LocalAI, guards a request, and no {@code com.github.tjake} class can even be loaded. The class path is the test's
 * own minus every Jlama jar or folder, in a fresh class loader under the platform loader, so nothing leaks in from
 * the test's class path.
 */
class LocalAiOnlyClassPathTest {

    @Test
    void startsAndGuardsWithOnlyGuardLocalAi() throws Exception {
        List<URL> withoutJlama = new ArrayList<>();
        for (String entry : testClassPath()) {
            if (Path.of(entry).toString().toLowerCase().contains("jlama")) continue;
            withoutJlama.add(toUrl(entry));
        }
        assertThat(withoutJlama).anySatisfy(u -> assertThat(u.toString()).contains("guard-localai"));

        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        try (GuardReasonerStubServer stub = GuardReasonerStubServer.start();
             URLClassLoader isolated = new URLClassLoader(withoutJlama.toArray(URL[]::new),
                     ClassLoader.getPlatformClassLoader())) {
            thread.setContextClassLoader(isolated);
            @SuppressWarnings("unchecked")
            Map<String, String> found = (Map<String, String>) isolated
                    .loadClass(LocalAiOnlyApplication.class.getName())
                    .getMethod("runOnce", String.class)
                    .invoke(null, stub.url());

            assertThat(found).containsEntry("backend", "io.guardreasoner.localai.LocalAiBackend")
                    .containsEntry("decision", "allow")
                    .containsEntry("jlamaLoadable", "false")
                    .containsEntry("guardJlamaLoadable", "false");
            assertThat(stub.completionRequests()).hasSize(1);
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    /** The test class path as Surefire gives it (its booter jar hides it from java.class.path). */
    private static List<String> testClassPath() {
        String path = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(path.split(File.pathSeparator)).filter(s -> !s.isBlank()).toList();
    }

    private static URL toUrl(String entry) {
        try {
            return Path.of(entry).toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(entry, e);
        }
    }
}
