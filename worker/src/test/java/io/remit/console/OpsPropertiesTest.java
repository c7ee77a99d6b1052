package io.remit.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.remit.InvalidConfigurationException;
import io.remit.console.web.ConsoleUsers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.security.core.GrantedAuthority;

/** remit.ops.* settings: bcrypt hashes only, never echoed; an operator is also a viewer; closed without users. */
class OpsPropertiesTest {
    private static final OpsProperties.Redrive REDRIVE = new OpsProperties.Redrive(
            50, 500, Duration.ofSeconds(60), Duration.ofSeconds(2), Duration.ofMinutes(2), Duration.ofSeconds(30));
    private static final String HASH = "{bcrypt}$2a$04$abcdefghijklmnopqrstuuQJz2L2yrN9qlvC2bRJ2Fvn1o8bH0HGi";

    @Test
    void refusesAPlainTextPasswordWithoutEchoingIt() {
        assertThatThrownBy(() -> new OpsProperties(
                        true,
                        Map.of("alice", new OpsProperties.User("hunter2-plain", List.of(ConsoleRole.VIEWER))),
                        REDRIVE,
                        null))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("remit.ops.users.alice.password must be a {bcrypt}-encoded hash")
                .hasMessageNotContaining("hunter2-plain");
    }

    @Test
    void refusesAUserWithoutRoles() {
        assertThatThrownBy(() ->
                        new OpsProperties(true, Map.of("bob", new OpsProperties.User(HASH, List.of())), REDRIVE, null))
                .hasMessageContaining("remit.ops.users.bob.roles");
    }

    @Test
    void neverPrintsAHash() {
        assertThat(new OpsProperties.User(HASH, List.of(ConsoleRole.OPERATOR)).toString())
                .doesNotContain("$2a$");
        assertThat(new OpsProperties(
                                true,
                                Map.of("alice", new OpsProperties.User(HASH, List.of(ConsoleRole.OPERATOR))),
                                REDRIVE,
                                null)
                        .toString())
                .doesNotContain("$2a$");
    }

    @Test
    void isOpenOnlyWhenEnabledWithUsers() {
        Map<String, OpsProperties.User> users =
                Map.of("alice", new OpsProperties.User(HASH, List.of(ConsoleRole.VIEWER)));
        assertThat(new OpsProperties(true, users, REDRIVE, null).open()).isTrue();
        assertThat(new OpsProperties(false, users, REDRIVE, null).open()).isFalse();
        assertThat(new OpsProperties(true, Map.of(), REDRIVE, null).open()).isFalse();
        assertThat(ConsoleUsers.of(new OpsProperties(false, users, REDRIVE, null))
                        .userExists("alice"))
                .isFalse();
    }

    @Test
    void makesAnOperatorAViewerToo() {
        var users = ConsoleUsers.of(new OpsProperties(
                true, Map.of("alice", new OpsProperties.User(HASH, List.of(ConsoleRole.OPERATOR))), REDRIVE, null));
        assertThat(users.loadUserByUsername("alice").getAuthorities())
                .extracting(GrantedAuthority::getAuthority)
                .containsExactlyInAnyOrder("ROLE_OPERATOR", "ROLE_VIEWER");
    }

    @Test
    void refusesALeaseShorterThanTwoTransactionTimeouts() {
        assertThatThrownBy(() -> new OpsProperties.Redrive(
                        50,
                        500,
                        Duration.ofSeconds(30),
                        Duration.ofSeconds(2),
                        Duration.ofMinutes(2),
                        Duration.ofSeconds(30)))
                .hasMessageContaining("lease");
    }
}
