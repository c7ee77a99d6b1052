package io.remit.sandbox;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The payments domain the sandbox serves: connections with buyer balances, invoices and their
 * lifecycle (SUBMITTED → APPROVED → SETTLED, with DISPUTED and CANCELLED branches), and
 * payments. Every method either returns the response body of a success or throws an
 * {@link ApiError} with the documented status and code. Thread-safe.
 */
final class Expereon {
    static final Set<String> CURRENCIES = Set.of("USD", "EUR", "GBP", "CHF", "JPY", "CAD", "AUD", "SEK", "NOK", "DKK");
    private static final Pattern AMOUNT = Pattern.compile("-?\\d{1,20}(\\.\\d{1,20})?");
    private static final BigDecimal MAX_AMOUNT = new BigDecimal("1000000000000");

    private static final class Connection {
        final String id;
        final String status;
        final Map<String, BigDecimal> balances = new ConcurrentHashMap<>();

        Connection(String id, String status) {
            this.id = id;
            this.status = status;
        }
    }

    private static final class Invoice {
        final String id;
        final long sequence;
        final Connection connection;
        final String invoiceNumber;
        final BigDecimal amount;
        final String currency;
        final LocalDate dueDate;
        final String description;
        final Instant createdAt = Instant.now();
        InvoiceStatus status = InvoiceStatus.SUBMITTED;
        Instant updatedAt = createdAt;

        Invoice(
                String id,
                long sequence,
                Connection connection,
                String invoiceNumber,
                BigDecimal amount,
                String currency,
                LocalDate dueDate,
                String description) {
            this.id = id;
            this.sequence = sequence;
            this.connection = connection;
            this.invoiceNumber = invoiceNumber;
            this.amount = amount;
            this.currency = currency;
            this.dueDate = dueDate;
            this.description = description;
        }
    }

    private final Map<String, Connection> connections = new ConcurrentHashMap<>();
    private final Map<String, Invoice> invoices = new ConcurrentHashMap<>();
    private final ConcurrentSkipListMap<Long, Invoice> invoicesInOrder = new ConcurrentSkipListMap<>();
    private final Set<String> invoiceNumbers = ConcurrentHashMap.newKeySet();
    private final AtomicLong sequence = new AtomicLong();

    Expereon() {
        seedConnections();
    }

    private void seedConnections() {
        connection("conn_demo", "ACTIVE", "1000000000000.00");
        connection("conn_demo_poor", "ACTIVE", "10.00");
        connection("conn_demo_suspended", "SUSPENDED", "1000000.00");
        connection("conn_demo_archived", "ARCHIVED", "1000000.00");
    }

    private void connection(String id, String status, String balance) {
        Connection connection = new Connection(id, status);
        CURRENCIES.forEach(currency -> connection.balances.put(currency, new BigDecimal(balance)));
        connections.put(id, connection);
    }

    void setBalance(String connectionId, String currency, BigDecimal amount) {
        Connection connection = connections.get(connectionId);
        if (connection == null) throw new IllegalArgumentException("no connection " + connectionId);
        synchronized (connection) {
            connection.balances.put(currency, amount);
        }
    }

    /** Forgets every invoice and restores the seeded connections and balances. */
    void reset() {
        invoices.clear();
        invoicesInOrder.clear();
        invoiceNumbers.clear();
        connections.clear();
        seedConnections();
    }

    Map<String, Object> createInvoice(JsonNode body) {
        String connectionId = requiredText(body, "connectionId");
        String invoiceNumber = requiredText(body, "invoiceNumber");
        if (invoiceNumber.length() > 64)
            throw ApiError.invalidRequest("invoiceNumber", "invoiceNumber is longer than 64 characters");
        BigDecimal amount = amount(body);
        String currency = currency(body);
        LocalDate dueDate = dueDate(body);
        String description = optionalText(body, "description");
        Connection connection = activeConnection(connectionId);
        if (!invoiceNumbers.add(connectionId + '\u0000' + invoiceNumber)) {
            throw new ApiError(
                    409,
                    "INVOICE_DUPLICATE_NUMBER",
                    "Invoice number " + invoiceNumber + " already exists for connection " + connectionId);
        }
        return view(newInvoice(connection, invoiceNumber, amount, currency, dueDate, description));
    }

