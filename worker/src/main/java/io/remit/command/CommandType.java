package io.remit.command;

import java.util.Arrays;
import java.util.Optional;

/** The kinds of command remit accepts, by their wire name in the command's {@code type} field. */
public enum CommandType {
    /** Creates an invoice on a connection: {@code POST /api/v1/invoices}. */
    INVOICE_CREATE("invoice.create"),
    /** Approves a submitted or disputed invoice. */
    INVOICE_APPROVE("invoice.approve"),
    /** Disputes a submitted or approved invoice. */
    INVOICE_DISPUTE("invoice.dispute"),
    /** Cancels an invoice that is not settled. */
    INVOICE_CANCEL("invoice.cancel"),
    /** Pays an approved invoice: {@code POST /api/v1/payments}. */
    PAYMENT_CREATE("payment.create");

    /** The metric and column value for a command whose type could not be read. */
    public static final String UNKNOWN = "unknown";

    private final String wireName;

    CommandType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<CommandType> fromWireName(String name) {
        return Arrays.stream(values()).filter(t -> t.wireName.equals(name)).findFirst();
    }
}
