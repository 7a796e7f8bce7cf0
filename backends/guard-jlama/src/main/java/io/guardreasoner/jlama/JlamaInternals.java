package io.guardreasoner.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.functions.SampleOutput;

import java.io.InputStream;
import java.lang.reflect.Field;
import java.util.Properties;

/**
 * Every place this backend reaches into Jlama past its API, in one class. Written against Jlama {@value #WRITTEN_AGAINST}
 * ({@code com.github.tjake:jlama-core}); each read fails soft (the feature it serves is off) on another version.
 */
final class JlamaInternals {

    /** The Jlama version whose private fields this class reads. */
    static final String WRITTEN_AGAINST = "0.8.4";

    private static final System.Logger LOG = System.getLogger(JlamaInternals.class.getName());

    private JlamaInternals() {
    }

    /** The Jlama version on the class path, from its jar's Maven metadata, or {@code unknown}. */
    static String jlamaVersion() {
        try (InputStream in = AbstractModel.class.getResourceAsStream(
                "/META-INF/maven/com.github.tjake/jlama-core/pom.properties")) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (Exception e) {
            return "unknown";
        }
    }

    /** Logs once per load when the Jlama on the class path is not the one these reads were written for. */
    static void warnOnOtherVersion() {
        String version = jlamaVersion();
        if (!version.equals(WRITTEN_AGAINST) && !version.equals("unknown")) {
            LOG.log(System.Logger.Level.WARNING, "guard-jlama was written against Jlama {0}, but {1} is on the class "
                    + "path; 8-bit logits and the setup report may be off", WRITTEN_AGAINST, version);
        }
    }

    /**
     * The type Jlama quantizes activations to for its matrix products ({@code AbstractModel.workingQType}, which it
     * may lower from I8 when the model's sizes do not fit the CPU's vector width), or {@code unknown}.
     */
    static String activationType(AbstractModel model) {
        Object value = field(model, "workingQType");
        return value == null ? "unknown" : String.valueOf(value);
    }

    /** The model's output head ({@code AbstractModel.sampleOutput}: final norm and logits matrix), or null. */
    static SampleOutput outputHead(AbstractModel model) {
        return field(model, "sampleOutput") instanceof SampleOutput head ? head : null;
    }

    private static Object field(AbstractModel model, String name) {
        try {
            Field f = AbstractModel.class.getDeclaredField(name);
            f.setAccessible(true);
            return f.get(model);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "Jlama field AbstractModel.{0} unreadable: {1}", name, e.toString());
            return null;
        }
    }
}
