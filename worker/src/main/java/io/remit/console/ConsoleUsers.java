package io.remit.console;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
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

    static Set<ConsoleRole> roles(OpsProperties.User user) {
        Set<ConsoleRole> roles = EnumSet.copyOf(user.roles());
        if (roles.contains(ConsoleRole.OPERATOR)) roles.add(ConsoleRole.VIEWER);
        return roles;
    }
}
