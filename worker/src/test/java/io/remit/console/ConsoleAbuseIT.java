package io.remit.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * The console read as an attacker would (issue 22): password guessing is throttled before any password is checked; a
 * cross-site request cannot use an operator's credentials; no answer invites a browser to hold credentials; a viewer
 * is refused on every path that changes something (enumerated from the application's own mappings, so a new endpoint
 * is covered); lists and histories are bounded however a producer filled them.
 */
class ConsoleAbuseIT extends ConsoleTestSupport {

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    @Test
    void passwordGuessingIsThrottledBeforeAnyPasswordIsChecked() throws Exception {
        String user = "mallory-" + UUID.randomUUID().toString().substring(0, 6);
        List<Integer> statuses = new ArrayList<>();
        HttpResponse<String> last = null;
        for (int n = 0; n < 12; n++) {
            last = get("/ops/dead-letters", basic(user, "guess-" + n));
            statuses.add(last.statusCode());
            if (n == 0)
                assertThat(last.headers().firstValue("WWW-Authenticate")).isEmpty();
        }
        assertThat(statuses.subList(0, 10)).containsOnly(401);
        assertThat(statuses.subList(10, 12)).containsOnly(429);
        assertThat(last.headers().firstValue("Retry-After"))
                .hasValueSatisfying(s -> assertThat(Long.parseLong(s)).isPositive());
        // even the right password of a real user is not checked for a throttled name; other names are unaffected
        assertThat(get("/ops/dead-letters", basic(OPERATOR, OPERATOR_PASSWORD)).statusCode())
                .isEqualTo(200);
        String metrics = actuator("/actuator/prometheus").body();
        assertThat(metrics.lines().filter(l -> l.startsWith("remit_console_logins_throttled_total{")))
                .anySatisfy(l -> assertThat(l).contains("by=\"user\""));
        assertThat(metrics).contains("remit_console_login_failures_total");
    }

