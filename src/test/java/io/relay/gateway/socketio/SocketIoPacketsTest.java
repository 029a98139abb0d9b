package io.relay.gateway.socketio;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The Socket.IO codec")
class SocketIoPacketsTest {

    @Test
    @DisplayName("encodes an event for the default namespace with JSON arguments, keeping key order and integers")
    void encodesEvent() {
        JsonObject payload = new JsonObject().put("z", 1).put("a", new JsonArray().add(2).add(2.5)).put("n", (Object) null);
        String text = SocketIoPackets.encodeEvent("message:new", payload, "s", 3, 12345678901L, true, null);
        assertThat(text).isEqualTo("2[\"message:new\",{\"z\":1,\"a\":[2,2.5],\"n\":null},\"s\",3,12345678901,true,null]");
        assertThat(SocketIoPackets.encodeEvent("request:sync")).isEqualTo("2[\"request:sync\"]");
    }

    @Test
    @DisplayName("builds an event around an object encoded once already, adding one or two number fields last, as encoding it with the fields would")
    void encodesAroundEncodedObject() {
        for (JsonObject payload : List.of(new JsonObject(),
                new JsonObject().put("messages", new JsonArray().add(new JsonObject().put("id", "m1").put("body", "a\"}]b\u2028"))),
                new JsonObject().put("z", 1).put("nested", new JsonObject().put("seq", "inner")).put("n", (Object) null))) {
            String once = payload.encode();
            assertThat(SocketIoPackets.encodeEventAdding("messages:sync", once, "seq", 12345678901L))
                    .isEqualTo(SocketIoPackets.encodeEvent("messages:sync", payload.copy().put("seq", 12345678901L)));
            assertThat(SocketIoPackets.encodeEventAdding("messages:sync", once, "seq", 12345678901L, "prevSeq", 7L))
                    .isEqualTo(SocketIoPackets.encodeEvent("messages:sync", payload.copy().put("seq", 12345678901L).put("prevSeq", 7L)));
        }
        assertThatThrownBy(() -> SocketIoPackets.encodeEventAdding("e", "[1]", "seq", 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("builds an event around a client's own object text too: spaces kept, an empty object with spaces takes no comma")
    void encodesAroundClientText() {
        assertThat(SocketIoPackets.encodeEventAdding("e", "{ \"a\" : 1e2 }", "seq", 5, "prevSeq", 4))
                .isEqualTo("2[\"e\",{ \"a\" : 1e2 ,\"seq\":5,\"prevSeq\":4}]");
        String empty = SocketIoPackets.encodeEventAdding("e", "{ \n }", "seq", 5);
        assertThat(empty).isEqualTo("2[\"e\",{ \n \"seq\":5}]");
        assertThat(new JsonArray(empty.substring(1)).getJsonObject(1)).isEqualTo(new JsonObject().put("seq", 5));
    }

    @Test
    @DisplayName("an event keeps its data's text as the client wrote it, and its only object argument's text is found in it")
    void eventKeepsItsText() throws Exception {
        String payload = "{ \"messages\": [ {\"id\":\"m1\", \"n\":1e2, \"s\":\"a\\\"]\"} ] }";
        SocketIoPacket packet = SocketIoPackets.decode("2 [ \"mobile:\\\"messages\" ,\n" + payload + " ]");
        assertThat(packet.text()).isEqualTo(" [ \"mobile:\\\"messages\" ,\n" + payload + " ]");
        JsonArray data = (JsonArray) packet.data();
        ClientEvent event = new ClientEvent((String) data.remove(0), data, null, packet.text());
        assertThat(event.payloadText()).isEqualTo(payload);
        assertThat(new JsonObject(event.payloadText())).isEqualTo(event.payload());

        // Only the payload as the one argument has a text of its own; other packets keep none.
        JsonArray two = (JsonArray) SocketIoPackets.decode("2[\"e\",{\"a\":1},2]").data();
        assertThat(new ClientEvent((String) two.remove(0), two, null, "[\"e\",{\"a\":1},2]").payloadText()).isNull();
        JsonArray notObject = (JsonArray) SocketIoPackets.decode("2[\"e\",[1]]").data();
        assertThat(new ClientEvent((String) notObject.remove(0), notObject, null, "[\"e\",[1]]").payloadText()).isNull();
        assertThat(new ClientEvent("e", new JsonArray().add(new JsonObject()), null).payloadText()).isNull();
        assertThat(SocketIoPackets.decode("0{\"token\":1}").text()).isNull();
        assertThat(SocketIoPackets.decode("51-[\"e\",{\"_placeholder\":true,\"num\":0}]").text()).isNull();
    }

    @Test
    @DisplayName("escapes strings as JSON requires")
    void escapesStrings() {
        String text = SocketIoPackets.encodeEvent("e", "a\"b\\c\nd\u0001é");
        assertThat(text).isEqualTo("2[\"e\",\"a\\\"b\\\\c\\nd\\u0001é\"]");
        assertThat(new JsonArray(text.substring(1)).getString(1)).isEqualTo("a\"b\\c\nd\u0001é");
    }

    @Test
    @DisplayName("refuses a Buffer argument in a pre-encoded text event")
    void refusesBinaryInTextEvent() {
        assertThatThrownBy(() -> SocketIoPackets.encodeEvent("e", Buffer.buffer("x")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SocketIoPackets.encodeEvent("e", new JsonObject().put("f", Buffer.buffer("x"))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("encodes namespaces, ack ids, acks, CONNECT, CONNECT_ERROR and DISCONNECT")
    void encodesOtherPackets() {
        assertThat(SocketIoPackets.encodeEventPacket("/admin", "x", 12, 1).text()).isEqualTo("2/admin,12[\"x\",1]");
        assertThat(SocketIoPackets.encodeAckPacket("/", 7, "a", 1).text()).isEqualTo("37[\"a\",1]");
        assertThat(SocketIoPackets.encodeAckPacket("/", 0).text()).isEqualTo("30[]");
        assertThat(SocketIoPackets.encodeConnect("/", "abc")).isEqualTo("0{\"sid\":\"abc\"}");
        assertThat(SocketIoPackets.encodeConnect("/admin", "abc")).isEqualTo("0/admin,{\"sid\":\"abc\"}");
        assertThat(SocketIoPackets.encodeConnectError("/admin", "Invalid namespace"))
                .isEqualTo("4/admin,{\"message\":\"Invalid namespace\"}");
        assertThat(SocketIoPackets.encodeDisconnect("/")).isEqualTo("1");
        assertThat(SocketIoPackets.encodeDisconnect("/admin")).isEqualTo("1/admin,");
    }

    @Test
    @DisplayName("turns Buffer arguments, even nested ones, into placeholders and attachments")
    void encodesBinaryEvent() {
        Buffer first = Buffer.buffer("ab");
        Buffer second = Buffer.buffer(new byte[]{1, 2});
        SocketIoPackets.Encoded encoded = SocketIoPackets.encodeEventPacket("/", "up", -1,
                first, new JsonObject().put("f", second).put("k", 1));
        assertThat(encoded.text()).isEqualTo(
                "52-[\"up\",{\"_placeholder\":true,\"num\":0},{\"f\":{\"_placeholder\":true,\"num\":1},\"k\":1}]");
        assertThat(encoded.attachments()).containsExactly(first, second);

        SocketIoPackets.Encoded ack = SocketIoPackets.encodeAckPacket("/ns", 7, new JsonArray().add(first));
        assertThat(ack.text()).isEqualTo("61-/ns,7[[{\"_placeholder\":true,\"num\":0}]]");
        assertThat(ack.isBinary()).isTrue();
    }

    @Test
    @DisplayName("decodes CONNECT with and without namespace and auth, DISCONNECT and CONNECT_ERROR")
    void decodesConnectAndDisconnect() throws Exception {
        SocketIoPacket plain = SocketIoPackets.decode("0");
        assertThat(plain.type()).isEqualTo(SocketIoPackets.CONNECT);
        assertThat(plain.nsp()).isEqualTo("/");
        assertThat(plain.data()).isNull();
        SocketIoPacket auth = SocketIoPackets.decode("0/admin,{\"token\":\"t\"}");
        assertThat(auth.nsp()).isEqualTo("/admin");
        assertThat(auth.data()).isEqualTo(new JsonObject().put("token", "t"));
        assertThat(SocketIoPackets.decode("0{\"token\":\"t\"}").nsp()).isEqualTo("/");
        assertThat(SocketIoPackets.decode("1").type()).isEqualTo(SocketIoPackets.DISCONNECT);
        assertThat(SocketIoPackets.decode("1/admin,").nsp()).isEqualTo("/admin");
        assertThat(SocketIoPackets.decode("4{\"message\":\"m\"}").type()).isEqualTo(SocketIoPackets.CONNECT_ERROR);
    }

    @Test
    @DisplayName("decodes events and acks with their ack ids")
    void decodesEventsAndAcks() throws Exception {
        SocketIoPacket event = SocketIoPackets.decode("21[\"x\",{}]");
        assertThat(event.type()).isEqualTo(SocketIoPackets.EVENT);
        assertThat(event.id()).isEqualTo(1);
        assertThat(event.data()).isEqualTo(new JsonArray().add("x").add(new JsonObject()));
        SocketIoPacket nsEvent = SocketIoPackets.decode("2/admin,456[\"y\"]");
        assertThat(nsEvent.nsp()).isEqualTo("/admin");
        assertThat(nsEvent.id()).isEqualTo(456);
        assertThat(SocketIoPackets.decode("2[\"x\"]").hasAckId()).isFalse();
        SocketIoPacket ack = SocketIoPackets.decode("37[\"r\"]");
        assertThat(ack.type()).isEqualTo(SocketIoPackets.ACK);
        assertThat(ack.id()).isEqualTo(7);
    }

    @Test
    @DisplayName("keeps integers as integers and object keys in order when re-serialising")
    void preservesNumbersAndKeyOrder() throws Exception {
        String text = "2[\"x\",1,1.5,12345678901,{\"z\":1,\"a\":{\"y\":2,\"b\":3}},[3,2,1]]";
        JsonArray data = (JsonArray) SocketIoPackets.decode(text).data();
        assertThat(data.getValue(1)).isInstanceOf(Integer.class);
        assertThat(data.getValue(3)).isInstanceOf(Long.class);
        assertThat(data.getJsonObject(4).fieldNames()).containsExactly("z", "a");
        assertThat(SocketIoPackets.encode(new SocketIoPacket(SocketIoPackets.EVENT, "/", -1, data, 0)).text()).isEqualTo(text);
        Object[] args = data.getList().subList(1, data.size()).toArray();
        assertThat(SocketIoPackets.encodeEvent("x", args)).isEqualTo(text);
    }

    @Test
    @DisplayName("reassembles a binary event from its attachments, replacing nested placeholders")
    void decodesBinaryEvent() throws Exception {
        SocketIoDecoder decoder = new SocketIoDecoder();
        assertThat(decoder.onText("52-3[\"up\",{\"_placeholder\":true,\"num\":1},{\"f\":[{\"_placeholder\":true,\"num\":0}]}]")).isNull();
        assertThat(decoder.reconstructing()).isTrue();
        assertThat(decoder.onBinary(Buffer.buffer("zero"))).isNull();
        SocketIoPacket packet = decoder.onBinary(Buffer.buffer("one"));
        assertThat(packet.type()).isEqualTo(SocketIoPackets.BINARY_EVENT);
        assertThat(packet.id()).isEqualTo(3);
        JsonArray data = (JsonArray) packet.data();
        assertThat(data.getBuffer(1)).isEqualTo(Buffer.buffer("one"));
        assertThat(data.getJsonObject(2).getJsonArray("f").getBuffer(0)).isEqualTo(Buffer.buffer("zero"));
        assertThat(decoder.reconstructing()).isFalse();

        SocketIoPacket binaryAck = new SocketIoDecoder().onText("60-/ns,4[\"plain\"]");
        assertThat(binaryAck.type()).isEqualTo(SocketIoPackets.BINARY_ACK);
        assertThat(binaryAck.nsp()).isEqualTo("/ns");
    }

    @Test
    @DisplayName("re-encodes a decoded binary event to the same text and attachments")
    void binaryRoundTrip() throws Exception {
        SocketIoDecoder decoder = new SocketIoDecoder();
        decoder.onText("51-[\"x\",{\"_placeholder\":true,\"num\":0}]");
        SocketIoPacket packet = decoder.onBinary(Buffer.buffer(new byte[]{9}));
        SocketIoPackets.Encoded encoded = SocketIoPackets.encode(packet);
        assertThat(encoded.text()).isEqualTo("51-[\"x\",{\"_placeholder\":true,\"num\":0}]");
        assertThat(encoded.attachments()).containsExactly(Buffer.buffer(new byte[]{9}));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "7", "x", "2", "2{}", "2[]", "2[1]", "2[null]", "2[\"x\"", "2abc", "2[\"x\"]junk",
            "2[\"connect\"]", "1{\"a\":1}", "0[]", "0\"s\"", "3{}", "5-[\"x\"]", "5x-[\"x\"]", "51[\"x\"]",
            "21234567890123456[\"x\"]", "2/admin,[1]", "4[]"})
    @DisplayName("rejects malformed packets with a decode error")
    void rejectsMalformed(String text) {
        assertThatThrownBy(() -> new SocketIoDecoder().onText(text)).isInstanceOf(SocketIoDecodeException.class);
    }

    @Test
    @DisplayName("rejects binary data out of sequence and placeholders that point nowhere")
    void rejectsBadAttachments() throws Exception {
        assertThatThrownBy(() -> new SocketIoDecoder().onBinary(Buffer.buffer("x")))
                .isInstanceOf(SocketIoDecodeException.class);
        SocketIoDecoder waiting = new SocketIoDecoder();
        waiting.onText("51-[\"x\",{\"_placeholder\":true,\"num\":0}]");
        assertThatThrownBy(() -> waiting.onText("2[\"y\"]")).isInstanceOf(SocketIoDecodeException.class);
        SocketIoDecoder outOfRange = new SocketIoDecoder();
        outOfRange.onText("51-[\"x\",{\"_placeholder\":true,\"num\":1}]");
        assertThatThrownBy(() -> outOfRange.onBinary(Buffer.buffer("x"))).isInstanceOf(SocketIoDecodeException.class);
        assertThatThrownBy(() -> new SocketIoDecoder().onText("50-[\"x\",{\"_placeholder\":true,\"num\":0}]"))
                .isInstanceOf(SocketIoDecodeException.class);
    }

    @Test
    @DisplayName("lists no attachments for a text-only event")
    void textOnlyHasNoAttachments() {
        assertThat(SocketIoPackets.encodeEventPacket("/", "e", -1, List.of(1, 2)).attachments()).isEmpty();
    }
}
