package io.remit.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Reading a webhook strictly, its signature, and the precedence of settlements. */
class WebhookEventTest {
    private static final WebhookProperties.Fields FIELDS =
            new WebhookProperties.Fields("/id", "/type", "/createdAt", "/data/id", "/data/requestId");

    @Test
    void readsTheConfiguredFields() throws Exception {
        WebhookEvent event = parse("""
                {"id":"evt_1","type":"payment.settled","createdAt":"2026-12-01T22:40:00.123Z",
                 "data":{"id":"pay_1","status":"SETTLED","requestId":"erp-9"}}""");
        assertThat(event.id()).isEqualTo("evt_1");
        assertThat(event.type()).isEqualTo("payment.settled");
        assertThat(event.occurredAt()).isEqualTo(Instant.parse("2026-12-01T22:40:00.123Z"));
        assertThat(event.resourceId()).isEqualTo("pay_1");
        assertThat(event.requestId()).isEqualTo("erp-9");
        WebhookEvent other = WebhookEvent.parse(
                "{\"eventId\":\"e\",\"kind\":\"k\",\"object\":{\"ref\":\"r\"}}".getBytes(StandardCharsets.UTF_8),
                new WebhookProperties.Fields("/eventId", "/kind", "", "/object/ref", ""));
        assertThat(other.resourceId()).isEqualTo("r");
        assertThat(other.occurredAt()).isNull();
    }

    @Test
    void refusesWhatIsNotOneStrictObjectWithAnIdAndAType() {
        for (String body : new String[] {
            "[]",
            "{\"id\":\"a\",\"id\":\"b\",\"type\":\"t\"}",
            "{\"id\":\"a\",\"type\":\"t\"} {}",
            "{\"type\":\"t\"}",
            "{\"id\":1,\"type\":\"t\"}",
            "{\"id\":\"a\",\"type\":\"t\",\"createdAt\":\"yesterday\"}",
            "nul",
            "{\"id\":\"" + "x".repeat(257) + "\",\"type\":\"t\"}"
        }) {
            assertThatThrownBy(() -> parse(body)).as(body).isInstanceOf(WebhookEvent.Malformed.class);
        }
    }

    @Test
    void keepsHostileCharactersEscaped() throws Exception {
        WebhookEvent event =
                parse("{\"id\":\"evt_\\u0000\\n\\u202e\",\"type\":\"t\\r\",\"data\":{\"id\":\"pay_\\u0000\"}}");
        assertThat(event.id()).isEqualTo("evt_\\u0000\\u000a\\u202e");
        assertThat(event.type()).isEqualTo("t\\u000d");
        assertThat(event.resourceId()).isEqualTo("pay_\\u0000");
    }

    @Test
    void verifiesTheHmacUnderEitherSecretOnly() {
        byte[] body = "{\"id\":\"evt_1\"}".getBytes(StandardCharsets.UTF_8);
        WebhookSignature signature = new WebhookSignature("new", "old");
        assertThat(signature.verifies(body, WebhookSignature.sign("new", body))).isTrue();
        assertThat(signature.verifies(
                        body, "sha256=" + WebhookSignature.sign("old", body).toUpperCase()))
                .isTrue();
        assertThat(signature.verifies(body, WebhookSignature.sign("other", body)))
                .isFalse();
        assertThat(signature.verifies(body, null)).isFalse();
        assertThat(signature.verifies(body, "zz")).isFalse();
        assertThat(signature.verifies("x".getBytes(), WebhookSignature.sign("new", body)))
                .isFalse();
    }

    @Test
    void aSettlementOnlyMovesUp() {
        assertThat(Settlement.APPROVED.supersedes(null)).isTrue();
        assertThat(Settlement.SETTLED.supersedes("APPROVED")).isTrue();
        assertThat(Settlement.APPROVED.supersedes("SETTLED")).isFalse();
        assertThat(Settlement.FAILED.supersedes("SETTLED")).isFalse();
        assertThat(Settlement.SETTLED.supersedes("FAILED")).isFalse();
        assertThat(Settlement.SETTLED.supersedes("SETTLED")).isFalse();
        assertThat(Settlement.ofType("payment.refunded")).isEmpty();
    }

    private static WebhookEvent parse(String body) throws WebhookEvent.Malformed {
        return WebhookEvent.parse(body.getBytes(StandardCharsets.UTF_8), FIELDS);
    }
}
