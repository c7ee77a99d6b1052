package io.remit.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.sandbox.SandboxOptions;
import io.remit.testing.Commands;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The console's JSON API on the real PostgreSQL: who may call it, the list and its filters, one requestId's history. */
class DeadLetterApiIT extends ConsoleTestSupport {

    @Test
    void keepsActuatorOpenWithoutCredentialsOnItsOwnPortOnly() throws Exception {
        assertThat(managementPort).isNotEqualTo(port);
        assertThat(actuator("/actuator/health/liveness").statusCode()).isEqualTo(200);
        assertThat(actuator("/actuator/health/readiness").statusCode()).isIn(200, 503);
        assertThat(actuator("/actuator/prometheus").statusCode()).isEqualTo(200);
        assertThat(actuator("/actuator/info").statusCode()).isEqualTo(200);
        assertThat(actuator("/actuator/env").statusCode())
                .as("exposed, but not open: the security chains apply on the management server")
                .isEqualTo(404);
        for (String path : new String[] {"/actuator/health/liveness", "/actuator/prometheus", "/actuator/info"})
            assertThat(get(path, null).statusCode())
                    .as("not served on the console's port: " + path)
                    .isEqualTo(404);
        assertThat(get("/actuator/env", null).statusCode())
                .as("refused on the console's port, as any path that is not the console's")
                .isEqualTo(403);
    }

