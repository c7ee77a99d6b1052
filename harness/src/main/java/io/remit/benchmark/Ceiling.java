package io.remit.benchmark;

import io.remit.api.Outcome;
import io.remit.api.PaymentsApi;
import io.remit.command.Command;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ceiling of the benchmark: what remit's own API client ({@link PaymentsApi}, with its
 * in-flight bound) does with no Kafka and no PostgreSQL. Every command is sent at once on its
 * own virtual thread, and a transient answer is retried immediately, up to {@value #RETRIES}
 * times: no delays, no records, no offsets. No worker using this client can beat it on the same
 * API; how close one comes is the measure.
 */
final class Ceiling {
    /** Retries after the first attempt, as remit's ladder has six tiers. */
    static final int RETRIES = 6;

    /** Commands applied, commands refused or given up, and the wall-clock time for all of them. */
    record Result(long succeeded, long failed, Duration elapsed) {}

    private Ceiling() {}

    static Result run(PaymentsApi api, List<Command> commands) throws InterruptedException {
        AtomicLong succeeded = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long start = System.nanoTime();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Command command : commands) {
                threads.execute(() -> (applied(api, command) ? succeeded : failed).incrementAndGet());
            }
        }
        return new Result(succeeded.get(), failed.get(), Duration.ofNanos(System.nanoTime() - start));
    }

    private static boolean applied(PaymentsApi api, Command command) {
        try {
            for (int attempt = 0; attempt <= RETRIES; attempt++) {
                Outcome outcome = api.send(command).outcome();
                if (outcome instanceof Outcome.Succeeded) return true;
                if (!(outcome instanceof Outcome.Transient)) return false;
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
