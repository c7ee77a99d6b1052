package io.remit.sandbox;

/** An invoice's place in its lifecycle: SUBMITTED → APPROVED → SETTLED, with DISPUTED and CANCELLED branches. */
public enum InvoiceStatus {
    SUBMITTED,
    APPROVED,
    DISPUTED,
    CANCELLED,
    SETTLED
}
