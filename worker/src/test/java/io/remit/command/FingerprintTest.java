package io.remit.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A command's fingerprint: what the API receives, whatever the JSON looked like. */
class FingerprintTest {
    private final CommandParser parser = new CommandParser();

    @Test
    void keyOrderWhitespaceEscapesUnknownFieldsAndTrailingZerosDoNotChangeIt() {
        String a = fingerprint(
                "{\"type\":\"payment.create\",\"invoiceId\":\"inv_1\",\"amount\":\"10.00\",\"currency\":\"USD\"}");
        String b = fingerprint(
                "{ \"currency\" : \"US\\u0044\",\n \"amount\":\"10.0\", \"invoiceId\":\"inv_1\", \"type\":\"payment.create\", \"note\":1}");
        assertThat(a).isEqualTo(b).startsWith("sha256:").hasSize(7 + 64);
    }

    @Test
    void everyFieldTheApiReceivesChangesIt() {
        String base = fingerprint(
                "{\"type\":\"payment.create\",\"invoiceId\":\"inv_1\",\"amount\":\"10.00\",\"currency\":\"USD\"}");
        assertThat(
                        fingerprint(
                                "{\"type\":\"payment.create\",\"invoiceId\":\"inv_1\",\"amount\":\"20.00\",\"currency\":\"USD\"}"))
                .isNotEqualTo(base);
        assertThat(
                        fingerprint(
                                "{\"type\":\"payment.create\",\"invoiceId\":\"inv_2\",\"amount\":\"10.00\",\"currency\":\"USD\"}"))
                .isNotEqualTo(base);
        assertThat(
                        fingerprint(
                                "{\"type\":\"payment.create\",\"invoiceId\":\"inv_1\",\"amount\":\"10.00\",\"currency\":\"EUR\"}"))
                .isNotEqualTo(base);
        assertThat(fingerprint("{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\"}"))
                .isNotEqualTo(fingerprint("{\"type\":\"invoice.cancel\",\"invoiceId\":\"inv_1\"}"))
                .isNotEqualTo(fingerprint("{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\",\"reason\":\"r\"}"))
                .isEqualTo(fingerprint("{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\",\"reason\":null}"));
    }

    @Test
    void itsFieldsAreCanonicalJson() {
        Command command = ((ParsedCommand.Valid) parser.parse(
                        "k".getBytes(StandardCharsets.UTF_8),
                        "{\"type\":\"payment.create\",\"invoiceId\":\"inv_1\",\"amount\":\"10.50\",\"currency\":\"USD\"}"
                                .getBytes(StandardCharsets.UTF_8)))
                .command();
        assertThat(Fingerprint.of(command).fields())
                .isEqualTo(
                        "{\"amount\":\"10.5\",\"currency\":\"USD\",\"invoiceId\":\"inv_1\",\"type\":\"payment.create\"}");
    }

    private String fingerprint(String value) {
        ParsedCommand parsed =
                parser.parse("k".getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
        return Fingerprint.of(((ParsedCommand.Valid) parsed).command()).hash();
    }
}
