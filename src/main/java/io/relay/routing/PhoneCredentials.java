package io.relay.routing;

import io.relay.config.PhoneSecretPolicy;
import io.relay.gateway.socketio.SocketIoSocket;
import io.relay.ops.Metrics;
import io.relay.store.Store;
import io.relay.store.Store.DeviceCredential;
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
 * deviceId (field {@value #FIELD} of {@code authenticated}), presented back in the Socket.IO
 * {@code auth} object or in the register payload. The original let anyone who knew a deviceId take
 * over the phone's socket.
 *
 * <p>The original phone app ignores the secret and registers with its deviceId alone after every
 * reconnect. So under the default {@link PhoneSecretPolicy#BIND_ON_FIRST_USE} a secret binds its device
 * only once a phone has presented it: from then on that deviceId registers only with it. A device that
 * never presented it is a <em>legacy</em> device, admitted without it, counted and logged once. Under
 * {@link PhoneSecretPolicy#REQUIRED} every register of a deviceId that has a secret must present it.
 * A wrong secret is refused under both.
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
    private final PhoneSecretPolicy policy;
    private final Metrics metrics;
    private final String nodeId;

    PhoneCredentials(Store store, PhoneSecretPolicy policy, Metrics metrics, String nodeId) {
        this.store = store;
        this.policy = policy;
        this.metrics = metrics;
        this.nodeId = nodeId;
    }

    /**
     * Admits a socket claiming {@code deviceId}: with the right secret (which binds the device to it), as
     * the first claimant of a deviceId that has none (which is then issued one), or as a legacy device
     * when the policy allows. Completes with the newly issued secret, or null when none was issued; fails
     * with {@link EventRejected} {@value #REFUSED} otherwise.
     */
    Future<String> admit(String deviceId, SocketIoSocket socket, JsonObject payload) {
        String presented = presented(socket, payload);
        return store.findDeviceCredential(deviceId).compose(stored -> {
            if (stored.isPresent()) {
                return judge(deviceId, socket, presented, stored.get()).map((String) null);
            }
            String secret = newSecret();
            return store.issueDeviceSecret(deviceId, hash(secret)).compose(issued -> {
                if (issued) {
                    metrics.phoneRegistered("issued");
                    return Future.succeededFuture(secret);
                }
                // Another socket got there first: judge this one against the secret it was given.
                return store.findDeviceCredential(deviceId)
                        .compose(again -> judge(deviceId, socket, presented, again.orElseThrow()))
                        .map((String) null);
            });
        });
    }

    /** True when {@code secret} is the device's secret (constant-time). For the REST calls the phone makes. */
    Future<Boolean> matches(String deviceId, String secret) {
        if (secret == null || secret.isEmpty() || secret.length() > MAX_SECRET_CHARS) {
            return Future.succeededFuture(false);
        }
        return store.findDeviceCredential(deviceId)
                .map(stored -> stored.map(credential -> MessageDigest.isEqual(credential.secretHash(), hash(secret))).orElse(false));
    }

    private Future<Void> judge(String deviceId, SocketIoSocket socket, String presented, DeviceCredential stored) {
        if (presented != null) {
            if (!MessageDigest.isEqual(stored.secretHash(), hash(presented))) {
                return refuse(deviceId, socket, "wrong");
            }
            metrics.phoneRegistered("secret");
            return stored.bound() ? Future.succeededFuture() : store.bindDeviceSecret(deviceId).onSuccess(v ->
                    log.info("phone bound to its device secret node={} device={} socket={}", nodeId, deviceId, socket.id()));
        }
        if (stored.bound() || policy == PhoneSecretPolicy.REQUIRED) {
            return refuse(deviceId, socket, "no");
        }
        metrics.phoneRegistered("legacy");
        if (stored.legacyNoted()) {
            return Future.succeededFuture();
        }
        // Once per device across the cluster: the database says who is first.
        return store.noteLegacyDevice(deviceId).map(first -> {
            if (first) {
                log.warn("legacy phone admitted without its device secret node={} device={} socket={} remote={}: anyone who knows "
                                + "this deviceId can register as it until the phone presents its secret (PHONE_SECRET_POLICY)",
                        nodeId, deviceId, socket.id(), socket.remoteAddress());
            }
            return null;
        });
    }

    private Future<Void> refuse(String deviceId, SocketIoSocket socket, String which) {
        log.warn("phone refused: {} device secret node={} device={} socket={} remote={}",
                which, nodeId, deviceId, socket.id(), socket.remoteAddress());
        return Future.failedFuture(new EventRejected(REFUSED));
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
