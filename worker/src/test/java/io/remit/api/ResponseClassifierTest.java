package io.remit.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

/** The API's error guide as a table: every answer, or lack of one, becomes exactly one {@link Outcome}. */
class ResponseClassifierTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final String NOT_JSON = "<html><body>Bad Gateway</body></html>";

    static Stream<Arguments> answers() {
        return Stream.of(
                argumentSet(
                        "201 created",
                        201,
                        null,
                        "{\"id\":\"inv_1\",\"status\":\"submitted\"}",
                        new Outcome.Succeeded(201, "inv_1", "{\"id\":\"inv_1\",\"status\":\"submitted\"}")),
                argumentSet(
                        "200 already applied",
                        200,
                        null,
                        "{\"id\":\"pay_1\"}",
                        new Outcome.Succeeded(200, "pay_1", "{\"id\":\"pay_1\"}")),
                argumentSet("200 without a body", 200, null, "", new Outcome.Succeeded(200, null)),
                argumentSet("201 with a body that is not JSON", 201, null, NOT_JSON, new Outcome.Succeeded(201, null)),
                argumentSet(
                        "201 with JSON and then more: not kept (it is embedded as it is in the outcome event)",
                        201,
                        null,
                        "{\"id\":\"inv_1\"} {\"x\":1}",
                        new Outcome.Succeeded(201, null)),
                argumentSet(
                        "201 whose body is only whitespace: nothing kept (it would embed as no value at all)",
                        201,
                        null,
                        " \r\n\t",
                        new Outcome.Succeeded(201, null)),
                argumentSet(
                        "201 with a byte-order mark and whitespace around its JSON: kept as the JSON alone",
                        201,
                        null,
                        "\uFEFF \n{\"id\":\"inv_1\"}\r\n",
                        new Outcome.Succeeded(201, "inv_1", "{\"id\":\"inv_1\"}")),
                argumentSet(
                        "201 whose id is not text",
                        201,
                        null,
                        "{\"id\":7}",
                        new Outcome.Succeeded(201, null, "{\"id\":7}")),
                argumentSet(
                        "400",
                        400,
                        null,
                        error("INVALID_REQUEST", "amount must be positive"),
                        new Outcome.Rejected(400, "INVALID_REQUEST", "amount must be positive")),
                argumentSet(
                        "404",
                        404,
                        null,
                        error("INVOICE_NOT_FOUND", "no such invoice"),
                        new Outcome.Rejected(404, "INVOICE_NOT_FOUND", "no such invoice")),
                argumentSet(
                        "409",
                        409,
                        null,
                        error("INSUFFICIENT_BALANCE", "not enough funds"),
                        new Outcome.Rejected(409, "INSUFFICIENT_BALANCE", "not enough funds")),
                argumentSet(
                        "422",
                        422,
                        null,
                        error("INVOICE_INVALID_AMOUNT", "amount must be positive"),
                        new Outcome.Rejected(422, "INVOICE_INVALID_AMOUNT", "amount must be positive")),
                argumentSet(
                        "422 whose body is not JSON", 422, null, NOT_JSON, new Outcome.Rejected(422, "HTTP_422", null)),
                argumentSet(
                        "404 with a blank error",
                        404,
                        null,
                        error("", "gone"),
                        new Outcome.Rejected(404, "HTTP_404", "gone")),
                argumentSet(
                        "400 with an error that is not a string",
                        400,
                        null,
                        "{\"error\":42}",
                        new Outcome.Rejected(400, "HTTP_400", null)),
                argumentSet(
                        "429 reset as epoch seconds",
                        429,
                        Long.toString(NOW.getEpochSecond() + 5),
                        error("RATE_LIMIT_EXCEEDED", "slow down"),
                        new Outcome.Transient(429, "RATE_LIMIT_EXCEEDED", "slow down", NOW.plusSeconds(5))),
                argumentSet(
                        "429 reset as epoch milliseconds",
                        429,
                        Long.toString(NOW.plusSeconds(5).toEpochMilli()),
                        error("RATE_LIMIT_EXCEEDED", "slow down"),
                        new Outcome.Transient(429, "RATE_LIMIT_EXCEEDED", "slow down", NOW.plusSeconds(5))),
                argumentSet(
                        "429 reset as seconds to wait",
                        429,
                        "5",
                        error("RATE_LIMIT_EXCEEDED", "slow down"),
                        new Outcome.Transient(429, "RATE_LIMIT_EXCEEDED", "slow down", NOW.plusSeconds(5))),
                argumentSet(
                        "429 reset with spaces",
                        429,
                        " 5 ",
                        error("RATE_LIMIT_EXCEEDED", null),
                        new Outcome.Transient(429, "RATE_LIMIT_EXCEEDED", null, NOW.plusSeconds(5))),
                argumentSet(
                        "429 reset of zero",
                        429,
                        "0",
                        error("RATE_LIMIT_EXCEEDED", null),
                        new Outcome.Transient(429, "RATE_LIMIT_EXCEEDED", null, NOW)),
                argumentSet(
                        "429 without a reset: no sooner than now, never on the ladder",
                        429,
                        null,
                        error("RATE_LIMIT_EXCEEDED", null),
                        new Outcome.Transient(429, "RATE_LIMIT_EXCEEDED", null, NOW)),
                argumentSet(
                        "429 with a garbage reset: no sooner than now, never on the ladder",
                        429,
                        "soon",
                        error("RATE_LIMIT_EXCEEDED", null),
                        new Outcome.Transient(429, "RATE_LIMIT_EXCEEDED", null, NOW)),
                argumentSet(
                        "429 with a negative reset: no sooner than now, never on the ladder",
                        429,
                        "-5",
                        error("RATE_LIMIT_EXCEEDED", null),
                        new Outcome.Transient(429, "RATE_LIMIT_EXCEEDED", null, NOW)),
                argumentSet(
                        "429 with an HTTP-date reset: no sooner than now, never on the ladder",
                        429,
                        "Sun, 01 Mar 2026 12:00:05 GMT",
                        error("RATE_LIMIT_EXCEEDED", null),
                        new Outcome.Transient(429, "RATE_LIMIT_EXCEEDED", null, NOW)),
                argumentSet(
                        "429 without a body",
                        429,
                        "5",
                        "",
                        new Outcome.Transient(429, "HTTP_429", null, NOW.plusSeconds(5))),
                argumentSet(
                        "500",
                        500,
                        null,
                        error("INTERNAL_ERROR", "oops"),
                        new Outcome.Transient(500, "INTERNAL_ERROR", "oops", null)),
                argumentSet(
                        "502 from a proxy", 502, null, NOT_JSON, new Outcome.Transient(502, "HTTP_502", null, null)),
                argumentSet(
                        "503",
                        503,
                        "5",
                        error("SERVICE_UNAVAILABLE", null),
                        new Outcome.Transient(503, "SERVICE_UNAVAILABLE", null, null)),
                argumentSet("504 without a body", 504, null, null, new Outcome.Transient(504, "HTTP_504", null, null)),
                argumentSet(
                        "401",
                        401,
                        null,
                        error("INVALID_API_KEY", "unknown key"),
                        new Outcome.Halt(401, "INVALID_API_KEY", "unknown key")),
                argumentSet(
                        "403",
                        403,
                        null,
                        error("ENVIRONMENT_MISMATCH", "production key on sandbox"),
                        new Outcome.Halt(403, "ENVIRONMENT_MISMATCH", "production key on sandbox")),
                argumentSet("403 whose body is not JSON", 403, null, NOT_JSON, new Outcome.Halt(403, "HTTP_403", null)),
                argumentSet(
                        "301: redirected, so remit is pointed at the wrong address",
                        301,
                        null,
                        NOT_JSON,
                        new Outcome.Halt(301, "HTTP_301", null)),
                argumentSet("100 as a final answer", 100, null, "", new Outcome.Halt(100, "HTTP_100", null)));
    }

    @ParameterizedTest
    @MethodSource("answers")
    void classifiesEveryAnswerOfTheApi(int status, String reset, String body, Outcome expected) {
        assertThat(classifier(Map.of()).classify(status, reset, bytes(body))).isEqualTo(expected);
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                argumentSet(
                        "a request timeout",
                        new java.net.SocketTimeoutException("Read timed out"),
                        new Outcome.Transient(0, "TIMEOUT", "no answer within the timeout", null)),
                argumentSet(
                        "a connect timeout: never sent",
                        new org.apache.hc.client5.http.ConnectTimeoutException("Connect to 127.0.0.1:9 timed out"),
                        new Outcome.Transient(
                                0,
                                "CONNECT_FAILED",
                                "ConnectTimeoutException: Connect to 127.0.0.1:9 timed out",
                                null)),
                argumentSet(
                        "a refused connection: never sent",
                        new ConnectException("Connection refused"),
                        new Outcome.Transient(0, "CONNECT_FAILED", "ConnectException: Connection refused", null)),
                argumentSet(
                        "an unknown host: never sent",
                        new java.net.UnknownHostException("api.example"),
                        new Outcome.Transient(0, "CONNECT_FAILED", "UnknownHostException: api.example", null)),
                argumentSet(
                        "a reset connection",
                        new IOException("Connection reset"),
                        new Outcome.Transient(0, "CONNECTION_ERROR", "IOException: Connection reset", null)));
    }

    @ParameterizedTest
    @MethodSource("failures")
    void retriesWhenNoAnswerCame(IOException failure, Outcome expected) {
        assertThat(classifier(Map.of()).classify(failure)).isEqualTo(expected);
    }

    static Stream<Arguments> overrides() {
        return Stream.of(
                argumentSet(
                        "RETRY turns a rejection into a retry",
                        Map.of("INSUFFICIENT_BALANCE", CodeAction.RETRY),
                        409,
                        error("INSUFFICIENT_BALANCE", "not enough funds"),
                        new Outcome.Transient(409, "INSUFFICIENT_BALANCE", "not enough funds", null)),
                argumentSet(
                        "DEAD_LETTER turns a retry into a rejection",
                        Map.of("PAYMENT_FAILED", CodeAction.DEAD_LETTER),
                        500,
                        error("PAYMENT_FAILED", "processor declined"),
                        new Outcome.Rejected(500, "PAYMENT_FAILED", "processor declined")),
                argumentSet(
                        "DEAD_LETTER on a rate limit",
                        Map.of("RATE_LIMIT_EXCEEDED", CodeAction.DEAD_LETTER),
                        429,
                        error("RATE_LIMIT_EXCEEDED", null),
                        new Outcome.Rejected(429, "RATE_LIMIT_EXCEEDED", null)),
                argumentSet(
                        "RETRY on a code that is already retried",
                        Map.of("INTERNAL_ERROR", CodeAction.RETRY),
                        500,
                        error("INTERNAL_ERROR", null),
                        new Outcome.Transient(500, "INTERNAL_ERROR", null, null)),
                argumentSet(
                        "DEAD_LETTER on a code that is already rejected",
                        Map.of("INVOICE_INVALID_STATUS", CodeAction.DEAD_LETTER),
                        409,
                        error("INVOICE_INVALID_STATUS", null),
                        new Outcome.Rejected(409, "INVOICE_INVALID_STATUS", null)),
                argumentSet(
                        "an override of another code",
                        Map.of("INSUFFICIENT_BALANCE", CodeAction.RETRY),
                        400,
                        error("INVALID_REQUEST", null),
                        new Outcome.Rejected(400, "INVALID_REQUEST", null)),
                argumentSet(
                        "an override of a synthetic HTTP_ code",
                        Map.of("HTTP_502", CodeAction.DEAD_LETTER),
                        502,
                        NOT_JSON,
                        new Outcome.Rejected(502, "HTTP_502", null)),
                argumentSet(
                        "RETRY never touches a 401",
                        Map.of("INVALID_API_KEY", CodeAction.RETRY),
                        401,
                        error("INVALID_API_KEY", null),
                        new Outcome.Halt(401, "INVALID_API_KEY", null)),
                argumentSet(
                        "DEAD_LETTER never touches a 403",
                        Map.of("ENVIRONMENT_MISMATCH", CodeAction.DEAD_LETTER),
                        403,
                        error("ENVIRONMENT_MISMATCH", null),
                        new Outcome.Halt(403, "ENVIRONMENT_MISMATCH", null)),
                argumentSet(
                        "overrides never touch a success",
                        Map.of("HTTP_201", CodeAction.DEAD_LETTER),
                        201,
                        "{\"id\":\"inv_1\"}",
                        new Outcome.Succeeded(201, "inv_1", "{\"id\":\"inv_1\"}")));
    }

    @ParameterizedTest
    @MethodSource("overrides")
    void appliesPerCodeOverridesButNeverToAHalt(
            Map<String, CodeAction> codes, int status, String body, Outcome expected) {
        assertThat(classifier(codes).classify(status, null, bytes(body))).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 429, 503})
    void truncatesTheApisMessageAfter500Characters(int status) {
        String message = "m".repeat(499) + "XYZ";

        Outcome outcome = classifier(Map.of()).classify(status, null, bytes(error("SOME_CODE", message)));

        assertThat(message(outcome)).isEqualTo("m".repeat(499) + "X…");
    }

    @Test
    void keepsAMessageOfExactly500Characters() {
        String message = "m".repeat(500);

        assertThat(message(classifier(Map.of()).classify(409, null, bytes(error("INVOICE_INVALID_STATUS", message)))))
                .isEqualTo(message);
    }

    @Test
    void truncatesAConnectionFailuresMessageToo() {
        Outcome outcome = classifier(Map.of()).classify(new ConnectException("x".repeat(2000)));

        assertThat(message(outcome))
                .hasSize(501)
                .startsWith("ConnectException: xxx")
                .endsWith("x…");
    }

    private static String message(Outcome outcome) {
        return switch (outcome) {
            case Outcome.Rejected r -> r.message();
            case Outcome.Transient t -> t.message();
            case Outcome.Halt h -> h.message();
            case Outcome.Succeeded s -> throw new AssertionError("a success has no message: " + s);
        };
    }

    private static ResponseClassifier classifier(Map<String, CodeAction> codes) {
        return new ResponseClassifier(JsonMapper.builder().build(), Clock.fixed(NOW, ZoneOffset.UTC), codes);
    }

    private static String error(String code, String message) {
        String json = "{\"error\":\"" + code + "\"";
        return (message == null ? json : json + ",\"message\":\"" + message + "\"") + "}";
    }

    private static byte[] bytes(String body) {
        return body == null ? null : body.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anErrorCodeThatIsNotACodeIsUnrecognisedAndKeptBoundedInTheMessage() {
        String body = "{\"error\":\"" + "x".repeat(300) + "\",\"message\":\"m\"}";
        Outcome outcome = classifier(Map.of()).classify(422, null, body.getBytes(StandardCharsets.UTF_8));
        Outcome.Rejected rejected = (Outcome.Rejected) outcome;
        assertThat(rejected.code()).isEqualTo(ResponseClassifier.UNRECOGNISED);
        assertThat(rejected.message()).startsWith("error code \"" + "x".repeat(100) + "…\": m");
    }

    @Test
    void controlCharactersInCodesMessagesAndIdsNeverPassThrough() {
        Outcome refused = classifier(Map.of())
                .classify(
                        409,
                        null,
                        "{\"error\":\"A\\u0000B\",\"message\":\"one\\nforged: line\\u0000\\u001b[31m\"}"
                                .getBytes(StandardCharsets.UTF_8));
        assertThat(refused)
                .isEqualTo(
                        new Outcome.Rejected(409, "UNRECOGNISED_ERROR", "error code \"A B\": one forged: line  [31m"));
        Outcome.Succeeded created = (Outcome.Succeeded)
                classifier(Map.of()).classify(201, null, "{\"id\":\"inv_\\u0000x\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(created.resourceId()).isEqualTo("inv_ x");
        Outcome.Succeeded tooLong = (Outcome.Succeeded) classifier(Map.of())
                .classify(201, null, ("{\"id\":\"" + "i".repeat(257) + "\"}").getBytes(StandardCharsets.UTF_8));
        assertThat(tooLong.resourceId()).isNull();
    }

    @Test
    void anAnswerTooLargeToReadIsJudgedByItsStatus() {
        assertThat(classifier(Map.of()).tooLarge(201, 1024)).isEqualTo(new Outcome.Succeeded(201, null, null));
        assertThat(classifier(Map.of()).tooLarge(503, 1024)).isInstanceOf(Outcome.Transient.class);
        assertThat(((Outcome.Rejected) classifier(Map.of()).tooLarge(422, 1024)).code())
                .isEqualTo("HTTP_422");
    }
}
