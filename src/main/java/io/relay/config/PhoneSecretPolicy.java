package io.relay.config;

import java.util.Arrays;
import java.util.Locale;

/**
 * When a phone must present the device secret it was handed on its deviceId's first register.
 *
 * <p>The original phone app never keeps that secret: a relay that always demanded it would lock the
 * real phone out on its first reconnect. So by default a secret binds a device only once the phone has
 * presented it; until then the device is a <em>legacy</em> device, admitted without it. Fleets whose
 * phones all send their secret switch to {@link #REQUIRED}.
 */
public enum PhoneSecretPolicy {
    /** A device that has presented its secret once needs it from then on; one that never has is admitted as a legacy device. */
    BIND_ON_FIRST_USE("bind-on-first-use"),
    /** Every register of a deviceId that has a secret must present it. */
    REQUIRED("required");

    private final String setting;

    PhoneSecretPolicy(String setting) {
        this.setting = setting;
    }

    /** The value as written in {@code PHONE_SECRET_POLICY} and {@code security.phoneSecretPolicy}. */
    public String setting() {
        return setting;
    }

    /** The policy a setting names; {@link IllegalArgumentException} naming the valid values otherwise. */
    public static PhoneSecretPolicy fromSetting(String value) {
        String wanted = value.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(p -> p.setting.equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("must be bind-on-first-use or required, got '" + value + "'"));
    }
}
