package io.guardreasoner.spring.isolated;

import io.guardreasoner.core.Guard;
import io.guardreasoner.core.GuardBackend;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.DefaultResourceLoader;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A plain Spring Boot application with the starter and guard-localai, started inside a class loader that holds no
 * Jlama (see {@code LocalAiOnlyClassPathTest}); it reports what it found as strings, which cross class loaders.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class LocalAiOnlyApplication {

    /** Starts the application against the LocalAI server at {@code baseUrl}, checks one request, and stops. */
    public static Map<String, String> runOnce(String baseUrl) {
        ClassLoader own = LocalAiOnlyApplication.class.getClassLoader();
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(LocalAiOnlyApplication.class)
                .resourceLoader(new DefaultResourceLoader(own))
                .web(WebApplicationType.NONE)
                .run("--guardreasoner.localai.base-urls=" + baseUrl, "--spring.main.banner-mode=off")) {
            Map<String, String> found = new LinkedHashMap<>();
            found.put("backend", context.getBean(GuardBackend.class).getClass().getName());
            found.put("decision", context.getBean(Guard.class).checkRequest("How do I bake bread?").decision().kind());
            found.put("jlamaLoadable", String.valueOf(loadable(own, "com.github.tjake.jlama.model.AbstractModel")));
            found.put("guardJlamaLoadable", String.valueOf(loadable(own, "io.guardreasoner.jlama.JlamaBackend")));
            return found;
        }
    }

    private static boolean loadable(ClassLoader loader, String name) {
        try {
            Class.forName(name, false, loader);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
