package io.relay.deploy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The fabric8 model keeps fields it does not know in each object's additionalProperties instead of
 * failing, so a misspelt field would parse. This walks the typed tree and lists them.
 */
final class UnknownFields {

    private UnknownFields() {
    }

    /** Names (paths) of fields the typed model did not recognise, anywhere in the object tree. */
    static List<String> in(Object o, String path) {
        List<String> found = new ArrayList<>();
        collectUnknown(o, path, found);
        return found;
    }

    private static void collectUnknown(Object o, String path, List<String> found) {
        if (o instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                collectUnknown(item, path + "[" + i++ + "]", found);
            }
            return;
        }
        if (o instanceof Map<?, ?> map) {
            map.forEach((k, v) -> collectUnknown(v, path + "." + k, found));
            return;
        }
        if (o == null || !o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : o.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            Object value = invoke(getter, o);
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(k -> found.add(path + "." + k));
                }
                continue;
            }
            Class<?> type = getter.getReturnType();
            if (Collection.class.isAssignableFrom(type) || Map.class.isAssignableFrom(type)
                    || type.getName().startsWith("io.fabric8.kubernetes.api.model")) {
                collectUnknown(value, path + "." + property(getter), found);
            }
        }
    }

    private static Object invoke(Method getter, Object o) {
        try {
            return getter.invoke(o);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new AssertionError("cannot read " + getter + ": " + e, e);
        }
    }

    private static String property(Method getter) {
        String n = getter.getName().substring(3);
        return Character.toLowerCase(n.charAt(0)) + n.substring(1);
    }
}
