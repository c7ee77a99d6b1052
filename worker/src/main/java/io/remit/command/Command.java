package io.remit.command;

import java.time.LocalDate;
import org.jspecify.annotations.Nullable;

/** A validated command: what the ERP asked for, with the Kafka key as its {@code requestId}. */
public sealed interface Command {
    String requestId();

    CommandType type();

    /** {@code invoice.create} */
    record CreateInvoice(
            String requestId,
            String connectionId,
            String invoiceNumber,
            String amount,
            String currency,
            LocalDate dueDate,
            @Nullable String description)
            implements Command {
        @Override
        public CommandType type() {
            return CommandType.INVOICE_CREATE;
        }
    }

    /** {@code invoice.approve}, {@code invoice.dispute} or {@code invoice.cancel}, with an optional reason. */
    record InvoiceAction(
            String requestId,
            CommandType type,
            String invoiceId,
            @Nullable String reason) implements Command {}

    /** {@code payment.create} */
    record CreatePayment(String requestId, String invoiceId, String amount, String currency) implements Command {
        @Override
        public CommandType type() {
            return CommandType.PAYMENT_CREATE;
        }
    }
}
