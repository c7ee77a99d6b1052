package io.remit.console.web;

import io.remit.console.ConsoleRole;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;
import org.springframework.security.web.authentication.SimpleUrlAuthenticationSuccessHandler;
import org.springframework.security.web.authentication.UsernamePasswordAuthenticationFilter;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;

/**
 * Who may reach the console. Its filter chains come second and third of four, after the one of Actuator's own server
 * and before the one of the rest of the console's server ({@code io.remit.config.ManagementSecurity}: probes and
 * scrape open, everything else refused):
 * <ol>
 * <li>the JSON API ({@link #API}): HTTP Basic on every request, no session (so a browser's console
 *     session cookie cannot be used against it), 401 without credentials and without a
 *     {@code WWW-Authenticate} challenge (a browser would prompt, then hold the credentials for any page that
 *     posts to it); a request that changes something and comes from another site is refused
 *     ({@link CrossSiteRequests}); {@code VIEWER} reads, {@code OPERATOR} posts;</li>
 * <li>the triage page (everything else under {@code /ops/}): a login form, a session, CSRF tokens on
 *     every form, a strict Content-Security-Policy; {@code VIEWER} reads, anything else is {@code OPERATOR}'s.</li>
 * </ol>
 * When the console is closed (off, or no users) one chain refuses every {@code /ops/} request with 403. Logins of
 * both chains are throttled ({@link LoginThrottle}) before any password is checked.
 */
public final class ConsoleSecurity {
    /** The JSON API's paths. */
    public static final String[] API = {"/ops/dead-letters/**", "/ops/commands/**", "/ops/redrives/**"};
    /** The triage page's paths (after the API's). */
    public static final String[] PAGE = {"/ops", "/ops/**"};

    static final String CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self';"
            + " frame-ancestors 'none'; base-uri 'none'";

    private ConsoleSecurity() {}

    public static SecurityFilterChain api(HttpSecurity http, LoginThrottle throttle) throws Exception {
        AuthenticationEntryPoint unauthorized = (request, response, failure) -> {
            if (failure instanceof BadCredentialsException)
                throttle.failed(LoginThrottle.loginName(request), request.getRemoteAddr());
            response.sendError(HttpServletResponse.SC_UNAUTHORIZED, "authentication required"); // no challenge
        };
        return http.securityMatcher(API)
                .csrf(AbstractHttpConfigurer::disable)
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(AbstractHttpConfigurer::disable)
                .addFilterBefore(new CrossSiteRequests(), BasicAuthenticationFilter.class)
                .addFilterBefore(throttle.filter(), BasicAuthenticationFilter.class)
                .httpBasic(basic -> basic.authenticationEntryPoint(unauthorized))
                .exceptionHandling(e -> e.authenticationEntryPoint(unauthorized))
                .authorizeHttpRequests(a -> a.requestMatchers(HttpMethod.GET, API)
                        .hasRole(ConsoleRole.VIEWER.name())
                        .anyRequest()
                        .hasRole(ConsoleRole.OPERATOR.name()))
                .build();
    }

    public static SecurityFilterChain page(HttpSecurity http, LoginThrottle throttle) throws Exception {
        SimpleUrlAuthenticationSuccessHandler success = new SimpleUrlAuthenticationSuccessHandler("/ops/");
        return http.securityMatcher(PAGE)
                .headers(h -> h.contentSecurityPolicy(csp -> csp.policyDirectives(CSP)))
                .addFilterBefore(throttle.filter(), UsernamePasswordAuthenticationFilter.class)
                .formLogin(form -> form.loginPage("/ops/login")
                        .successHandler((request, response, authentication) -> {
                            throttle.succeeded(authentication.getName());
                            success.onAuthenticationSuccess(request, response, authentication);
                        })
                        .failureHandler((request, response, failure) -> {
                            if (failure instanceof BadCredentialsException)
                                throttle.failed(LoginThrottle.loginName(request), request.getRemoteAddr());
                            response.sendRedirect(request.getContextPath() + "/ops/login?error");
                        })
                        .permitAll())
                .logout(logout -> logout.logoutUrl("/ops/logout")
                        .logoutSuccessUrl("/ops/login?logout")
                        .permitAll())
                // reads are a VIEWER's; anything else (a new form included) an OPERATOR's unless said otherwise
                .authorizeHttpRequests(a -> a.requestMatchers(HttpMethod.GET, "/ops/login")
                        .permitAll() // with ?error or ?logout too
                        .requestMatchers(HttpMethod.GET, PAGE)
                        .hasRole(ConsoleRole.VIEWER.name())
                        .requestMatchers(HttpMethod.HEAD, PAGE)
                        .hasRole(ConsoleRole.VIEWER.name())
                        .anyRequest()
                        .hasRole(ConsoleRole.OPERATOR.name()))
                .build();
    }

    /** The console is off or has no users: every request under /ops/ gets 403, whatever credentials it carries. */
    public static SecurityFilterChain closed(HttpSecurity http, String... paths) throws Exception {
        return http.securityMatcher(paths)
                .csrf(AbstractHttpConfigurer::disable)
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .exceptionHandling(e -> e.authenticationEntryPoint(new HttpStatusEntryPoint(HttpStatus.FORBIDDEN)))
                .authorizeHttpRequests(a -> a.anyRequest().denyAll())
                .build();
    }
}
