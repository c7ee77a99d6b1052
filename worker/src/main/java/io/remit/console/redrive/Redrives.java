package io.remit.console.redrive;

import io.remit.console.OpsProperties;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What operators do with redrives, whether from the API or the page: plan one (a dry run only
 * counts), look at them, cancel one. Refuses a redrive of every dead letter, one without a
 * reason, and rates above {@code remit.ops.redrive.max-rate-per-second}. Who asked is in the audit
 * rows, not in the log.
 */
public final class Redrives {
    private static final Logger log = LoggerFactory.getLogger(Redrives.class);
    static final int MAX_REASON = 500;

    private final RedriveLedger ledger;
    private final RedriveRunner runner;
    private final OpsProperties.Redrive settings;

    public Redrives(RedriveLedger ledger, RedriveRunner runner, OpsProperties.Redrive settings) {
        this.ledger = ledger;
        this.runner = runner;
        this.settings = settings;
    }

    /** Records the request; a real one is then run in the background. Throws IllegalArgumentException on a bad request. */
    public RedriveView request(RedriveRequest request, String user) {
        if (request.filter().selectsEverything()) {
            throw new IllegalArgumentException(
                    "name codes, types, requestIds or a time range: a redrive of every dead letter is refused");
        }
        if (!request.dryRun() && request.reason() == null)
            throw new IllegalArgumentException("a redrive needs a reason");
        if (request.reason() != null && request.reason().length() > MAX_REASON) {
            throw new IllegalArgumentException("the reason is longer than " + MAX_REASON + " characters");
        }
        int rate = request.ratePerSecond() == null ? settings.defaultRatePerSecond() : request.ratePerSecond();
        if (rate < 1 || rate > settings.maxRatePerSecond()) {
            throw new IllegalArgumentException("ratePerSecond must be between 1 and " + settings.maxRatePerSecond());
        }
        UUID id = ledger.plan(request, rate, user);
        RedriveView planned = ledger.find(id).orElseThrow();
        log.info(
                "{} {}: {} dead letters match, {} eligible, {}/s{} (who and why: the redrive table)",
                request.dryRun() ? "dry run" : "redrive",
                id,
                planned.matched(),
                planned.eligible(),
                rate,
                request.force() ? ", forced" : "");
        if (!request.dryRun()) runner.wake();
        return planned;
    }

    public Optional<RedriveView> find(UUID id) {
        return ledger.find(id);
    }

    public List<RedriveLedger.Item> items(UUID id, int limit) {
        return ledger.items(id, limit);
    }

    public List<RedriveView> recent(int limit) {
        return ledger.recent(limit);
    }

    /** Cancels a running redrive; empty when there is no such redrive. */
    public Optional<RedriveView> cancel(UUID id, String user) {
        if (ledger.cancel(id, user)) log.info("redrive {} cancelled", id);
        return ledger.find(id);
    }
}
