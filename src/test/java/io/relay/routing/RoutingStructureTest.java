package io.relay.routing;

import io.relay.vocabulary.Events;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The routing package")
class RoutingStructureTest {

    @Test
    @DisplayName("keeps every instance field of its classes private: a class gets what it uses through its constructor, nobody reads another's fields")
    void fieldsArePrivate() throws Exception {
        assertThat(topLevelClasses().toList()).contains(Switchboard.class, Client.class, PhoneEvents.class, WebEvents.class, Outbox.class);
        List<String> open = topLevelClasses().flatMap(type -> Stream.of(type.getDeclaredFields())
                        .filter(f -> !Modifier.isStatic(f.getModifiers()) && !f.isSynthetic() && !Modifier.isPrivate(f.getModifiers()))
                        .map(f -> type.getSimpleName() + "." + f.getName()))
                .toList();
        assertThat(open).isEmpty();
    }

    @Test
    @DisplayName("gives a client's phone and browser handlers events of their own side only, and identification to neither")
    void sidesApart() {
        assertThat(PhoneHandler.EVENTS).doesNotContainAnyElementsOf(BrowserHandler.EVENTS)
                .allSatisfy(event -> assertThat(event).matches("mobile:.*|message:.*"))
                .doesNotContain(Events.MOBILE_REGISTER);
        assertThat(BrowserHandler.EVENTS).allSatisfy(event -> assertThat(event).startsWith("web:"))
                .doesNotContain(Events.WEB_AUTHENTICATE);
    }

    private static Stream<Class<?>> topLevelClasses() throws IOException, URISyntaxException {
        Path dir = Path.of(Switchboard.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve(Switchboard.class.getPackageName().replace('.', '/'));
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(name -> name.endsWith(".class") && !name.contains("$"))
                    .<Class<?>>map(name -> load(Switchboard.class.getPackageName() + "." + name.substring(0, name.length() - ".class".length())))
                    .toList().stream();
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
