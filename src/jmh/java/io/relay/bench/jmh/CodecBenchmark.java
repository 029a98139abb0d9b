package io.relay.bench.jmh;

import io.relay.gateway.engineio.EngineIoCodec;
import io.relay.gateway.engineio.EngineIoDecodeException;
import io.relay.gateway.engineio.EngineIoPacket;
import io.relay.gateway.socketio.SocketIoDecodeException;
import io.relay.gateway.socketio.SocketIoPacket;
import io.relay.gateway.socketio.SocketIoPackets;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Engine.IO/Socket.IO codec paths every relayed message crosses: decoding the phone's
 * {@code mobile:messages} frame, encoding the {@code messages:sync} event, and the polling payload
 * framing. {@code vertxJsonArrayParse} is the floor: Vert.x's own JSON parse of the same text.
 *
 * <p>{@code ./mvnw -P jmh -DskipTests package && java -jar target/relay-jmh.jar}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {

    @Param({"100", "1000"})
    public int bodySize;

    private JsonObject payload;
    private String wsFrame;      // Engine.IO MESSAGE + Socket.IO EVENT, as a phone sends it
    private String socketIoText; // the same without the Engine.IO type
    private String pollingPayload;
    private List<Object> queued;

    @Setup
    public void setUp() {
        JsonObject message = new JsonObject()
                .put("id", "2.123456789012.42").put("conversationId", "c-1").put("phoneNumber", "+15550000001")
                .put("body", "x".repeat(bodySize)).put("timestamp", 1_764_000_000_000L).put("type", "received").put("read", false);
        payload = new JsonObject().put("messages", new JsonArray().add(message));
        socketIoText = SocketIoPackets.encodeEvent("mobile:messages", payload);
        wsFrame = EngineIoCodec.MESSAGE + socketIoText;
        queued = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            queued.add(EngineIoCodec.MESSAGE + socketIoText);
        }
        pollingPayload = EngineIoCodec.encodePayload(queued);
    }

    @Benchmark
    public String encodeEvent() {
        return SocketIoPackets.encodeEvent("messages:sync", payload);
    }

    @Benchmark
    public SocketIoPackets.Encoded encodeEventPacketWithAck() {
        return SocketIoPackets.encodeEventPacket("/", "messages:sync", 17, payload);
    }

    @Benchmark
    public SocketIoPacket decodeEvent() throws SocketIoDecodeException {
        return SocketIoPackets.decode(socketIoText);
    }

    @Benchmark
    public SocketIoPacket decodeWebSocketFrame() throws EngineIoDecodeException, SocketIoDecodeException {
        EngineIoPacket packet = EngineIoCodec.decodeText(wsFrame);
        return SocketIoPackets.decode(packet.data());
    }

    @Benchmark
    public JsonArray vertxJsonArrayParse() {
        return new JsonArray(socketIoText.substring(1));
    }

    @Benchmark
    public List<EngineIoPacket> decodePollingPayload10() throws EngineIoDecodeException {
        return EngineIoCodec.decodePayload(pollingPayload);
    }

    @Benchmark
    public String encodePollingPayload10() {
        return EngineIoCodec.encodePayload(queued);
    }
}
