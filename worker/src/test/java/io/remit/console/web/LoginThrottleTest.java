package io.remit.console.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.remit.console.ConsoleRole;
import io.remit.console.OpsProperties;
import jakarta.servlet.FilterChain;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.web.filter.OncePerRequestFilter;

/** Failed logins counted per name and per address; a dummy hash as costly as the real ones; cross-site writes refused. */
class LoginThrottleTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final LoginThrottle throttle =
            new LoginThrottle(new OpsProperties.Throttle(3, 5, Duration.ofMinutes(5)), registry);

    @Test
    void aNameIsThrottledAfterItsFailuresAndAnAddressAfterItsOwn() {
        for (int n = 0; n < 3; n++) {
            assertThat(throttle.throttled("alice", "10.0.0.1")).isFalse();
            throttle.failed("alice", "10.0.0.1");
        }
        assertThat(throttle.throttled("alice", "10.0.0.2"))
                .as("the name, from anywhere")
                .isTrue();
        assertThat(throttle.throttled("bob", "10.0.0.1"))
                .as("another name, same address")
                .isFalse();
        throttle.failed("bob", "10.0.0.1");
        throttle.failed("carol", "10.0.0.1");
        assertThat(throttle.throttled("dave", "10.0.0.1"))
                .as("the address, whatever the name")
                .isTrue();
        assertThat(throttle.throttled(null, "10.0.0.3")).isFalse();
        assertThat(registry.get("remit.console.login.failures").counter().count())
                .isEqualTo(5);
        assertThat(registry.get("remit.console.logins.throttled")
                        .tag("by", "user")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void aSuccessStartsTheNamesCountAgain() {
        throttle.failed("erin", "10.0.1.1");
        throttle.failed("erin", "10.0.1.1");
        throttle.succeeded("erin");
        throttle.failed("erin", "10.0.1.2");
        assertThat(throttle.throttled("erin", "10.0.1.3")).isFalse();
    }

    /**
     * Guesses sent all at once all passed the count before the first had failed (each check is a bcrypt of a tenth of a
     * second): now a check in progress counts, so no more run at once than the name's limit leaves.
     */
    @Test
    void loginsBeingCheckedCountSoAFloodSentAtOnceCannotPassTheLimit() throws Exception {
        CountDownLatch checking = new CountDownLatch(1);
        AtomicInteger passwordChecks = new AtomicInteger();
        FilterChain slowCheck = (request, response) -> {
            passwordChecks.incrementAndGet();
            try {
                checking.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throttle.failed("frank", "10.0.2.1");
        };
        OncePerRequestFilter filter = throttle.filter();
        List<MockHttpServletResponse> answers = new ArrayList<>();
        List<Thread> guesses = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            MockHttpServletResponse answer = new MockHttpServletResponse();
            answers.add(answer);
            guesses.add(Thread.ofVirtual().start(() -> {
                try {
                    filter.doFilter(basic("frank", "guess"), answer, slowCheck);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }));
        }
        Thread.sleep(500); // every guess has reached the filter: three are being checked, the rest refused
        checking.countDown();
        for (Thread guess : guesses) guess.join();

        assertThat(passwordChecks).as("the name's limit, 3").hasValue(3);
        assertThat(answers.stream().filter(a -> a.getStatus() == 429)).hasSize(17);
        assertThat(throttle.throttled("frank", "10.0.2.9")).isTrue();
        MockHttpServletResponse after = new MockHttpServletResponse();
        filter.doFilter(basic("grace", "pw"), after, (request, response) -> {});
        assertThat(after.getStatus())
                .as("the address's places were given back: another name from it is checked")
                .isEqualTo(200);
    }

    @Test
    void aNameLongerThanAnyUsersIsRefusedUncheckedAndNeverKept() throws Exception {
        MockHttpServletResponse answer = new MockHttpServletResponse();
        AtomicInteger passwordChecks = new AtomicInteger();

        throttle.filter()
                .doFilter(
                        basic("x".repeat(LoginThrottle.MAX_NAME + 1), "pw"),
                        answer,
                        (request, response) -> passwordChecks.incrementAndGet());

        assertThat(answer.getStatus()).isEqualTo(401);
        assertThat(passwordChecks).hasValue(0);
        assertThat(registry.get("remit.console.login.failures").counter().count())
                .as("counted against its address")
                .isEqualTo(1);
    }

    private static MockHttpServletRequest basic(String user, String password) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/ops/dead-letters");
        request.setRemoteAddr("10.0.2.1");
        request.addHeader(
                "Authorization",
                "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password).getBytes()));
        return request;
    }

    @Test
    void readsTheNameOfBasicAndOfTheLoginForm() {
        MockHttpServletRequest basic = new MockHttpServletRequest("GET", "/ops/dead-letters");
        basic.addHeader(
                "Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString("ann:pw:x".getBytes()));
        assertThat(LoginThrottle.loginName(basic)).isEqualTo("ann");
        MockHttpServletRequest form = new MockHttpServletRequest("POST", "/ops/login");
        form.setParameter("username", "ben");
        assertThat(LoginThrottle.loginName(form)).isEqualTo("ben");
        // the spellings Spring Security accepts count as the same name (found by review: "Basic_" escaped the count)
        MockHttpServletRequest odd = new MockHttpServletRequest("GET", "/ops/dead-letters");
        odd.addHeader(
                "Authorization", "  basic_" + java.util.Base64.getEncoder().encodeToString("ann:pw".getBytes()));
        assertThat(LoginThrottle.loginName(odd)).isEqualTo("ann");
        MockHttpServletRequest garbage = new MockHttpServletRequest("GET", "/ops/dead-letters");
        garbage.addHeader("Authorization", "Basic %%%");
        assertThat(LoginThrottle.loginName(garbage)).isNull();
    }

    @Test
    void anUnknownUserCostsWhatAKnownOneDoes() {
        String hash = "{bcrypt}" + new BCryptPasswordEncoder(12).encode("x");
        OpsProperties ops = new OpsProperties(
                true,
                Map.of("alice", new OpsProperties.User(hash, List.of(ConsoleRole.VIEWER))),
                new OpsProperties.Redrive(
                        50,
                        500,
                        Duration.ofSeconds(60),
                        Duration.ofSeconds(2),
                        Duration.ofMinutes(2),
                        Duration.ofSeconds(30)),
                null);
        // Spring Security checks an unknown name against a dummy hash made by this encoder
        assertThat(ConsoleUsers.passwordEncoder(ops).encode("dummy")).startsWith("{bcrypt}$2a$12$");
    }

    @Test
    void aWriteFromAnotherSiteIsCrossSite() {
        assertThat(CrossSiteRequests.isCrossSite(request(null, null))).isFalse();
        assertThat(CrossSiteRequests.isCrossSite(request("same-origin", "http://remit.internal:8080")))
                .isFalse();
        assertThat(CrossSiteRequests.isCrossSite(request("none", null))).isFalse();
        assertThat(CrossSiteRequests.isCrossSite(request("cross-site", null))).isTrue();
        assertThat(CrossSiteRequests.isCrossSite(request("same-site", null))).isTrue();
        assertThat(CrossSiteRequests.isCrossSite(request(null, "http://evil.example")))
                .isTrue();
        assertThat(CrossSiteRequests.isCrossSite(request(null, "null"))).isTrue();
        assertThat(CrossSiteRequests.isCrossSite(request(null, "https://remit.internal")))
                .isFalse();
    }

    private static MockHttpServletRequest request(String site, String origin) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/ops/redrives");
        request.setServerName("remit.internal");
        if (site != null) request.addHeader("Sec-Fetch-Site", site);
        if (origin != null) request.addHeader("Origin", origin);
        return request;
    }
}
