package io.remit.console.web;

import io.remit.console.ConsoleRole;
import io.remit.console.OpsProperties;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.DelegatingPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;

/**
 * The console's users, from {@code remit.ops.users.*}. An operator is also a viewer. With the
 * console off, or on without users, nobody is known and one log line says that {@code /ops/} is
 * closed. Names and hashes are never logged.
 */
public final class ConsoleUsers {
    private static final Logger log = LoggerFactory.getLogger(ConsoleUsers.class);

    private ConsoleUsers() {}

    public static InMemoryUserDetailsManager of(OpsProperties ops) {
        if (!ops.enabled()) {
            log.info("operator's console is off (remit.ops.enabled=false): every request to /ops/ is refused");
            return new InMemoryUserDetailsManager();
        }
        if (ops.users().isEmpty()) {
            log.warn("operator's console is closed: remit.ops.enabled=true but no users are configured"
                    + " (remit.ops.users.<name>.password and .roles); every request to /ops/ is refused");
            return new InMemoryUserDetailsManager();
        }
        List<UserDetails> users = new ArrayList<>();
        ops.users()
                .forEach((name, user) -> users.add(User.withUsername(name)
                        .password(user.password())
                        .roles(roles(user).stream().map(Enum::name).toArray(String[]::new))
                        .build()));
        log.info("operator's console is open at /ops/ to {} configured user(s)", users.size());
        return new InMemoryUserDetailsManager(users);
    }

    /**
     * Delegating ({@code {bcrypt}…}), encoding with bcrypt at the highest cost among the configured hashes: Spring
     * Security checks an unknown user against a dummy hash made with it, so a wrong name costs what a wrong password
     * does.
     */
    public static PasswordEncoder passwordEncoder(OpsProperties ops) {
        int cost = ops.users().values().stream()
                .mapToInt(user -> cost(user.password()))
                .max()
                .orElse(10);
        Map<String, PasswordEncoder> encoders = Map.of("bcrypt", new BCryptPasswordEncoder(cost));
        return new DelegatingPasswordEncoder("bcrypt", encoders);
    }

    /** The cost of a {@code {bcrypt}$2a$12$…} hash (10 when it cannot be read). */
    static int cost(String hash) {
        String[] parts = hash.split("\\$");
        try {
            return parts.length > 2 ? Math.clamp(Integer.parseInt(parts[2]), 4, 31) : 10;
        } catch (NumberFormatException e) {
            return 10;
        }
    }

    static Set<ConsoleRole> roles(OpsProperties.User user) {
        Set<ConsoleRole> roles = EnumSet.copyOf(user.roles());
        if (roles.contains(ConsoleRole.OPERATOR)) roles.add(ConsoleRole.VIEWER);
        return roles;
    }
}
