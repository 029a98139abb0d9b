package io.relay.routing;

import io.relay.pairing.PairingException;
import io.relay.store.StoreException;
import io.relay.vocabulary.FailureReason;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A failed client event")
class ClientErrorsTest {

    @Test
    @DisplayName("is told by one of a fixed set of codes, each retryable or not as the README's table says")
    void codesAndRetryable() {
        Map<String, Boolean> codes = new LinkedHashMap<>();
        Arrays.stream(FailureReason.values()).forEach(r -> codes.put(r.code(), r.retryable()));
        assertThat(codes).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry("storage_unavailable", true), Map.entry("flood", true), Map.entry("rate_limited", true),
                Map.entry("superseded", true),
                Map.entry("bad_request", false), Map.entry("invalid_data", false), Map.entry("not_registered", false),
                Map.entry("not_authenticated", false), Map.entry("unknown_event", false), Map.entry("internal", false),
                Map.entry("identify_timeout", false), Map.entry("unpaired_timeout", false),
                Map.entry("binary_refused", false), Map.entry("attachments_over_limit", false),
                Map.entry("invalid_qr", false), Map.entry("invalid_session", false),
                // REST only (the HTTP status tells them apart there), never a socket's code:
                Map.entry("unknown_token", false), Map.entry("pairing_timeout", false),
                Map.entry("already_collected", false), Map.entry("cancelled", false)));
    }

    @Test
    @DisplayName("is classified by the reason its failure carries, whatever its message says")
    void classifiedByReasonNotText() {
        assertThat(ClientErrors.reasonOf(new EventRejected(FailureReason.FLOOD, "Unknown event: x"))).isEqualTo(FailureReason.FLOOD);
        assertThat(ClientErrors.reasonOf(new EventRejected("Too many events in flight; slow down"))).isEqualTo(FailureReason.BAD_REQUEST);
        assertThat(ClientErrors.reasonOf(new PairingException(FailureReason.INVALID_QR, "Invalid QR code"))).isEqualTo(FailureReason.INVALID_QR);
        assertThat(ClientErrors.reasonOf(new IllegalStateException("storage unavailable"))).isEqualTo(FailureReason.INTERNAL);
    }

    @Test
    @DisplayName("failing in storage is invalid_data when the data was refused, and storage_unavailable (retryable) otherwise")
    void storageFailures() {
        assertThat(ClientErrors.reasonOf(new StoreException(FailureReason.INVALID_DATA, "refused by the database"))).isEqualTo(FailureReason.INVALID_DATA);
        assertThat(ClientErrors.reasonOf(new StoreException(FailureReason.STORAGE_UNAVAILABLE, "storage unavailable")))
                .isEqualTo(FailureReason.STORAGE_UNAVAILABLE);
        assertThat(ClientErrors.reasonOf(new StoreException(FailureReason.INTERNAL, "storage failed"))).isEqualTo(FailureReason.STORAGE_UNAVAILABLE);
    }

    @Test
    @DisplayName("is described to the client as {code, retryable} after what it already says")
    void described() {
        JsonObject ack = ClientErrors.describe(new JsonObject().put("success", false).put("error", "Storage unavailable, try again"),
                FailureReason.STORAGE_UNAVAILABLE);
        assertThat(ack.encode()).isEqualTo("{\"success\":false,\"error\":\"Storage unavailable, try again\",\"code\":\"storage_unavailable\",\"retryable\":true}");
    }
}
