package io.remit.console.web;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remit.Printable;
import io.remit.console.OpsProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.authentication.www.BasicAuthenticationConverter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Failed console logins, per user name and per client address: past {@code failuresPerUser} (or
 * {@code failuresPerAddress}) within {@code window}, a login for that user (or from that address) is answered 429 with
 * {@code Retry-After} before any password is checked, so a guessing loop neither finds a password nor spends the CPU
 * that the payment engine shares (each check is a bcrypt). The count of a name or address is forgotten {@code window}
 * after its last failure. Logins still being checked count too, so that guesses sent all at once, before any has
 * failed, cannot pass the limit: at most {@code failuresPerUser} checks of one name run at a time, fewer its recent
 * failures (and likewise per address). A name longer than {@link #MAX_NAME} is refused unchecked, as a failure of its
 * address: no configured user has one, and it is never kept or logged. Counted in {@code remit_console_login_failures_total} and
 * {@code remit_console_logins_throttled_total{by}}; one WARN line when a name or address is first throttled (never a
 * password).
 */
public final class LoginThrottle {
    private static final Logger log = LoggerFactory.getLogger(LoginThrottle.class);
    /** The most distinct names and addresses remembered: a flood of made-up names cannot exhaust the heap. */
    private static final int MAX_TRACKED = 100_000;
    /** The longest user name checked at all. */
    static final int MAX_NAME = 256;

    private final OpsProperties.Throttle limits;
    private final Cache<String, AtomicInteger> byUser;
    private final Cache<String, AtomicInteger> byAddress;
    /** Logins being checked now, per name and per address (a key goes when its last check ends). */
    private final ConcurrentHashMap<String, Integer> checkingUser = new ConcurrentHashMap<>();

    private final ConcurrentHashMap<String, Integer> checkingAddress = new ConcurrentHashMap<>();
    private final Counter failures;
    private final Counter throttledUser;
    private final Counter throttledAddress;

    public LoginThrottle(OpsProperties.Throttle limits, MeterRegistry registry) {
        this.limits = limits;
        this.byUser = cache(limits.window());
        this.byAddress = cache(limits.window());
        this.failures = Counter.builder("remit.console.login.failures")
                .description("Console logins refused for a wrong name or password")
                .register(registry);
        this.throttledUser = throttled(registry, "user");
        this.throttledAddress = throttled(registry, "address");
    }

    private static Cache<String, AtomicInteger> cache(Duration window) {
        return Caffeine.newBuilder()
                .expireAfterWrite(window)
                .maximumSize(MAX_TRACKED)
                .build();
    }

    private static Counter throttled(MeterRegistry registry, String by) {
        return Counter.builder("remit.console.logins.throttled")
                .description("Console logins answered 429 before any password check: too many recent failures")
                .tag("by", by)
                .register(registry);
    }

    /** Whether a request of {@code user} (null: no login) from {@code address} must wait; counts the refusal. */
    boolean throttled(@Nullable String user, String address) {
        if (user != null && count(byUser, user) >= limits.failuresPerUser()) {
            throttledUser.increment();
            return true;
        }
        if (count(byAddress, address) >= limits.failuresPerAddress()) {
            throttledAddress.increment();
            return true;
        }
        return false;
    }

    /** A login failed for a wrong name or password. */
    void failed(@Nullable String user, String address) {
        failures.increment();
        if (user != null && increment(byUser, user) == limits.failuresPerUser())
            log.warn(
                    "console logins of user '{}' throttled for {}: {} failed in a row (the last from {})",
                    Printable.of(user),
                    limits.window(),
                    limits.failuresPerUser(),
                    address);
        if (increment(byAddress, address) == limits.failuresPerAddress())
            log.warn(
                    "console logins from {} throttled for {}: {} failed attempts",
                    address,
                    limits.window(),
                    limits.failuresPerAddress());
    }

    /**
     * Takes a place for a login about to be checked: false, and nothing taken, when the name's (or the address's) recent
     * failures and the checks already running reach its limit. Given back by {@link #checked}.
     */
    boolean startCheck(String user, String address) {
        int users = checkingUser.merge(user, 1, Integer::sum);
        int addresses = checkingAddress.merge(address, 1, Integer::sum);
        if (count(byUser, user) + users > limits.failuresPerUser()) {
            checked(user, address);
            throttledUser.increment();
            return false;
        }
        if (count(byAddress, address) + addresses > limits.failuresPerAddress()) {
            checked(user, address);
            throttledAddress.increment();
            return false;
        }
        return true;
    }

    /** A login's check has ended (a failure was counted by {@link #failed} before): its place is given back. */
    void checked(String user, String address) {
        checkingUser.computeIfPresent(user, (k, n) -> n == 1 ? null : n - 1);
        checkingAddress.computeIfPresent(address, (k, n) -> n == 1 ? null : n - 1);
    }

    /** A login succeeded: the user's count starts again (the address's does not). */
    void succeeded(@Nullable String user) {
        if (user != null) byUser.invalidate(user);
    }

    private static int count(Cache<String, AtomicInteger> cache, String key) {
        AtomicInteger n = cache.getIfPresent(key);
        return n == null ? 0 : n.get();
    }

    private static int increment(Cache<String, AtomicInteger> cache, String key) {
        // a write: the key is remembered for a window from its last failure
        return cache.asMap()
                .compute(key, (k, n) -> {
                    AtomicInteger next = n == null ? new AtomicInteger() : n;
                    next.incrementAndGet();
                    return next;
                })
                .get();
    }

    /**
     * Answers 429, before the authentication filters check any password, to a login of a throttled name and to any
     * request from a throttled address (whatever it carries: a header Spring reads as Basic credentials counts there too).
     */
    OncePerRequestFilter filter() {
        return new OncePerRequestFilter() {
            @Override
            protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                    throws ServletException, IOException {
                String user = loginName(request);
                String address = request.getRemoteAddr();
                if (user != null && user.length() > MAX_NAME) {
                    failed(null, address);
                    response.setStatus(401);
                    response.setContentType("text/plain;charset=UTF-8");
                    response.getWriter().write("authentication failed: the user name is longer than any user's\n");
                    return;
                }
                if (throttled(user, address)) {
                    tooMany(response, limits.window(), "too many failed logins");
                    return;
                }
                if (user != null && !startCheck(user, address)) {
                    tooMany(response, Duration.ofSeconds(1), "too many logins being checked at once");
                    return;
                }
                if (user == null) {
                    chain.doFilter(request, response);
                    return;
                }
                try {
                    chain.doFilter(request, response);
                } finally {
                    checked(user, address);
                }
            }
        };
    }

    private static void tooMany(HttpServletResponse response, Duration retryAfter, String why) throws IOException {
        response.setStatus(429);
        response.setHeader("Retry-After", Long.toString(retryAfter.toSeconds()));
        response.setContentType("text/plain;charset=UTF-8");
        response.getWriter().write(why + "; try again in " + retryAfter.toSeconds() + " s\n");
    }

    private static final BasicAuthenticationConverter BASIC = new BasicAuthenticationConverter();
    private static final RequestMatcher FORM_LOGIN =
            PathPatternRequestMatcher.withDefaults().matcher(HttpMethod.POST, "/ops/login");

    /**
     * The name a request logs in as, read as Spring Security reads it (HTTP Basic's converter, the login form's
     * matcher), so that no spelling of the header or the path escapes the count; null when it carries none.
     */
    static @Nullable String loginName(HttpServletRequest request) {
        try {
            UsernamePasswordAuthenticationToken basic = BASIC.convert(request);
            if (basic != null) return basic.getName();
        } catch (AuthenticationException e) {
            return null; // unreadable credentials: refused by Spring without a password check
        }
        return FORM_LOGIN.matches(request) ? request.getParameter("username") : null;
    }
}
