package io.relay.relay;

import io.relay.gateway.socketio.SocketIoSocket;
import io.relay.store.Store;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The phone's credential: a device secret handed out on the first {@code mobile:register} of a
 * deviceId (field {@value #FIELD} of {@code authenticated}), which that deviceId must present on every
 * later register, in the Socket.IO {@code auth} object or in the register payload. The original let
 * anyone who knew a deviceId take over the phone's socket.
 *
 * <p>Only the SHA-256 of the secret is stored; a presented secret is compared by hash, in constant
 * time. The secret is issued with one atomic SQL statement (set only while none is set), so two
 * sockets racing for a fresh deviceId cannot both get one.
 */
final class PhoneCredentials {
    private static final Logger log = LoggerFactory.getLogger(PhoneCredentials.class);

    /** Name of the field that carries the secret, in {@code authenticated}, the register payload and {@code auth}. */
    static final String FIELD = "deviceSecret";
    static final String REFUSED = "Device credentials missing or invalid";
    private static final int SECRET_BYTES = 32;
    private static final int MAX_SECRET_CHARS = 256;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Store store;
    private final boolean allowLegacyPhones;
    private final String nodeId;

    PhoneCredentials(Store store, boolean allowLegacyPhones, String nodeId) {
        this.store = store;
        this.allowLegacyPhones = allowLegacyPhones;
        this.nodeId = nodeId;
    }

    /**
     * Admits a socket claiming {@code deviceId}: with the right secret, or as the first claimant of a
     * deviceId that has none (which is then issued one). Completes with the newly issued secret, or
     * null when none was issued; fails with {@link EventRejected} {@value #REFUSED} otherwise.
     */
    Future<String> admit(String deviceId, SocketIoSocket socket, JsonObject payload) {
        String presented = presented(socket, payload);
        return store.findDeviceSecretHash(deviceId).compose(stored -> {
            if (stored.isPresent()) {
                return Future.succeededFuture(checked(deviceId, socket, presented, stored.get()));
            }
            String secret = newSecret();
            return store.issueDeviceSecret(deviceId, hash(secret)).compose(issued -> issued
                    ? Future.succeededFuture(secret)
                    // Another socket got there first: judge this one against the secret it was given.
                    : store.findDeviceSecretHash(deviceId).map(again -> checked(deviceId, socket, presented, again.orElseThrow())));
        });
    }

    /** Checks a claim without issuing anything: for a deviceId without a secret, any socket passes. */
    Future<Void> verify(String deviceId, SocketIoSocket socket, JsonObject payload) {
        String presented = presented(socket, payload);
        return store.findDeviceSecretHash(deviceId).map(stored -> {
            stored.ifPresent(hash -> checked(deviceId, socket, presented, hash));
            return null;
        });
    }

    /** True when {@code secret} is the device's secret (constant-time). For the REST calls the phone makes. */
    Future<Boolean> matches(String deviceId, String secret) {
        if (secret == null || secret.isEmpty() || secret.length() > MAX_SECRET_CHARS) {
            return Future.succeededFuture(false);
        }
        return store.findDeviceSecretHash(deviceId).map(stored -> stored.map(hash -> MessageDigest.isEqual(hash, hash(secret))).orElse(false));
    }

    private String checked(String deviceId, SocketIoSocket socket, String presented, byte[] storedHash) {
        if (presented == null && allowLegacyPhones) {
            log.warn("legacy phone admitted without its device secret node={} device={} socket={} remote={}",
                    nodeId, deviceId, socket.id(), socket.remoteAddress());
            return null;
        }
        if (presented != null && MessageDigest.isEqual(storedHash, hash(presented))) {
            return null;
        }
        log.warn("phone refused: {} device secret node={} device={} socket={} remote={}",
                presented == null ? "no" : "wrong", nodeId, deviceId, socket.id(), socket.remoteAddress());
        throw new EventRejected(REFUSED);
    }

    /** The secret from the register payload, else from the handshake's {@code auth}; null when neither has one. */
    private static String presented(SocketIoSocket socket, JsonObject payload) {
        String secret = stringField(payload);
        return secret != null ? secret : stringField(socket.auth());
    }

    private static String stringField(JsonObject object) {
        if (object == null) {
            return null;
        }
        Object value = object.getValue(FIELD);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String text) || text.isEmpty() || text.length() > MAX_SECRET_CHARS) {
            throw new EventRejected("Invalid field: " + FIELD + " (expected a non-empty string)");
        }
        return text;
    }

    private static String newSecret() {
        byte[] bytes = new byte[SECRET_BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static byte[] hash(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
