package io.remit.engine;

import io.remit.Causes;
import io.remit.Printable;
import io.remit.api.ApiClient;
import io.remit.api.Outcome;
import io.remit.api.ResponseClassifier;
import io.remit.command.Command;
import io.remit.command.CommandParser;
import io.remit.command.Fingerprint;
import io.remit.command.ParsedCommand;
import io.remit.routing.CodeRetries;
import io.remit.routing.Decision;
import io.remit.routing.OutcomeRouter;
import io.remit.routing.RetryHeaders;
import io.remit.routing.RetryLadder;
import io.remit.store.AttemptRecord;
import io.remit.store.OutcomeStatus;
import io.remit.store.StorableText;
import io.remit.store.StoredOutcome;
import io.remit.telemetry.RemitMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

/**
 * Decides what happens to one record. A command that already succeeded is never sent again, a
 * record redelivered after a crash replays its stored decision instead of calling the API, and
 * bad input is dead-lettered without a call. Only {@link #call} does I/O; the engine runs it on a
 * virtual thread, one record of a requestId at a time, and the API client bounds the calls in flight.
 */
final class CommandProcessor {
    /** A different command under a requestId that may have taken effect: refused, never sent. */
    static final String REQUEST_ID_REUSED = "REQUEST_ID_REUSED";
    /** A command whose first ambiguous attempt is older than the API's idempotency window: never sent again. */
    static final String OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN";
    /** The code of a replayed decision whose row has none (not written by remit), as the metrics tag a missing code. */
    static final String NO_CODE = "none";

    private final CommandParser parser;
    private final ApiClient api;
    private final BooleanSupplier apiDown;
    private final OutcomeRouter router;
    private final RetryLadder ladder;
    private final RemitMetrics metrics;
    private final Clock clock;
    private final Duration idempotencyWindow;

