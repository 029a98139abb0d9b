package io.relay.deploy;

import io.vertx.core.json.Json;
import io.vertx.core.json.jackson.JacksonCodec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Guards the split in the surefire configuration: the deploy checks need jackson-databind (through
 * the Kubernetes model), and Vert.x picks its DatabindCodec whenever databind is on the classpath.
 * The shipped jar has no databind, so the app's tests must not have it either.
 */
@DisplayName("Test classpath")
class TestJsonCodecTest {

    @Test
    @DisplayName("the app's tests encode JSON with the codec production uses, not the databind one")
    void productionCodec() {
        assertThat(Json.CODEC.getClass())
                .as("jackson-databind leaked onto the app tests' classpath; see classpathDependencyExcludes in pom.xml")
                .isEqualTo(JacksonCodec.class);
    }
}