    @Test
    void aCrossSiteRequestCannotUseAnOperatorsCredentials() throws Exception {
        String operator = basic(OPERATOR, OPERATOR_PASSWORD);
        JsonBody dryRun = new JsonBody("{\"filter\":{\"codes\":[\"" + code("CSRF") + "\"]},\"dryRun\":true}");
        int before = asOperator("/ops/redrives?limit=500").size();
        // a form on another site, posted by a browser that holds the operator's credentials
        for (String[] headers : List.of(
                new String[] {"Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site"},
                new String[] {"Origin", "http://evil.example"},
                new String[] {"Sec-Fetch-Site", "same-site"},
                new String[] {"Origin", "null"})) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url("/ops/redrives")))
                    .timeout(Duration.ofSeconds(20))
                    .header("Authorization", operator)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(dryRun.text()));
            for (int i = 0; i < headers.length; i += 2) request.header(headers[i], headers[i + 1]);
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(String.join(" ", headers)).isEqualTo(403);
        }
        HttpResponse<String> cancel = http.send(
                HttpRequest.newBuilder(URI.create(url("/ops/redrives/" + UUID.randomUUID() + "/cancel")))
                        .header("Authorization", operator)
                        .header("Origin", "http://evil.example")
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(cancel.statusCode()).isEqualTo(403);
        assertThat(asOperator("/ops/redrives?limit=500").size())
                .as("no redrive was planned")
                .isEqualTo(before);
        // the same request from the console's own origin, and from a client that is not a browser, is served
        HttpResponse<String> sameOrigin = http.send(
                HttpRequest.newBuilder(URI.create(url("/ops/redrives")))
                        .header("Authorization", operator)
                        .header("Content-Type", "application/json")
                        .header("Origin", "http://127.0.0.1:" + port)
                        .header("Sec-Fetch-Site", "same-origin")
                        .POST(HttpRequest.BodyPublishers.ofString(dryRun.text()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(sameOrigin.statusCode()).isEqualTo(201);
        assertThat(post("/ops/redrives", operator, dryRun.text()).statusCode()).isEqualTo(201);
    }

    @Test
    void aViewerIsRefusedOnEveryPathThatChangesSomething() throws Exception {
        String viewer = basic(VIEWER, VIEWER_PASSWORD);
        List<String> tried = new ArrayList<>();
        mappings.getHandlerMethods().forEach((info, method) -> {
            for (RequestMethod verb : info.getMethodsCondition().getMethods()) {
                if (verb == RequestMethod.GET || verb == RequestMethod.HEAD || verb == RequestMethod.OPTIONS) continue;
                for (String pattern : info.getPatternValues()) {
                    if (!pattern.startsWith("/ops")) continue;
                    String path =
                            pattern.replaceAll("\\{[^}]+}", UUID.randomUUID().toString());
                    if (path.equals("/ops/login") || path.equals("/ops/logout")) continue;
                    tried.add(verb + " " + path);
                    try {
                        HttpResponse<String> response = http.send(
                                HttpRequest.newBuilder(URI.create(url(path)))
                                        .header("Authorization", viewer)
                                        .header("Content-Type", "application/json")
                                        .method(verb.name(), HttpRequest.BodyPublishers.ofString("{}"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        assertThat(response.statusCode())
                                .as(verb + " " + path + " as a viewer")
                                .isIn(401, 403);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
            }
        });
        assertThat(tried).as("the mutating paths found").contains("POST /ops/redrives");
    }

    /**
     * No answer of the application, to an operator on every page and API path it maps (path variables filled) nor to
     * anyone on Actuator, carries a secret: the API secret, a console password or its hash.
     */
    @Test
    void noAnswerCarriesASecret() throws Exception {
        String operator = basic(OPERATOR, OPERATOR_PASSWORD);
        List<String> secrets = List.of(
                io.remit.sandbox.SandboxOptions.DEFAULT_SECRET,
                OPERATOR_PASSWORD,
                VIEWER_PASSWORD,
                OPERATOR_HASH.substring("{bcrypt}".length()),
                VIEWER_HASH.substring("{bcrypt}".length()));
        List<String> read = new ArrayList<>();
        for (var entry : mappings.getHandlerMethods().entrySet()) {
            if (!entry.getKey().getMethodsCondition().getMethods().contains(RequestMethod.GET)) continue;
            for (String pattern : entry.getKey().getPatternValues()) {
                if (!pattern.startsWith("/ops")) continue;
                String path = pattern.replaceAll("\\{[^}]+}", UUID.randomUUID().toString()) + "?requestId="
                        + UUID.randomUUID();
                HttpResponse<String> answer = get(path, operator);
                read.add("GET " + path + " " + answer.statusCode());
                assertNoSecret(secrets, path, answer);
            }
        }
        for (String path : List.of("/actuator/health", "/actuator/info", "/actuator/prometheus")) {
            HttpResponse<String> answer = actuator(path);
            read.add("GET " + path + " " + answer.statusCode());
            assertNoSecret(secrets, path, answer);
        }
        assertThat(read).as("the paths read").hasSizeGreaterThan(6);
    }

    private static void assertNoSecret(List<String> secrets, String path, HttpResponse<String> answer) {
        String all = answer.headers().map() + "\n" + answer.body();
        for (String secret : secrets) assertThat(all).as(path).doesNotContain(secret);
    }

    @Test
    void listsAndHistoriesAreBoundedHoweverAProducerFilledThem() throws Exception {
        String operator = basic(OPERATOR, OPERATOR_PASSWORD);
        assertThat(get("/ops/dead-letters?page=2000000000", operator).statusCode())
                .isEqualTo(400);
        assertThat(get("/ops/dead-letters?page=19&size=500", operator).statusCode())
                .isEqualTo(200);
        assertThat(get("/ops/dead-letters?page=20&size=500", operator).statusCode())
                .isEqualTo(400);
        // a producer made 30 dead letters of 200 KB under one key
        String requestId = id("bulky");
        StoredDeadLetters stored = stored();
        byte[] value = new byte[200 * 1024];
        java.util.Arrays.fill(value, (byte) 'x');
        for (int n = 0; n < 30; n++)
            stored.new Row(requestId, null).rawValue(value).store();
        HttpResponse<String> history = get("/ops/dead-letters/" + requestId, operator);
        assertThat(history.statusCode()).isEqualTo(200);
        assertThat(json.readTree(history.body()).get("deadLetters").size()).isEqualTo(20);
        assertThat(json.readTree(history.body())
                        .get("deadLetters")
                        .get(0)
                        .get("value")
                        .get("length")
                        .asInt())
                .as("the whole value's length, though only its head is shown")
                .isEqualTo(200 * 1024);
        assertThat(history.body().length()).as("bytes answered").isLessThan(2_500_000);
    }

    private record JsonBody(String text) {}
}
