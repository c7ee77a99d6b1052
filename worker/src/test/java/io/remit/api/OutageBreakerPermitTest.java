package io.remit.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A half-open call that ends without an answer (a bug in the client, the shutdown) gives its permission back: kept, the
 * half-open calls' permissions ran out and every later call waited for the breaker for ever, with no alert.
 */
class OutageBreakerPermitTest {
    private final AtomicBoolean throwing = new AtomicBoolean();

    /** The API: a 503 to every call, or no answer at all (an exception) while {@link #throwing}. */
    private final ApiClient api = new ApiClient() {
        @Override
        public Attempt send(io.remit.command.Command command) {
            if (throwing.get()) throw new IllegalStateException("the client failed");
            return new Attempt(new Outcome.Transient(503, "SERVICE_UNAVAILABLE", null, null), Duration.ofMillis(5));
        }

        @Override
        public Outcome probe() {
            throw new UnsupportedOperationException();
        }
    };

    @Test
    void aHalfOpenCallThatThrowsGivesItsPermissionBack() throws Exception {
        OutageBreaker breaker = new OutageBreaker(
                new BreakerProperties(true, 50, 1, Duration.ofSeconds(30), Duration.ofMillis(200), 1),
                Duration.ofSeconds(10));
        ApiClient guarded = breaker.guard(api);
        guarded.send(null); // one 503 of one call: open
        assertThat(breaker.isOpen()).isTrue();
        Thread.sleep(400); // half-open: one call may try the API

        throwing.set(true);
        assertThatThrownBy(() -> guarded.send(null)).hasMessage("the client failed");

        throwing.set(false);
        CompletableFuture<ApiClient.Attempt> next = CompletableFuture.supplyAsync(() -> {
            try {
                return guarded.send(null);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(next.get(5, TimeUnit.SECONDS).outcome())
                .as("the next call goes: the permission was given back")
                .isInstanceOf(Outcome.Transient.class);
    }
}