    /**
     * @param api     the API, as the engine calls it (guarded by the outage breaker)
     * @param apiDown whether the API is down (the outage breaker is open): intake pauses
     * @param idempotencyWindow how long the API remembers a requestId ({@code remit.api.idempotency-window})
     */
    CommandProcessor(
            CommandParser parser,
            ApiClient api,
            BooleanSupplier apiDown,
            OutcomeRouter router,
            RetryLadder ladder,
            RemitMetrics metrics,
            Clock clock,
            Duration idempotencyWindow) {
        this.idempotencyWindow = idempotencyWindow;
        this.parser = parser;
        this.api = api;
        this.apiDown = apiDown;
        this.router = router;
        this.ladder = ladder;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Whether the API is down (the outage breaker is open): intake pauses. */
    boolean apiDown() {
        return apiDown.getAsBoolean();
    }

    /** Parses a polled record; never throws. */
    Pending admit(ConsumerRecord<byte[], byte[]> record, long nowNanos) {
        ParsedCommand parsed = parser.parse(record.key(), record.value());
        Pending pending = new Pending(record, parsed, requestId(record, parsed), nowNanos);
        if (parsed instanceof ParsedCommand.Valid valid) pending.fingerprint = Fingerprint.of(valid.command());
        return pending;
    }

    /**
     * The decision that needs no API call, given the latest stored outcome of the requestId: already
     * succeeded, replayed, or bad input (null {@code prior}: none stored). Null when the API must be called.
     */
    @Nullable
    Processed decideWithoutCall(Pending item, @Nullable StoredOutcome prior) {
        ConsumerRecord<byte[], byte[]> record = item.record;
        item.firstAmbiguousAt = prior == null ? null : prior.identity().firstAmbiguousAt();
        if (prior != null
                && prior.status() == OutcomeStatus.SUCCEEDED
                && prior.isFor(record.topic(), record.partition(), record.offset())) {
            // this very record succeeded, but its commit (and outcome event) may not have happened: replay it
            return new Processed(
                    record,
                    item.requestId,
                    prior.commandType(),
                    Processed.Provenance.REPLAYED,
                    new Decision.Complete(statusOf(prior), prior.resourceId(), prior.response()),
                    prior.attempts(),
                    null,
                    prior.updatedAt());
        }
        Fingerprint fingerprint = item.fingerprint;
        if (prior != null && fingerprint != null && isReused(fingerprint, prior)) {
            item.firstAmbiguousAt = null; // this command was never sent: the earlier one's attempts are not its own
            return fresh(
                    item,
                    item.parsed.typeName(),
                    new Decision.DeadLetter(409, REQUEST_ID_REUSED, reused(item, fingerprint, prior), true),
                    0);
        }
        if (prior != null
                && item.parsed instanceof ParsedCommand.Invalid invalid
                && prior.mayHaveTakenEffect()
                && !ladder.isRetryTopic(record.topic())
                && !prior.isFor(record.topic(), record.partition(), record.offset())) {
            // bad input from a producer under a requestId whose command succeeded, is being retried or may have taken
            // effect: that command's row stays its own (a live one goes on retrying); this record is only
            // dead-lettered. (A retry topic holds remit's own copies of the requestId's command: not another record.)
            item.firstAmbiguousAt = null;
            return fresh(
                    item,
                    invalid.typeName(),
                    new Decision.DeadLetter(
                            0,
                            invalid.code(),
                            invalid.message() + "; the requestId's own command (" + prior.status()
                                    + ") is left as it is",
                            true),
                    0);
        }
        if (prior != null && prior.status() == OutcomeStatus.SUCCEEDED) {
            return new Processed(
                    record,
                    item.requestId,
                    prior.commandType(),
                    Processed.Provenance.ALREADY_SUCCEEDED,
                    new Decision.Complete(statusOf(prior), prior.resourceId()),
                    prior.attempts(),
                    null,
                    prior.updatedAt());
        }
        if (prior != null && prior.isFor(record.topic(), record.partition(), record.offset())) {
            return new Processed(
                    record,
                    item.requestId,
                    prior.commandType(),
                    Processed.Provenance.REPLAYED,
                    replay(prior),
                    prior.attempts(),
                    null,
                    prior.updatedAt());
        }
        if (prior != null && isInProgress(item, prior)) {
            // the same command again (the producer sent it twice, or a redrive of an older dead letter) while its retry
            // waits on a retry topic: that retry is the command; a call and a retry of this copy would fork its chain
            return new Processed(
                    record,
                    item.requestId,
                    prior.commandType(),
                    Processed.Provenance.IN_PROGRESS,
                    replay(prior),
                    prior.attempts(),
                    null,
                    clock.instant());
        }
        if (item.parsed instanceof ParsedCommand.Invalid invalid) {
            int attempt = headersOf(record).attempt();
            return fresh(
                    item,
                    invalid.typeName(),
                    router.route(new Outcome.Rejected(0, invalid.code(), invalid.message()), attempt),
                    attempt - 1);
        }
        if (pastWindow(item)) {
            return fresh(
                    item,
                    item.parsed.typeName(),
                    outcomeUnknown(lastStatus(prior), item),
                    headersOf(record).attempt() - 1);
        }
        if (item.earlier != null) { // per-invoice order: an earlier command for the invoice is being retried
            RetryHeaders headers = headersOf(record);
            return fresh(
                    item,
                    item.parsed.typeName(),
                    router.waitFor(
                            item.earlier.requestId(),
                            item.earlier.dueAt(),
                            headers.attempt(),
                            headers.rateLimited(),
                            headers.codeRetries()),
                    headers.attempt() - 1);
        }
        return null;
    }

    /** Whether the command's first ambiguous attempt is longer ago than the API remembers a requestId. */
    private boolean pastWindow(Pending item) {
        Instant first = item.firstAmbiguousAt;
        return first != null && clock.instant().isAfter(first.plus(idempotencyWindow));
    }

    /** The HTTP status of the requestId's last attempt, as stored (0: none). */
    private static int lastStatus(@Nullable StoredOutcome prior) {
        return prior == null || prior.httpStatus() == null ? 0 : prior.httpStatus();
    }

    private Decision.DeadLetter outcomeUnknown(int status, Pending item) {
        return new Decision.DeadLetter(
                status,
                OUTCOME_UNKNOWN,
                "not sent again: the API may have applied it (its first ambiguous attempt was at "
                        + item.firstAmbiguousAt + ", longer ago than the API remembers a requestId, "
                        + idempotencyWindow + "), so a new attempt could be a second payment; look "
                        + "its resource up at the API, then redrive with force or discard it");
    }

    /** A decision made here, now, without a call. */
    private Processed fresh(Pending item, String commandType, Decision decision, int attempts) {
        return new Processed(
                item.record,
                item.requestId,
                commandType,
                Processed.Provenance.FRESH,
                decision,
                attempts,
                null,
                clock.instant());
    }

    /** Calls the API for a valid command and routes the answer. */
    Processed call(Pending item) throws InterruptedException {
        Command command = ((ParsedCommand.Valid) item.parsed).command();
        Instant startedAt = clock.instant();
        Processed processed = call(item, command, headersOf(item.record));
        if (item.firstAmbiguousAt == null && processed.apiAttempt() != null && isAmbiguous(processed.apiAttempt()))
            item.firstAmbiguousAt = startedAt;
        return processed;
    }

    /**
     * Whether the API may have applied an attempt without saying so: a timeout, a connection lost after the request was
     * written, a 5xx. Not a 2xx or 4xx (a definite answer), a 429, or a connection that was never made.
     */
    static boolean isAmbiguous(AttemptRecord attempt) {
        Integer status = attempt.httpStatus();
        if (status != null) return status >= 500;
        return !ResponseClassifier.CONNECT_FAILED.equals(attempt.errorCode());
    }

    /**
     * Whether a decision refuses a record that is not its requestId's own command (a reused requestId, or bad input
     * under a live one): it says nothing of that command, so it leaves that command's row alone (only its dead letter
     * is stored).
     */
    static boolean leavesRow(Processed processed) {
        return processed.decision() instanceof Decision.DeadLetter d && d.leavesRow();
    }

    /**
     * Whether this record is another copy of a command whose retry is waiting on a retry topic: the same command (same
     * fingerprint), not read from a retry topic (remit's own copies are the retry), while the row is RETRYING and due at
     * most {@link #STALE_RETRY} ago. A retry overdue by longer than that may have been lost with its topic's retention:
     * the copy goes on as the command.
     */
    private boolean isInProgress(Pending item, StoredOutcome prior) {
        return prior.status() == OutcomeStatus.RETRYING
                && item.fingerprint != null
                && item.fingerprint.hash().equals(prior.identity().fingerprint())
                && !ladder.isRetryTopic(item.record.topic())
                && prior.retry() instanceof StoredOutcome.Retry retry
                && retry.dueAt().plus(STALE_RETRY).isAfter(clock.instant());
    }

    /**
     * How long past its due time a waiting retry is still taken to be on its way: a day, as for the commands an invoice's
     * later commands wait for (a retry may be late by hours: held for a 429's reset behind others in its tier, or while
     * the outage breaker is open), and as a redrive judges it.
     */
    static final Duration STALE_RETRY = Duration.ofDays(1);

    /** A valid command whose requestId may have taken effect under another command. */
    private static boolean isReused(Fingerprint fingerprint, StoredOutcome prior) {
        return prior.identity().fingerprint() != null
                && !fingerprint.hash().equals(prior.identity().fingerprint())
                && prior.mayHaveTakenEffect();
    }

    /**
     * Bounded as the API's messages are (it travels in a header and an outcome event; the earlier command may carry a
     * long description), with control characters as spaces; the whole earlier command is in its row.
     */
    private static String reused(Pending item, Fingerprint fingerprint, StoredOutcome prior) {
        return Printable.truncated(
                Printable.of(reusedInFull(item, fingerprint, prior)), ResponseClassifier.MAX_MESSAGE);
    }

    private static String reusedInFull(Pending item, Fingerprint fingerprint, StoredOutcome prior) {
        return "requestId " + item.requestId + " was used before for another command, which "
                + (prior.status() == OutcomeStatus.SUCCEEDED
                        ? "succeeded" + (prior.resourceId() == null ? "" : " (" + prior.resourceId() + ")")
                        : prior.status() == OutcomeStatus.RETRYING ? "is being retried" : "may have been applied")
                + ": this command " + fingerprint.hash() + " is not sent; the earlier one "
                + prior.identity().fingerprint() + " was " + prior.identity().command();
    }

    /** A call that failed in remit itself (a bug, not the API): retried like a transient failure, so it cannot hold its partition. */
    Processed failed(Pending item, Throwable e) {
        RetryHeaders headers = headersOf(item.record);
        if (item.firstAmbiguousAt == null) item.firstAmbiguousAt = clock.instant(); // it may have been sent
        Outcome outcome = new Outcome.Transient(0, "REMIT_ERROR", Causes.chain(e), null);
        return new Processed(
                item.record,
                item.requestId,
                item.parsed.typeName(),
                Processed.Provenance.FRESH,
                router.route(outcome, headers.attempt(), headers.rateLimited(), headers.codeRetries()),
                headers.attempt(),
                null,
                clock.instant());
    }

    private Processed call(Pending item, Command command, RetryHeaders headers) throws InterruptedException {
        ConsumerRecord<byte[], byte[]> record = item.record;
        int attempt = headers.attempt();
        // admitted inside the API's idempotency window, a call may wait (for the breaker, in line while intake is
        // halted) until past it: the window is asked again at the moment it would go
        Instant startedAt = clock.instant();
        ApiClient.Attempt answer = api.send(command, () -> !pastWindow(item));
        if (answer == null)
            return fresh(item, command.type().wireName(), outcomeUnknown(lastStatus(item.lookedUp), item), attempt - 1);
        Outcome outcome = answer.outcome();
        String code = switch (outcome) {
            case Outcome.Succeeded s -> null;
            case Outcome.Rejected r -> r.code();
            case Outcome.Transient t -> t.code();
            case Outcome.Halt h -> h.code();
        };
        metrics.apiCall(command.type().wireName(), outcome.status(), code, answer.latency());
        AttemptRecord attemptRecord = new AttemptRecord(
                command.requestId(),
                attempt,
                command.type().wireName(),
                outcome.status() == 0 ? null : outcome.status(),
                code,
                answer.latency().toMillis(),
                startedAt);
        return new Processed(
                record,
                command.requestId(),
                command.type().wireName(),
                Processed.Provenance.FRESH,
                router.route(outcome, attempt, headers.rateLimited(), headers.codeRetries()),
                attempt,
                attemptRecord,
                clock.instant());
    }

    private Decision replay(StoredOutcome prior) {
        int status = statusOf(prior);
        // a row not written by remit may have no code: a dead letter without one would fail its metric's tag
        String code = prior.errorCode() == null ? NO_CODE : prior.errorCode();
        if (prior.retry() instanceof StoredOutcome.Retry retry) {
            RetryLadder.Tier tier = ladder.byTopic(retry.topic()).orElse(ladder.longest());
            return new Decision.Retry(
                    tier,
                    retry.dueAt(),
                    prior.attempts() + 1,
                    retry.rateLimited(),
                    CodeRetries.parse(retry.codeRetries()),
                    retry.waitingFor(),
                    status,
                    code,
                    prior.errorMessage());
        }
        return new Decision.DeadLetter(status, code, prior.errorMessage());
    }

    /** The row a fresh decision leaves in {@code command_outcome}. */
    static StoredOutcome toStored(Pending pending) {
        ConsumerRecord<byte[], byte[]> r = pending.record;
        return switch (pending.decided().decision()) {
            case Decision.Complete c ->
                row(pending, OutcomeStatus.SUCCEEDED, c.status(), null, null, c.resourceId(), c.response(), null);
            case Decision.Retry retry ->
                row(
                        pending,
                        OutcomeStatus.RETRYING,
                        retry.status(),
                        retry.code(),
                        retry.message(),
                        null,
                        null,
                        new StoredOutcome.Retry(
                                retry.tier().topic(),
                                retry.dueAt(),
                                retry.rateLimited(),
                                retry.codeRetries().header(),
                                retry.waitingFor()));
            case Decision.DeadLetter d ->
                row(pending, OutcomeStatus.DEAD_LETTERED, d.status(), d.code(), d.message(), null, null, null);
            case Decision.Halt h ->
                throw new IllegalArgumentException("a halt is not stored: " + r.topic() + "/" + r.partition());
        };
    }

    /**
     * The last-resort row of a record PostgreSQL refused in its full form: a success stays a success, anything else is
     * the dead letter it became; every text printable ASCII, no answer body, invoice or retry.
     */
    static StoredOutcome toMinimalStored(Pending pending) {
        Processed p = pending.decided();
        ConsumerRecord<byte[], byte[]> r = p.record();
        OutcomeStatus status;
        int httpStatus;
        String code = null, message = null, resourceId = null;
        switch (p.decision()) {
            case Decision.Complete c -> {
                status = OutcomeStatus.SUCCEEDED;
                httpStatus = c.status();
                resourceId = c.resourceId();
            }
            case Decision.DeadLetter d -> {
                status = OutcomeStatus.DEAD_LETTERED;
                httpStatus = d.status();
                code = d.code();
                message = d.message();
            }
            default ->
                throw new IllegalArgumentException(
                        "only a success or a dead letter is stored minimal: " + p.decision());
        }
        return new StoredOutcome(
                StorableText.ascii(p.requestId(), 512),
                StorableText.ascii(p.commandType(), 128),
                status,
                p.attempts(),
                httpStatus == 0 ? null : httpStatus,
                StorableText.ascii(code, 64),
                StorableText.ascii(message, 1000),
                StorableText.ascii(resourceId, 256),
                null,
                null,
                new StoredOutcome.Source(r.topic(), r.partition(), r.offset()),
                p.decidedAt(),
                null,
                new StoredOutcome.Identity(
                        pending.fingerprint == null ? null : pending.fingerprint.hash(),
                        null,
                        pending.firstAmbiguousAt));
    }

    private static StoredOutcome row(
            Pending pending,
            OutcomeStatus status,
            int httpStatus,
            @Nullable String code,
            @Nullable String message,
            @Nullable String resourceId,
            @Nullable String response,
            StoredOutcome.@Nullable Retry retry) {
        Processed p = pending.decided();
        ConsumerRecord<byte[], byte[]> r = p.record();
        return new StoredOutcome(
                p.requestId(),
                p.commandType(),
                status,
                p.attempts(),
                httpStatus == 0 ? null : httpStatus,
                code,
                message,
                resourceId,
                response,
                invoiceOf(pending.parsed),
                new StoredOutcome.Source(r.topic(), r.partition(), r.offset()),
                p.decidedAt(),
                retry,
                identity(pending));
    }

    /** What the decision's command asked of the API, and when it first may have taken effect. */
    private static StoredOutcome.Identity identity(Pending pending) {
        Fingerprint fingerprint = pending.fingerprint;
        return new StoredOutcome.Identity(
                fingerprint == null ? null : fingerprint.hash(),
                fingerprint == null ? null : fingerprint.fields(),
                pending.firstAmbiguousAt);
    }

    /** The invoice a valid command names (approve, dispute, cancel, payment); null for an invoice creation or bad input. */
    static @Nullable String invoiceOf(ParsedCommand parsed) {
        if (!(parsed instanceof ParsedCommand.Valid valid)) return null;
        return switch (valid.command()) {
            case Command.InvoiceAction action -> action.invoiceId();
            case Command.CreatePayment payment -> payment.invoiceId();
            case Command.CreateInvoice create -> null;
        };
    }

    /** What remit's headers say of a record: a retry topic's are read; any other record is a first arrival. */
    private RetryHeaders headersOf(ConsumerRecord<byte[], byte[]> record) {
        return ladder.isRetryTopic(record.topic())
                ? RetryHeaders.read(record.headers(), ladder.maxAttempts())
                : RetryHeaders.FIRST;
    }

    private static int statusOf(StoredOutcome stored) {
        return stored.httpStatus() == null ? 0 : stored.httpStatus();
    }

    private static String requestId(ConsumerRecord<byte[], byte[]> record, ParsedCommand parsed) {
        String key = switch (parsed) {
            case ParsedCommand.Valid valid -> valid.command().requestId();
            case ParsedCommand.Invalid invalid -> invalid.requestId();
        };
        return key != null ? key : "@" + record.topic() + "/" + record.partition() + "/" + record.offset();
    }
}
