package io.remit.sandbox;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Expereon's webhook signature: {@code X-Webhook-Signature} is the lowercase hex HMAC-SHA256 of the
 * raw body bytes, keyed with the webhook secret's UTF-8 bytes.
 */
public final class WebhookSignature {
    public static final String HEADER = "X-Webhook-Signature";

    private WebhookSignature() {}

    public static String sign(byte[] body, String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
