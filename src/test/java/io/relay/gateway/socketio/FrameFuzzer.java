package io.relay.gateway.socketio;

import java.util.List;
import java.util.Random;

/**
 * Generates Engine.IO / Socket.IO frames for fuzzing: valid packets of every kind, mutated (byte
 * flips, truncations, insertions of protocol characters, bogus attachment counts, huge numbers,
 * spliced records) or made up from scratch. Deterministic for a given seed.
 */
final class FrameFuzzer {

    /** Valid frames as clients send them: Engine.IO text packets carrying Socket.IO packets, and polling payloads. */
    static final List<String> VALID = List.of(
            "2", "3", "2probe", "3probe", "5", "6", "1",
            "40", "40{\"token\":\"abc\"}", "40/custom,", "40/custom,{\"x\":1}", "41", "41/custom,",
            "42[\"mobile:register\",{\"deviceId\":\"phone-1\",\"deviceName\":\"Pixel\",\"deviceModel\":\"Pixel 8\"}]",
            "421[\"web:authenticate\",{\"sessionToken\":\"eyJhbGciOiJIUzI1NiJ9.e30.sig\"}]",
            "42/custom,7[\"message\",1,\"two\",{\"three\":[3,4.5,null,true]}]",
            "43[{\"success\":true}]", "4312[\"a\",{\"b\":\"c\"}]",
            "44{\"message\":\"nope\"}",
            "451-[\"mobile:messages\",{\"_placeholder\":true,\"num\":0}]",
            "452-/custom,9[\"up\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]",
            "461-3[{\"_placeholder\":true,\"num\":0}]",
            "42[\"mobile:messages\",{\"messages\":[{\"id\":\"m1\",\"body\":\"Réponse 👍\\n\",\"timestamp\":1718000000123}]}]",
            "42[\"web:request-sync\"]",
            "4hello\u001e2\u001e3\u001ebAQID",
            "42[\"a\"]\u001e42[\"b\",1]\u001e3",
            "bAAECAwQ=", "b");

    private static final String PROTOCOL_CHARS = "0123456789[]{}\",:-/\u001eb_\\ntrufalsenum";
    private static final List<String> HUGE = List.of("99999999999999999999", "2147483648", "-1", "9223372036854775808",
            "1e308", "1000001", "0000000000000000000001", "18446744073709551616");

    private final Random random;

    FrameFuzzer(long seed) {
        this.random = new Random(seed);
    }

    String next() {
        int kind = random.nextInt(10);
        if (kind == 0) {
            return randomText(random.nextInt(64));
        }
        String frame = VALID.get(random.nextInt(VALID.size()));
        int mutations = 1 + random.nextInt(3);
        for (int i = 0; i < mutations; i++) {
            frame = mutate(frame);
        }
        return frame;
    }

    /** Random bytes for a binary frame (an attachment, or a stray binary message). */
    byte[] nextBinary() {
        byte[] bytes = new byte[random.nextInt(16)];
        random.nextBytes(bytes);
        return bytes;
    }

    boolean chance(int percent) {
        return random.nextInt(100) < percent;
    }

    private String mutate(String frame) {
        if (frame.isEmpty()) {
            return randomText(1 + random.nextInt(8));
        }
        int at = random.nextInt(frame.length());
        return switch (random.nextInt(9)) {
            case 0 -> frame.substring(0, at) + (char) random.nextInt(0x80) + frame.substring(at + 1); // flip
            case 1 -> frame.substring(0, at); // truncate
            case 2 -> frame.substring(0, at) + protocolChar() + frame.substring(at); // insert
            case 3 -> frame.substring(0, at) + frame.substring(Math.min(frame.length(), at + 1 + random.nextInt(4))); // delete
            case 4 -> "45" + HUGE.get(random.nextInt(HUGE.size())) + "-" + frame.substring(Math.min(2, frame.length())); // bogus attachments
            case 5 -> frame.replaceFirst("\\d+", HUGE.get(random.nextInt(HUGE.size()))); // huge number
            case 6 -> frame.replace("\"num\":0", "\"num\":" + HUGE.get(random.nextInt(HUGE.size()))); // placeholder out of range
            case 7 -> { // spliced polling record, possibly cut short
                String other = VALID.get(random.nextInt(VALID.size()));
                yield frame + "\u001e" + other.substring(0, random.nextInt(other.length() + 1));
            }
            default -> frame.substring(0, at) + (char) (0xD800 + random.nextInt(0x800)) + frame.substring(at); // lone surrogate
        };
    }

    private char protocolChar() {
        return PROTOCOL_CHARS.charAt(random.nextInt(PROTOCOL_CHARS.length()));
    }

    private String randomText(int length) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(random.nextBoolean() ? protocolChar() : (char) random.nextInt(0x3000));
        }
        return out.toString();
    }
}
