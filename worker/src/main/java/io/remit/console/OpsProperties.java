package io.remit.console;

import io.remit.InvalidConfigurationException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The operator's console ({@code remit.ops.*}). Off unless {@code enabled}; open only to the
 * configured users. Passwords are {@code {bcrypt}} hashes, never plain text, and never logged:
 * {@link User#toString()} leaves them out. The console has a port of its own, {@code remit.ops.port} (8081 by
 * default; the main server's {@code server.port} is set from it in application.yaml), apart from Actuator's
 * ({@code management.server.port}, 8080): see {@link io.remit.console.web.ConsoleServer}.
 *
 * @param enabled whether this instance serves {@code /ops/} and runs redrives
 * @param users   console users by name
 * @param redrive how redrives run
 * @param throttle how failed logins are throttled
 */
@ConfigurationProperties("remit.ops")
public record OpsProperties(
        @DefaultValue("false") boolean enabled,
        Map<String, User> users,
        @DefaultValue Redrive redrive,
        @DefaultValue Throttle throttle) {

    public OpsProperties {
        users = users == null ? Map.of() : Map.copyOf(users);
        if (throttle == null) throttle = new Throttle(10, 50, Duration.ofMinutes(5));
        if (throttle.failuresPerUser() < 1
                || throttle.failuresPerAddress() < 1
                || !throttle.window().isPositive())
            throw new InvalidConfigurationException(
                    "remit.ops.throttle: failures-per-user and failures-per-address must be at least 1, window positive");
        users.forEach(OpsProperties::validate);
    }

    /** Whether {@code /ops/} lets anyone in: enabled, with at least one user. */
    public boolean open() {
        return enabled && !users.isEmpty();
    }

    private static void validate(String name, User user) {
        String where = "remit.ops.users." + name;
        if (user.password() == null || !user.password().startsWith("{bcrypt}$2")) {
            throw new InvalidConfigurationException(
                    where + ".password must be a {bcrypt}-encoded hash, e.g. {bcrypt}$2a$12$…"
                            + " (see the README, Operator's console); plain-text passwords are refused");
        }
        if (user.roles() == null || user.roles().isEmpty()) {
            throw new InvalidConfigurationException(where + ".roles must name VIEWER or OPERATOR");
        }
    }

    /**
     * One console user.
     *
     * @param password {@code {bcrypt}$2a$…}
     * @param roles    {@code VIEWER}, {@code OPERATOR}
     */
    public record User(String password, List<ConsoleRole> roles) {
        @Override
        public String toString() {
            return "User[roles=" + roles + "]";
        }
    }

    /**
     * Failed logins: past {@code failuresPerUser} for one user name, or {@code failuresPerAddress} from one client
     * address, within {@code window}, logins are answered 429 until {@code window} after the last failure.
     */
    public record Throttle(
            @DefaultValue("10") int failuresPerUser,
            @DefaultValue("50") int failuresPerAddress,
            @DefaultValue("5m") Duration window) {}

    /**
     * How redrives run.
     *
     * @param defaultRatePerSecond records per second when a request names none
     * @param maxRatePerSecond     the highest rate a request may ask for
     * @param lease                how long an instance keeps a redrive it stopped renewing before another may take it over
     * @param pollInterval         how often an instance looks for redrives to run (new, or left by a stopped instance)
     * @param reconcileTimeout     longest wait for the commands topic to show whether an interrupted send was committed
     * @param transactionTimeout   the Kafka transaction timeout of the redrive producer
     */
    public record Redrive(
            @DefaultValue("50") int defaultRatePerSecond,
            @DefaultValue("500") int maxRatePerSecond,
            @DefaultValue("60s") Duration lease,
            @DefaultValue("2s") Duration pollInterval,
            @DefaultValue("2m") Duration reconcileTimeout,
            @DefaultValue("30s") Duration transactionTimeout) {

        public Redrive {
            if (maxRatePerSecond < 1 || defaultRatePerSecond < 1 || defaultRatePerSecond > maxRatePerSecond) {
                throw new InvalidConfigurationException(
                        "remit.ops.redrive rates must be positive, the default at most the maximum");
            }
            if (lease.compareTo(transactionTimeout.multipliedBy(2)) < 0) {
                throw new InvalidConfigurationException(
                        "remit.ops.redrive.lease must be at least twice the transaction-timeout");
            }
        }
    }
}