    private Invoice newInvoice(
            Connection connection,
            String number,
            BigDecimal amount,
            String currency,
            LocalDate dueDate,
            String description) {
        long seq = sequence.incrementAndGet();
        String id = "inv_" + Long.toString(seq, 36)
                + Long.toString(Math.floorMod(System.nanoTime() ^ (seq * 0x9E3779B97F4A7C15L), 36L * 36 * 36 * 36), 36);
        Invoice invoice = new Invoice(id, seq, connection, number, amount, currency, dueDate, description);
        invoices.put(id, invoice);
        invoicesInOrder.put(seq, invoice);
        return invoice;
    }

    /** Creates invoices directly (no request, no ledger entry) for tests and feeders. */
    List<String> seedInvoices(String connectionId, int count, InvoiceStatus status, String amount, String currency) {
        Connection connection = connections.get(connectionId);
        if (connection == null)
            throw new ApiError(404, "CONNECTION_NOT_FOUND", "Connection " + connectionId + " not found");
        List<String> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Invoice invoice = newInvoice(
                    connection,
                    "SEED-" + sequence.get() + "-" + i,
                    new BigDecimal(amount),
                    currency,
                    LocalDate.now().plusDays(30),
                    "seeded");
            invoice.status = status;
            ids.add(invoice.id);
        }
        return ids;
    }

    Map<String, Object> getInvoice(String id) {
        return view(invoice(id));
    }

    Map<String, Object> listInvoices(int page, int limit) {
        if (page < 0) throw ApiError.invalidRequest("page", "page must be 0 or more");
        if (limit < 1 || limit > 100) throw ApiError.invalidRequest("limit", "limit must be between 1 and 100");
        List<Object> items = invoicesInOrder.values().stream()
                .skip((long) page * limit)
                .limit(limit)
                .map(Expereon::view)
                .map(Object.class::cast)
                .toList();
        int total = invoicesInOrder.size();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", items);
        body.put("totalCount", total);
        body.put("totalPages", (total + limit - 1) / limit);
        body.put("page", page);
        body.put("limit", limit);
        return body;
    }

    /** approve, dispute or cancel, each allowed only from the statuses the lifecycle permits. */
    Map<String, Object> act(String invoiceId, String action) {
        Invoice invoice = invoice(invoiceId);
        synchronized (invoice) {
            InvoiceStatus next = switch (action) {
                case "approve" ->
                    transition(invoice, InvoiceStatus.APPROVED, InvoiceStatus.SUBMITTED, InvoiceStatus.DISPUTED);
                case "dispute" ->
                    transition(invoice, InvoiceStatus.DISPUTED, InvoiceStatus.SUBMITTED, InvoiceStatus.APPROVED);
                case "cancel" ->
                    transition(
                            invoice,
                            InvoiceStatus.CANCELLED,
                            InvoiceStatus.SUBMITTED,
                            InvoiceStatus.APPROVED,
                            InvoiceStatus.DISPUTED);
                default -> throw new ApiError(404, "NOT_FOUND", "No such invoice action: " + action);
            };
            invoice.status = next;
            invoice.updatedAt = Instant.now();
            return view(invoice);
        }
    }

    private static InvoiceStatus transition(Invoice invoice, InvoiceStatus to, InvoiceStatus... from) {
        for (InvoiceStatus allowed : from) {
            if (invoice.status == allowed) return to;
        }
        throw new ApiError(
                409,
                "INVOICE_INVALID_STATUS",
                "Invoice " + invoice.id + " is " + invoice.status + "; cannot become " + to,
                Map.of("status", invoice.status.name()));
    }

    Map<String, Object> pay(JsonNode body) {
        Invoice invoice = invoice(requiredText(body, "invoiceId"));
        BigDecimal amount = amount(body);
        String currency = currency(body);
        synchronized (invoice) {
            if (invoice.status == InvoiceStatus.SETTLED) {
                throw new ApiError(409, "PAYMENT_ALREADY_SETTLED", "Invoice " + invoice.id + " has already been paid");
            }
            if (invoice.status != InvoiceStatus.APPROVED) {
                throw new ApiError(
                        409,
                        "INVOICE_INVALID_STATUS",
                        "Invoice " + invoice.id + " is " + invoice.status + "; only APPROVED invoices can be paid",
                        Map.of("status", invoice.status.name()));
            }
            if (!currency.equals(invoice.currency) || amount.compareTo(invoice.amount) != 0) {
                throw new ApiError(
                        422,
                        "PAYMENT_AMOUNT_MISMATCH",
                        "Payment must be " + invoice.amount.toPlainString() + " " + invoice.currency);
            }
            debit(invoice.connection, currency, amount);
            invoice.status = InvoiceStatus.SETTLED;
            invoice.updatedAt = Instant.now();
            Map<String, Object> payment = new LinkedHashMap<>();
            payment.put("id", "pay_" + invoice.id.substring(4));
            payment.put("invoiceId", invoice.id);
            payment.put("amount", amount.toPlainString());
            payment.put("currency", currency);
            payment.put("status", "SETTLED");
            payment.put("createdAt", invoice.updatedAt.toString());
            return payment;
        }
    }

    private static void debit(Connection connection, String currency, BigDecimal amount) {
        synchronized (connection) {
            BigDecimal balance = connection.balances.getOrDefault(currency, BigDecimal.ZERO);
            if (balance.compareTo(amount) < 0) {
                throw new ApiError(
                        409,
                        "INSUFFICIENT_BALANCE",
                        "Not enough funds to pay " + amount.toPlainString() + " " + currency,
                        Map.of("available", balance.toPlainString()));
            }
            connection.balances.put(currency, balance.subtract(amount));
        }
    }

    private Invoice invoice(String id) {
        Invoice invoice = invoices.get(id);
        if (invoice == null) throw new ApiError(404, "INVOICE_NOT_FOUND", "Invoice with ID " + id + " not found");
        return invoice;
    }

    private Connection activeConnection(String id) {
        Connection connection = connections.get(id);
        if (connection == null) throw new ApiError(404, "CONNECTION_NOT_FOUND", "Connection " + id + " not found");
        if (!connection.status.equals("ACTIVE")) {
            throw new ApiError(409, "CONNECTION_NOT_ACTIVE", "Connection " + id + " is " + connection.status);
        }
        return connection;
    }

    private static BigDecimal amount(JsonNode body) {
        JsonNode node = body.get("amount");
        if (node == null || node.isNull()) throw ApiError.invalidRequest("amount", "amount is required");
        if (!node.isString() || !AMOUNT.matcher(node.stringValue()).matches()) {
            throw new ApiError(400, "INVOICE_INVALID_AMOUNT", "Amount must be a decimal string such as \"1500.00\"");
        }
        BigDecimal amount = new BigDecimal(node.stringValue());
        if (amount.signum() <= 0 || amount.scale() > 2 || amount.compareTo(MAX_AMOUNT) > 0) {
            throw new ApiError(400, "INVOICE_INVALID_AMOUNT", "Amount must be positive with max 2 decimal places");
        }
        return amount;
    }

    private static String currency(JsonNode body) {
        String currency = requiredText(body, "currency");
        if (!CURRENCIES.contains(currency)) {
            throw new ApiError(422, "CURRENCY_NOT_SUPPORTED", "Currency " + currency + " is not supported");
        }
        return currency;
    }

    private static LocalDate dueDate(JsonNode body) {
        String text = requiredText(body, "dueDate");
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw ApiError.invalidRequest("dueDate", "dueDate must be a date as YYYY-MM-DD");
        }
    }

    private static String requiredText(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) throw ApiError.invalidRequest(field, field + " is required");
        if (!node.isString() || node.stringValue().isBlank()) {
            throw ApiError.invalidRequest(field, field + " must be a non-empty string");
        }
        return node.stringValue();
    }

    private static String optionalText(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) return null;
        if (!node.isString()) throw ApiError.invalidRequest(field, field + " must be a string");
        return node.stringValue();
    }

    private static Map<String, Object> view(Invoice invoice) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", invoice.id);
        view.put("invoiceNumber", invoice.invoiceNumber);
        view.put("status", invoice.status.name());
        view.put("amount", invoice.amount.toPlainString());
        view.put("currency", invoice.currency);
        view.put("connectionId", invoice.connection.id);
        view.put("buyerOrganizationId", "org_buyer_" + invoice.connection.id.substring(5));
        view.put("sellerOrganizationId", "org_seller_" + invoice.connection.id.substring(5));
        view.put("dueDate", invoice.dueDate.toString());
        view.put("description", invoice.description);
        view.put("createdAt", invoice.createdAt.toString());
        view.put("updatedAt", invoice.updatedAt.toString());
        return view;
    }
}