    @Test
    void servesNoneOfTheConsoleOnActuatorsPort() throws Exception {
        String operator = basic(OPERATOR, OPERATOR_PASSWORD);
        for (String path : new String[] {"/ops", "/ops/", "/ops/login", "/ops/dead-letters", "/ops/redrives"}) {
            HttpRequest.Builder request =
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path));
            assertThat(http.send(request.build(), HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .as(path)
                    .isEqualTo(404);
            assertThat(http.send(
                                    request.header("Authorization", operator).build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .as(path + " with an operator's credentials")
                    .isEqualTo(404);
        }
        HttpResponse<String> login = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/ops/login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "username=" + OPERATOR + "&password=" + OPERATOR_PASSWORD))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).as("the login form is not there").isEqualTo(404);
        assertThat(login.headers().allValues("Set-Cookie")).isEmpty();
    }

    /** A NUL, which PostgreSQL refuses in a query's text, is a bad request, not a server error. */
    @Test
    void aNulInAFilterAPathOrAReasonIsABadRequest() throws Exception {
        String operator = basic(OPERATOR, OPERATOR_PASSWORD);
        assertThat(get("/ops/dead-letters?code=A%00B", operator).statusCode()).isEqualTo(400);
        assertThat(get("/ops/dead-letters?requestId=k%00k", operator).statusCode())
                .isEqualTo(400);
        assertThat(get("/ops/dead-letters/k%00", operator).statusCode()).isIn(400, 404);
        assertThat(post(
                                "/ops/redrives",
                                operator,
                                "{\"dryRun\":true,\"reason\":\"why\\u0000\",\"filter\":{\"codes\":[\"X\"]}}")
                        .statusCode())
                .isEqualTo(400);
        assertThat(post(
                                "/ops/redrives",
                                operator,
                                "{\"dryRun\":true,\"reason\":\"why\",\"filter\":{\"codes\":[\"X\\u0000Y\"]}}")
                        .statusCode())
                .isEqualTo(400);
    }

    @Test
    void refusesTheApiWithoutOrWithWrongCredentials() throws Exception {
        HttpResponse<String> anonymous = get("/ops/dead-letters", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        // no challenge: a browser would prompt, then send the credentials with any other site's form posted here
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).isEmpty();
        assertThat(get("/ops/dead-letters", basic(OPERATOR, "wrong")).statusCode())
                .isEqualTo(401);
        assertThat(get("/ops/redrives", null).statusCode()).isEqualTo(401);
        assertThat(post("/ops/redrives", null, "{}").statusCode()).isEqualTo(401);
        assertThat(get("/somewhere-else", null).statusCode()).isEqualTo(403);
    }

    @Test
    void sendsTheBrowserToTheLoginForm() throws Exception {
        HttpResponse<String> page = get("/ops/", null);
        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(page.headers().firstValue("Location"))
                .hasValueSatisfying(v -> assertThat(v).endsWith("/ops/login"));
        HttpResponse<String> login = get("/ops/login", null);
        assertThat(login.statusCode()).isEqualTo(200);
        assertThat(login.body()).contains("name=\"_csrf\"");
        assertThat(login.headers().firstValue("Content-Security-Policy"))
                .hasValueSatisfying(v -> assertThat(v).contains("default-src 'none'"));
    }

    @Test
    void aViewerReadsButMayNotRedriveOrCancel() throws Exception {
        String code = code("viewer");
        stored().row(id("viewer"), Commands.createInvoice("x"))
                .code(code, 404, "no")
                .store();
        String viewer = basic(VIEWER, VIEWER_PASSWORD);

        assertThat(get("/ops/dead-letters?code=" + code, viewer).statusCode()).isEqualTo(200);
        assertThat(post("/ops/redrives", viewer, "{\"filter\":{\"codes\":[\"" + code + "\"]},\"dryRun\":true}")
                        .statusCode())
                .isEqualTo(403);
        assertThat(post("/ops/redrives/" + java.util.UUID.randomUUID() + "/cancel", viewer, "")
                        .statusCode())
                .isEqualTo(403);
        assertThat(jdbc.queryForObject(
                        "select count(*) from redrive where filter::text like ?", Integer.class, "%" + code + "%"))
                .isZero();
    }

    @Test
    void showsACommandsSettlementAndItsWebhooks() throws Exception {
        String requestId = id("settled");
        jdbc.update("""
                insert into command_outcome (request_id, command_type, status, attempts, http_status, resource_id,
                    source_topic, source_partition, source_offset, updated_at, settlement, settlement_event, settled_at)
                values (?, 'payment.create', 'SUCCEEDED', 1, 201, 'pay_shown', 'console.commands', 0, 0, now(),
                    'SETTLED', 'evt_b', now())""", requestId);
        jdbc.update("""
                insert into webhook_event (event_id, event_type, resource_id, received_at, request_id, applied, body)
                values ('evt_a-' || ?, 'payment.settled', 'pay_shown', now() - interval '1 minute', ?, true, '{}'),
                       ('evt_b-' || ?, 'payment.failed', 'pay_shown', now(), ?, false, '{}')""", requestId, requestId, requestId, requestId);
        JsonNode history = asOperator("/ops/commands/" + requestId);
        assertThat(history.get("outcome").get("settlement").asString()).isEqualTo("SETTLED");
        assertThat(history.get("webhooks"))
                .extracting(
                        w -> w.get("type").asString() + "/" + w.get("applied").asBoolean())
                .containsExactly("payment.settled/true", "payment.failed/false");
        assertThat(get("/ops/commands/" + requestId, null).statusCode()).isEqualTo(401);
        assertThat(get("/ops/commands/" + id("nothing"), basic(VIEWER, VIEWER_PASSWORD))
                        .statusCode())
                .isEqualTo(404);
    }

    @Test
    void listsDeadLettersNewestFirstFilteredByCodeTypeTimeAndRequestId() throws Exception {
        String code = code("list");
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String oldest = id("list-old"), middle = id("list-mid"), newest = id("list-new");
        stored().row(oldest, Commands.createInvoice(oldest))
                .code(code, 422, "old")
                .at(now.minusSeconds(3600))
                .store();
        stored().row(middle, Commands.pay("inv_1", "1.00", "USD"))
                .type("payment.create")
                .code(code, 422, "mid")
                .at(now.minusSeconds(60))
                .store();
        stored().row(newest, Commands.createInvoice(newest))
                .code(code, 422, "new")
                .at(now)
                .store();
        stored().row(id("other"), Commands.createInvoice("o"))
                .code(code("other"), 422, "another code")
                .at(now)
                .store();

        JsonNode all = asOperator("/ops/dead-letters?code=" + code);
        assertThat(all.get("total").asLong()).isEqualTo(3);
        assertThat(requestIds(all)).containsExactly(newest, middle, oldest);
        JsonNode first = all.get("items").get(0);
        assertThat(first.get("code").asString()).isEqualTo(code);
        assertThat(first.get("httpStatus").asInt()).isEqualTo(422);
        assertThat(first.get("message").asString()).isEqualTo("new");
        assertThat(first.get("type").asString()).isEqualTo("invoice.create");
        assertThat(Instant.parse(first.get("deadLetteredAt").asString())).isEqualTo(now);

        assertThat(requestIds(asOperator("/ops/dead-letters?code=" + code + "&type=payment.create")))
                .containsExactly(middle);
        assertThat(requestIds(
                        asOperator("/ops/dead-letters?code=" + code + "&from=" + now.minusSeconds(120) + "&to=" + now)))
                .containsExactly(middle);
        assertThat(requestIds(asOperator("/ops/dead-letters?requestId=" + oldest + "&requestId=" + newest)))
                .containsExactly(newest, oldest);
        JsonNode secondPage = asOperator("/ops/dead-letters?code=" + code + "&size=2&page=1");
        assertThat(secondPage.get("total").asLong()).isEqualTo(3);
        assertThat(requestIds(secondPage)).containsExactly(oldest);
    }

    @Test
    void answersBadQueriesWith400() throws Exception {
        String operator = basic(OPERATOR, OPERATOR_PASSWORD);
        assertThat(get("/ops/dead-letters?from=yesterday", operator).statusCode())
                .isEqualTo(400);
        assertThat(get("/ops/dead-letters?size=100000", operator).statusCode()).isEqualTo(400);
        assertThat(get("/ops/dead-letters/no-such-request-id", operator).statusCode())
                .isEqualTo(404);
    }

    @Test
    void showsOneRequestIdsDeadLettersDecodedWithHeadersAttemptsAndOutcome() throws Exception {
        String requestId = id("detail");
        String value = Commands.createInvoice(requestId);
        stored().row(requestId, value)
                .code("RETRIES_EXHAUSTED", 503, "retries exhausted: SERVICE_UNAVAILABLE")
                .attempts(3)
                .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                .header("remit.attempt", "3")
                .header("remit.original.topic", COMMANDS)
                .decided("SERVICE_UNAVAILABLE", 503, 503, 503)
                .store();

        JsonNode history = asOperator("/ops/dead-letters/" + requestId);

        assertThat(history.get("requestId").asString()).isEqualTo(requestId);
        assertThat(history.get("outcome").get("status").asString()).isEqualTo("DEAD_LETTERED");
        assertThat(history.get("attempts")).hasSize(3);
        assertThat(history.get("attempts").get(2).get("httpStatus").asInt()).isEqualTo(503);
        JsonNode deadLetter = history.get("deadLetters").get(0);
        assertThat(deadLetter.get("row").get("code").asString()).isEqualTo("RETRIES_EXHAUSTED");
        assertThat(deadLetter.get("key").get("text").asString()).isEqualTo(requestId);
        assertThat(deadLetter.get("value").get("text").asString()).isEqualTo(value);
        assertThat(deadLetter.get("command").get("connectionId").asString()).isEqualTo("conn_demo");
        assertThat(deadLetter.get("headers").findValuesAsString("key"))
                .containsExactly("traceparent", "remit.attempt", "remit.original.topic");
        assertThat(deadLetter.get("headers").get(0).get("value").get("text").asString())
                .startsWith("00-4bf92f35");
    }

    @Test
    void showsABinaryValueAsBase64AndNoCommand() throws Exception {
        String requestId = id("binary");
        byte[] bytes = {(byte) 0xff, (byte) 0xfe, 0, 1, 2};
        stored().row(requestId, null)
                .rawValue(bytes)
                .code("COMMAND_UNREADABLE", null, "value is not UTF-8")
                .attempts(0)
                .store();

        JsonNode deadLetter =
                asOperator("/ops/dead-letters/" + requestId).get("deadLetters").get(0);

        assertThat(deadLetter.get("value").get("encoding").asString()).isEqualTo("base64");
        assertThat(java.util.Base64.getDecoder()
                        .decode(deadLetter.get("value").get("text").asString()))
                .isEqualTo(bytes);
        assertThat(deadLetter.get("command").isNull()).isTrue();
    }

    @Test
    void neverAnswersWithASecret() throws Exception {
        String requestId = id("secret");
        stored().row(requestId, Commands.createInvoice(requestId))
                .decided("CONNECTION_NOT_FOUND", 404)
                .store();
        String operator = basic(OPERATOR, OPERATOR_PASSWORD);
        String id = redrive("{\"filter\":{\"requestIds\":[\"" + requestId + "\"]},\"dryRun\":true}")
                .get("id")
                .asString();

        for (String path : List.of(
                "/ops/dead-letters?requestId=" + requestId,
                "/ops/dead-letters/" + requestId,
                "/ops/redrives/" + id,
                "/ops/redrives",
                "/ops/login")) {
            String body = get(path, operator).body();
            assertThat(body)
                    .as(path)
                    .doesNotContain(
                            SandboxOptions.DEFAULT_SECRET,
                            OPERATOR_PASSWORD,
                            VIEWER_PASSWORD,
                            OPERATOR_HASH.substring(8),
                            VIEWER_HASH.substring(8),
                            "$2a$");
        }
    }

    @Test
    void refusesAPageFormPostedWithoutItsCsrfToken() throws Exception {
        var cookies = new java.net.CookieManager();
        var browser =
                java.net.http.HttpClient.newBuilder().cookieHandler(cookies).build();
        String loginPage = browser.send(
                        HttpRequest.newBuilder(URI.create(url("/ops/login"))).build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        String token = loginPage.replaceAll("(?s).*name=\"_csrf\" value=\"([^\"]+)\".*", "$1");
        HttpResponse<String> login = browser.send(
                form("/ops/login", "username=" + OPERATOR + "&password=" + OPERATOR_PASSWORD + "&_csrf=" + token),
                HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).isEqualTo(302);
        assertThat(browser.send(
                                HttpRequest.newBuilder(URI.create(url("/ops/"))).build(),
                                HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(200);
        String requestId = id("csrf");
        stored().row(requestId, Commands.createInvoice(requestId)).store();

        HttpResponse<String> forged = browser.send(
                form("/ops/ui/redrives", "requestIds=" + requestId + "&reason=forged&dryRun=false"),
                HttpResponse.BodyHandlers.ofString());

        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(jdbc.queryForObject(
                        "select count(*) from redrive where filter::text like ?", Integer.class, "%" + requestId + "%"))
                .isZero();
        // and the session cookie alone does not open the API: it wants HTTP Basic on every request
        assertThat(browser.send(
                                HttpRequest.newBuilder(URI.create(url("/ops/dead-letters")))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(401);
    }

    private HttpRequest form(String path, String body) {
        return HttpRequest.newBuilder(URI.create(url(path)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
    }

    private static List<String> requestIds(JsonNode page) {
        return page.get("items").findValuesAsString("requestId");
    }
}
