package io.remit.chaos;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.remit.sandbox.InvoiceStatus;
import io.remit.sandbox.SandboxServer;
import io.remit.testing.Commands;

/**
 * The commands of a chaos run and what must become of each: 60 % invoices created, 15 %
 * approvals and 15 % payments of distinct invoices (all must succeed), 5 % the API refuses
 * (404/409) and 5 % invalid (both must be dead-lettered with their code).
 */
final class ChaosLoad {
    /** One command and its expected end: SUCCEEDED, or DEAD_LETTERED with {@code code}. */
    record Expected(String key, String value, String status, String code) {}

    final String run;
    final Map<String, Expected> byKey = new LinkedHashMap<>();

    ChaosLoad(String run, int commands, SandboxServer sandbox) {
        this.run = run;
        int approvals = commands * 15 / 100;
        int payments = commands * 15 / 100;
        List<String> submitted = sandbox.seedInvoices("conn_demo", approvals + 1, InvoiceStatus.SUBMITTED, "120.00", "EUR");
        List<String> approved = sandbox.seedInvoices("conn_demo", payments + 1, InvoiceStatus.APPROVED, "80.00", "EUR");
        int a = 0, p = 0;
        for (int n = 0; n < commands; n++) {
            String key = "c-" + run + "-" + n;
            int slot = n % 20;
            Expected expected;
            if (slot < 3 && a < approvals) {
                expected = new Expected(key, Commands.approve(submitted.get(a++)), "SUCCEEDED", null);
            } else if (slot < 6 && p < payments) {
                expected = new Expected(key, Commands.pay(approved.get(p++), "80.00", "EUR"), "SUCCEEDED", null);
            } else if (slot == 6) {
                boolean unknown = n % 40 == 6;
                expected = new Expected(key, Commands.createInvoice(unknown ? "conn_unknown" : "conn_demo_suspended", key, "10.00", "USD"),
                        "DEAD_LETTERED", unknown ? "CONNECTION_NOT_FOUND" : "CONNECTION_NOT_ACTIVE");
            } else if (slot == 7) {
                expected = new Expected(key, Commands.createInvoice("conn_demo", key, "1.005", "USD"), "DEAD_LETTERED", "COMMAND_INVALID");
            } else {
                expected = new Expected(key, Commands.createInvoice(key), "SUCCEEDED", null);
            }
            byKey.put(key, expected);
        }
    }

    List<Expected> inOrder() {
        return new ArrayList<>(byKey.values());
    }
}
