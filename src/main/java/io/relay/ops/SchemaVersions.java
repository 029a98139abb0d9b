package io.relay.ops;

/** Compares Flyway versions ({@code 1}, {@code 2}, {@code 2.1}, {@code 2_1}) part by part, numerically. */
final class SchemaVersions {
    private SchemaVersions() {
    }

    static int compare(String a, String b) {
        String[] left = a.split("[._]");
        String[] right = b.split("[._]");
        for (int i = 0; i < Math.max(left.length, right.length); i++) {
            long l = i < left.length ? Long.parseLong(left[i]) : 0;
            long r = i < right.length ? Long.parseLong(right[i]) : 0;
            if (l != r) {
                return Long.compare(l, r);
            }
        }
        return 0;
    }
}
