package io.remit.sandbox;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How the sandbox misbehaves on purpose, and how tightly it rate-limits. Immutable: the
 * server swaps the whole value when an operator changes it, so a request sees one coherent
 * setting. Probabilities are per request, between 0 and 1.
 *
 * @param latency      {@code none}, {@code fixed} (latencyMs), {@code uniform} (latencyMs..latencyMaxMs),
 *                     {@code longtail} (log-normal, median latencyMs, p99 latencyMaxMs) or {@code tail}
 *                     (latencyMs, except a share latencyTailShare of requests that take latencyMaxMs and
 *                     then answer normally: a slow tail that is not a failure)
 * @param latencyTailShare in mode {@code tail}, the probability that a request takes latencyMaxMs (default 0.01)
 * @param error500     answer 500 ({@code PAYMENT_FAILED} on payments) without any effect
 * @param hang         hold the request for hangMs, then answer 504, without any effect
 * @param burst429     start a burst: every request of the key gets 429 for burst429Ms
 * @param lost         apply the effect, then lose the answer as {@code lostAs} says:
 *                     {@code 5xx}, {@code hang}, {@code drop} (close the connection) or {@code mix}
 * @param rateLimit    requests per key per window of rateWindowMs
 * @param resetFormat  {@code epoch} (X-RateLimit-Reset in epoch seconds) or {@code delta} (seconds to wait)
 * @param webhookDuplicate    per webhook event: deliver it (same id, same body) a second time after it succeeded
 * @param webhookReorder      per {@code invoice.approved}: hold it until the invoice's {@code invoice.settled}
 *                            was delivered, or for at most webhookReorderHoldMs (default 1000)
 * @param webhookDelayMs      a webhook event's first attempt waits between webhookDelayMs and webhookDelayMaxMs
 * @param webhookBadSignature per webhook event: the first attempt is signed with a wrong key
 * @param webhookFailedShare  per payment: announce {@code payment.failed} (and no {@code invoice.settled})
 *                            instead of {@code payment.settled}; the API's own answer is unchanged
 */
public record Faults(
        String latency,
        long latencyMs,
        long latencyMaxMs,
        double latencyTailShare,
        double error500,
        double error502,
        double error503,
        double error504,
        double hang,
        long hangMs,
        double burst429,
        long burst429Ms,
        double lost,
        String lostAs,
        int rateLimit,
        long rateWindowMs,
        String resetFormat,
        double webhookDuplicate,
        double webhookReorder,
        long webhookReorderHoldMs,
        long webhookDelayMs,
        long webhookDelayMaxMs,
        double webhookBadSignature,
        double webhookFailedShare) {

    public static final Faults NONE = new Faults(
            "none", 0, 0, 0.01, 0, 0, 0, 0, 0, 30_000, 0, 1_000, 0, "mix", 1_000_000, 1_000, "epoch", 0, 0, 1_000, 0, 0,
            0, 0);

    public Faults {
        if (!java.util.Set.of("none", "fixed", "uniform", "longtail", "tail").contains(latency)) {
            throw new IllegalArgumentException("latency must be none, fixed, uniform, longtail or tail: " + latency);
        }
        if (!(latencyTailShare >= 0 && latencyTailShare <= 1)) {
            throw new IllegalArgumentException("latencyTailShare must be between 0 and 1: " + latencyTailShare);
        }
        if (!java.util.Set.of("mix", "5xx", "hang", "drop").contains(lostAs)) {
            throw new IllegalArgumentException("lostAs must be mix, 5xx, hang or drop: " + lostAs);
        }
        if (!resetFormat.equals("epoch") && !resetFormat.equals("delta")) {
            throw new IllegalArgumentException("resetFormat must be epoch or delta: " + resetFormat);
        }
        if (rateLimit < 1 || rateWindowMs < 1) {
            throw new IllegalArgumentException("rateLimit and rateWindowMs must be positive");
        }
        if (webhookDelayMs < 0 || webhookDelayMaxMs < 0 || webhookReorderHoldMs < 0) {
            throw new IllegalArgumentException("webhook delays must be 0 or more");
        }
    }

    /** How long a webhook event waits before its first attempt. */
    Duration sampleWebhookDelay() {
        long spread = webhookDelayMaxMs - webhookDelayMs;
        long ms = webhookDelayMs + (spread > 0 ? ThreadLocalRandom.current().nextLong(spread + 1) : 0);
        return Duration.ofMillis(ms);
    }

    /** How long this request should take before it is answered. */
    Duration sampleLatency() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long ms = switch (latency) {
            case "fixed" -> latencyMs;
            case "uniform" ->
                latencyMs + (latencyMaxMs > latencyMs ? random.nextLong(latencyMaxMs - latencyMs + 1) : 0);
            case "longtail" -> {
                double sigma =
                        Math.log(Math.max(latencyMaxMs, latencyMs + 1) / (double) Math.max(latencyMs, 1)) / 2.326;
                yield Math.round(Math.max(latencyMs, 1) * Math.exp(sigma * random.nextGaussian()));
            }
            case "tail" -> chance(latencyTailShare) ? latencyMaxMs : latencyMs;
            default -> 0;
        };
        return Duration.ofMillis(ms);
    }

    /** The status of an injected server error for this request, or 0 for none. */
    int sampleServerError() {
        double p = ThreadLocalRandom.current().nextDouble();
        if ((p -= error500) < 0) return 500;
        if ((p -= error502) < 0) return 502;
        if ((p -= error503) < 0) return 503;
        if ((p -= error504) < 0) return 504;
        return 0;
    }

    static boolean chance(double probability) {
        return probability > 0 && ThreadLocalRandom.current().nextDouble() < probability;
    }

    /** How an applied effect's answer is lost this time: 5xx, hang or drop. */
    String sampleLostAs() {
        if (!lostAs.equals("mix")) return lostAs;
        return switch (ThreadLocalRandom.current().nextInt(3)) {
            case 0 -> "5xx";
            case 1 -> "hang";
            default -> "drop";
        };
    }
}
