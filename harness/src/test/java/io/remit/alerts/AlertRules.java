package io.remit.alerts;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shipped alert rules made fast enough for a test, and nothing else: every {@code for} becomes {@value #FOR}, every
 * range or subquery window and offset in minutes ({@code [10m]}, {@code [2m:]}, {@code offset 10m}) becomes
 * {@value #WINDOW}, and the number before
 * {@code # threshold} (the one the chart's values replace) becomes the test's where {@link #THRESHOLDS} lowers it. The
 * expressions tested are the shipped ones; {@link #shape} proves no other token changed.
 */
final class AlertRules {
    static final String FOR = "5s";
    static final String WINDOW = "20s";

    /** Thresholds that need a fault longer or larger than a test's: lowered, with the same meaning. */
    static final Map<String, String> THRESHOLDS = Map.of(
            "RemitPartitionNotCommitting", "8", // seconds a record is held uncommitted (300 shipped)
            "RemitRetryBacklogGrowing", "10", // records waiting in a retry tier (100 shipped)
            "RemitConsumerLagGrowing", "50"); // records not yet consumed (1000 shipped)

    /**
     * Alerts no fault of {@code AlertsUnderFaultsIT} raises, each with why: the worker there receives no webhooks. To
     * exercise them it would run with {@code remit.webhooks.enabled=true} (a secret, a free webhook port) and add two
     * faults: more webhooks with a wrong signature than the threshold within the window, and, after an applied
     * webhook, the outcomes topic made unwritable (an ACL or a silenced broker proxy) while the relay runs.
     */
    static final Map<String, String> NOT_UNDER_FAULTS = Map.of(
            "RemitWebhookSignaturesRejected", "needs webhooks on and a sender of forged webhooks",
            "RemitSettlementsNotRelayed", "needs webhooks on, an applied webhook and Kafka refusing the relay");

    private static final Pattern ALERT = Pattern.compile("^\\s*- alert: (\\S+)");
    private static final Pattern THRESHOLD = Pattern.compile("[0-9][0-9.e+-]*(\\s*# threshold)");
    private static final Pattern FOR_LINE = Pattern.compile("^(\\s*for: )\\S+$");
    private static final Pattern RANGE = Pattern.compile("\\[[0-9]+m(:?)\\]");
    private static final Pattern OFFSET = Pattern.compile("offset [0-9]+m\\b");

    private AlertRules() {}

    static String forTestSpeed(String shipped) {
        StringBuilder out = new StringBuilder();
        String alert = null;
        for (String line : shipped.split("\n", -1)) {
            Matcher named = ALERT.matcher(line);
            if (named.find()) alert = named.group(1);
            String threshold = alert == null ? null : THRESHOLDS.get(alert);
            if (threshold != null) line = THRESHOLD.matcher(line).replaceAll(threshold + "$1");
            line = FOR_LINE.matcher(line).replaceAll("$1" + FOR);
            line = RANGE.matcher(line).replaceAll("[" + WINDOW + "$1]");
            line = OFFSET.matcher(line).replaceAll("offset " + WINDOW);
            out.append(line).append('\n');
        }
        String fast = out.substring(0, out.length() - 1);
        if (!shape(fast).equals(shape(shipped)))
            throw new IllegalStateException(
                    "the test's rules differ from the shipped ones beyond for, windows and thresholds");
        return fast;
    }

    /** The rules with every token the test may change blanked: equal for the shipped and the test's rules. */
    static String shape(String rules) {
        String blanked = THRESHOLD.matcher(rules).replaceAll("?$1");
        blanked = Pattern.compile("(?m)^(\\s*for: )\\S+$").matcher(blanked).replaceAll("$1?");
        blanked = Pattern.compile("offset [0-9]+[smh]\\b").matcher(blanked).replaceAll("offset ?");
        return Pattern.compile("\\[[0-9]+[smh](:?)\\]").matcher(blanked).replaceAll("[?$1]");
    }

    /** The alerts the rules define that some fault of the test must raise. */
    static List<String> exercised(String rules) {
        return names(rules).stream()
                .filter(name -> !NOT_UNDER_FAULTS.containsKey(name))
                .toList();
    }

    /** The alerts the rules define. */
    static List<String> names(String rules) {
        return rules.lines()
                .map(ALERT::matcher)
                .filter(Matcher::find)
                .map(m -> m.group(1))
                .toList();
    }
}
