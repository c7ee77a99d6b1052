package io.remit.command;

import io.remit.Json;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a command asks the API for, as one value: its type and every field the API receives, in a canonical form
 * ({@link #fields}: a JSON object with its members sorted by name, absent and null alike, amounts as numbers, so that
 * {@code "10.0"} is {@code "10.00"}), and the SHA-256 of that form ({@link #hash}). Key order, whitespace, unknown fields
 * and the JSON's escaping do not change it; any field the API receives does. A requestId whose stored command has another
 * hash was reused for a different command.
 *
 * @param hash   {@code sha256:<64 hex digits>}
 * @param fields the canonical form, shown to a person beside another command of the same requestId
 */
public record Fingerprint(String hash, String fields) {

    public static Fingerprint of(Command command) {
        Map<String, String> fields = new TreeMap<>();
        fields.put("type", command.type().wireName());
        switch (command) {
            case Command.CreateInvoice c -> {
                fields.put("connectionId", c.connectionId());
                fields.put("invoiceNumber", c.invoiceNumber());
                fields.put("amount", amount(c.amount()));
                fields.put("currency", c.currency());
                fields.put("dueDate", c.dueDate().toString());
                if (c.description() != null) fields.put("description", c.description());
            }
            case Command.InvoiceAction a -> {
                fields.put("invoiceId", a.invoiceId());
                if (a.reason() != null) fields.put("reason", a.reason());
            }
            case Command.CreatePayment p -> {
                fields.put("invoiceId", p.invoiceId());
                fields.put("amount", amount(p.amount()));
                fields.put("currency", p.currency());
            }
        }
        String canonical = Json.MAPPER.writeValueAsString(fields);
        return new Fingerprint("sha256:" + HexFormat.of().formatHex(sha256(canonical)), canonical);
    }

    private static String amount(String amount) {
        return new BigDecimal(amount).stripTrailingZeros().toPlainString();
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
