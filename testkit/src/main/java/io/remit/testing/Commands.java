package io.remit.testing;

/** Command values as an ERP would publish them. */
public final class Commands {
    private Commands() {}

    public static String createInvoice(String invoiceNumber) {
        return createInvoice("conn_demo", invoiceNumber, "1500.00", "USD");
    }

    public static String createInvoice(String connectionId, String invoiceNumber, String amount, String currency) {
        return """
                {"type":"invoice.create","connectionId":"%s","invoiceNumber":"%s","amount":"%s","currency":"%s","dueDate":"2026-12-31","description":"Consulting"}""".formatted(connectionId, invoiceNumber, amount, currency);
    }

    public static String approve(String invoiceId) {
        return "{\"type\":\"invoice.approve\",\"invoiceId\":\"" + invoiceId + "\"}";
    }

    public static String pay(String invoiceId, String amount, String currency) {
        return """
                {"type":"payment.create","invoiceId":"%s","amount":"%s","currency":"%s"}""".formatted(invoiceId, amount, currency);
    }
}
