package io.remit.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * {@code X-Webhook-Signature}: the lowercase hex HMAC-SHA256 of the raw body (a {@code sha256=} prefix and upper-case
 * hex are also accepted). Checked against the current secret and, during a rotation, the former one, each in constant
 * time.
 */
public final class WebhookSignature {
    public static final String HEADER = "X-Webhook-Signature";
    private static final String ALGORITHM = "HmacSHA256";
    private static final int HEX_LENGTH = 64;

    private final List<SecretKeySpec> keys = new ArrayList<>();

    public WebhookSignature(String secret, @Nullable String previousSecret) {
        keys.add(key(secret));
        if (previousSecret != null && !previousSecret.isBlank()) keys.add(key(previousSecret));
    }

    /** Whether {@code signature} is the HMAC of {@code body} under one of the secrets. */
    public boolean verifies(byte[] body, @Nullable String signature) {
        byte[] claimed = decode(signature);
        if (claimed == null) return false;
        boolean any = false;
        for (SecretKeySpec key : keys) any |= MessageDigest.isEqual(mac(key, body), claimed); // no early exit
        return any;
    }

    /** The signature of {@code body} under {@code secret}, as Expereon sends it. */
    public static String sign(String secret, byte[] body) {
        return HexFormat.of().formatHex(mac(key(secret), body));
    }

    private static byte @Nullable [] decode(@Nullable String signature) {
        if (signature == null) return null;
        String hex = signature.strip();
        if (hex.regionMatches(true, 0, "sha256=", 0, 7)) hex = hex.substring(7);
        if (hex.length() != HEX_LENGTH) return null;
        try {
            return HexFormat.of().parseHex(hex.toLowerCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static SecretKeySpec key(String secret) {
        return new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    }

    private static byte[] mac(SecretKeySpec key, byte[] body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available: " + e.getMessage(), e);
        }
    }
}
