package io.remit.config;

import io.remit.console.web.ConsoleServer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.annotation.web.configurers.AuthorizeHttpRequestsConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;

/**
 * Actuator's security, on every instance: the first and the last of the four filter chains. First, Actuator's own
 * server ({@code management.server.port}, {@link ConsoleServer#management()}): the probes and the scrape
 * ({@link #OPEN_ACTUATOR}) are open, every other path is 404, {@code /ops/} included: the console is not there. Last,
 * the console's server past the console's two chains ({@code ConsoleConfiguration}): the same endpoints open (probes
 * and scrapers carry no credentials), every other path refused.
 */
@Configuration(proxyBeanMethods = false)
class ManagementSecurity {
    /**
     * The Actuator endpoints open to anyone, when exposed: probes, the scrape, and the same numbers as the scrape
     * ({@code metrics}, used by the benchmark). Others (env, loggers, heapdump …) stay refused even if exposed.
     */
    static final String[] OPEN_ACTUATOR = {
        "/actuator/health",
        "/actuator/health/**",
        "/actuator/prometheus",
        "/actuator/info",
        "/actuator/metrics",
        "/actuator/metrics/**"
    };

    /** Actuator's own server: its probes and scrape open, anything else (the console's paths too) 404. */
    @Bean
    @Order(0)
    SecurityFilterChain managementChain(HttpSecurity http, ConsoleServer server) throws Exception {
        return http.securityMatcher(server.management())
                .csrf(AbstractHttpConfigurer::disable)
                .requestCache(AbstractHttpConfigurer::disable)
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .exceptionHandling(e -> e.authenticationEntryPoint(new HttpStatusEntryPoint(HttpStatus.NOT_FOUND)))
                .authorizeHttpRequests(ManagementSecurity::openActuatorOnly)
                .build();
    }

    /**
     * The console's server, past the console's paths: Actuator's probes and scrape stay open to unauthenticated
     * callers (served here only when Actuator shares this port); nothing else is served.
     */
    @Bean
    @Order(3)
    SecurityFilterChain actuatorChain(HttpSecurity http) throws Exception {
        return http.sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .authorizeHttpRequests(ManagementSecurity::openActuatorOnly)
                .build();
    }

    /** Actuator's probes, scrape and info, and the error page, open to anyone; nothing else. */
    private static void openActuatorOnly(
            AuthorizeHttpRequestsConfigurer<HttpSecurity>.AuthorizationManagerRequestMatcherRegistry requests) {
        requests.requestMatchers(OPEN_ACTUATOR)
                .permitAll()
                .requestMatchers("/error")
                .permitAll()
                .anyRequest()
                .denyAll();
    }
}
