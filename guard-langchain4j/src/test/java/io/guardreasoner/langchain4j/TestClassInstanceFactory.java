package io.guardreasoner.langchain4j;

import dev.langchain4j.spi.classloading.ClassInstanceFactory;

import java.lang.reflect.InvocationTargetException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A ServiceLoader {@link ClassInstanceFactory}, as a DI container would register one: it hands LangChain4j the
 * instances a test provides, and otherwise does what LangChain4j does without a factory (the no-arg constructor).
 */
public final class TestClassInstanceFactory implements ClassInstanceFactory {

    private static final Map<Class<?>, Object> PROVIDED = new ConcurrentHashMap<>();

    /** From now on LangChain4j gets {@code instance} when it asks for {@code type}. */
    static <T> void provide(Class<T> type, T instance) {
        PROVIDED.put(type, instance);
    }

    static void clear() {
        PROVIDED.clear();
    }

    @Override
    public <T> T getInstanceOfClass(Class<T> clazz) {
        Object provided = PROVIDED.get(clazz);
        if (provided != null) return clazz.cast(provided);
        try {
            return clazz.getDeclaredConstructor().newInstance();
        } catch (InstantiationException | IllegalAccessException | InvocationTargetException | NoSuchMethodException e) {
            throw new IllegalStateException("cannot create " + clazz.getName() + " with its no-arg constructor", e);
        }
    }
}
