package dev.jground.nn;

import dev.jground.tensor.TensorView;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Set;

/** For real-layout tests: a backend that records the name of every checkpoint tensor a model binds, then delegates. */
public final class RecordingBackend {
    private RecordingBackend() {}

    /** Names go into {@code bound} as the views carry them (a row slice adds "[from:to]"). */
    public static Backend of(Backend inner, Set<String> bound) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, m, args) -> {
            if (m.getName().equals("weight")) bound.add(((TensorView) args[0]).name());
            try {
                return m.invoke(inner, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }
}
