package io.remit.testing;

import io.remit.sandbox.InvoiceStatus;
import io.remit.sandbox.SandboxServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A realistic mix of commands and what must become of each: invoices created, approvals and
 * payments of distinct seeded invoices (all must succeed), a share the API refuses (404/409) and
 * a share that is invalid (both must be dead-lettered with their code). Keys are {@code c-<run>-<n>}.
 */
public final class CommandMix {
    /** One command and its expected end: SUCCEEDED, or DEAD_LETTERED with {@code code}. */
    public record Expected(String key, String value, String status, String code) {}

    public final String run;
    public final Map<String, Expected> byKey = new LinkedHashMap<>();

    /**
     * 15 % approvals, 15 % payments, {@code refusedPercent} refused by the API, {@code invalidPercent}
     * invalid, the rest invoice creations.
     */
    public CommandMix(String run, int commands, SandboxServer sandbox, int refusedPercent, int invalidPercent) {
        this.run = run;
        int approvals = commands * 15 / 100;
        int payments = commands * 15 / 100;
        List<String> submitted =
                sandbox.seedInvoices("conn_demo", approvals + 1, InvoiceStatus.SUBMITTED, "120.00", "EUR");
        List<String> approved = sandbox.seedInvoices("conn_demo", payments + 1, InvoiceStatus.APPROVED, "80.00", "EUR");
        int a = 0, p = 0;
        for (int n = 0; n < commands; n++) {
            String key = "c-" + run + "-" + n;
            int slot = n % 100;
            Expected expected;
            if (slot < 15 && a < approvals) {
                expected = new Expected(key, Commands.approve(submitted.get(a++)), "SUCCEEDED", null);
            } else if (slot < 30 && p < payments) {
                expected = new Expected(key, Commands.pay(approved.get(p++), "80.00", "EUR"), "SUCCEEDED", null);
            } else if (slot >= 30 && slot < 30 + refusedPercent) {
                boolean unknown = n % 2 == 0;
                expected = new Expected(
                        key,
                        Commands.createInvoice(unknown ? "conn_unknown" : "conn_demo_suspended", key, "10.00", "USD"),
                        "DEAD_LETTERED",
                        unknown ? "CONNECTION_NOT_FOUND" : "CONNECTION_NOT_ACTIVE");
            } else if (slot >= 30 + refusedPercent && slot < 30 + refusedPercent + invalidPercent) {
                expected = new Expected(
                        key,
                        Commands.createInvoice("conn_demo", key, "1.005", "USD"),
                        "DEAD_LETTERED",
                        "COMMAND_INVALID");
            } else {
                expected = new Expected(key, Commands.createInvoice(key), "SUCCEEDED", null);
            }
            byKey.put(key, expected);
        }
    }

    public List<Expected> inOrder() {
        return new ArrayList<>(byKey.values());
    }
}
