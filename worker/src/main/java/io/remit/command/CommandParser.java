package io.remit.command;

import io.remit.Json;
import io.remit.Printable;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns a record's key and value bytes into a {@link ParsedCommand}. Never throws: whatever
 * arrives (random bytes, invalid UTF-8, deep or huge JSON, wrong types) becomes either a valid
 * command or an {@link ParsedCommand.Invalid} naming the problem. The rules are those of
 * {@code config/command.schema.json}; business rules (positive amounts, known currencies) are
 * the API's to judge.
 */
public final class CommandParser {
    public static final String MISSING_KEY = "COMMAND_MISSING_KEY";
    public static final String UNREADABLE = "COMMAND_UNREADABLE";
    public static final String INVALID = "COMMAND_INVALID";

    public static final int MAX_VALUE_BYTES = 64 * 1024;
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern AMOUNT = Pattern.compile("[0-9]{1,13}(\\.[0-9]{1,2})?");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final Pattern DATE = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
    private static final int MAX_NUMBER = 64;
    private static final int MAX_TEXT = 1000;

    private final JsonMapper json = Json.strict(StreamReadConstraints.builder()
            .maxNestingDepth(16)
            .maxStringLength(MAX_VALUE_BYTES)
            .maxNumberLength(64)
            .build());

    public ParsedCommand parse(byte @Nullable [] key, byte @Nullable [] value) {
        if (key == null || key.length == 0) {
            return new ParsedCommand.Invalid(
                    MISSING_KEY, "record has no key; the key is the requestId", null, CommandType.UNKNOWN);
        }
        String requestId = decodeKey(key);
        if (requestId == null) {
            return new ParsedCommand.Invalid(
                    INVALID, "key must be 1 to 128 characters of [A-Za-z0-9._:-]", null, CommandType.UNKNOWN);
        }
        if (value == null || value.length == 0) {
            return new ParsedCommand.Invalid(UNREADABLE, "value is empty", requestId, CommandType.UNKNOWN);
        }
        if (value.length > MAX_VALUE_BYTES) {
            return new ParsedCommand.Invalid(
                    UNREADABLE,
                    "value is " + value.length + " bytes; the limit is " + MAX_VALUE_BYTES,
                    requestId,
                    CommandType.UNKNOWN);
        }
        if (!isStrictUtf8(value)) {
            return new ParsedCommand.Invalid(
                    UNREADABLE, "value is not valid UTF-8 (or holds a NUL byte)", requestId, CommandType.UNKNOWN);
        }
        JsonNode body;
        try {
            body = json.readTree(value);
        } catch (JacksonException e) {
            return new ParsedCommand.Invalid(
                    UNREADABLE,
                    "value is not UTF-8 JSON: " + Printable.of(e.getOriginalMessage()),
                    requestId,
                    CommandType.UNKNOWN);
        }
        if (body == null || !body.isObject()) {
            return new ParsedCommand.Invalid(UNREADABLE, "value is not a JSON object", requestId, CommandType.UNKNOWN);
        }
        try {
            return new ParsedCommand.Valid(command(requestId, body));
        } catch (InvalidField e) {
            return new ParsedCommand.Invalid(
                    INVALID, Objects.requireNonNull(e.getMessage(), "an InvalidField says why"), requestId, e.type);
        }
    }

    private static @Nullable String decodeKey(byte[] key) {
        if (key.length > 128) return null;
        String text = Utf8.decode(key);
        return text != null && REQUEST_ID.matcher(text).matches() ? text : null;
    }

    /**
     * Whether the bytes are UTF-8 that JSON may be, read by the JDK's strict decoder (Jackson tolerates some malformed
     * UTF-8, overlong forms), and hold no NUL byte, which JSON never holds raw (in a string it is escaped) and which
     * UTF-16 and UTF-32 text of ASCII is full of; the parser would otherwise detect and read those.
     */
    private static boolean isStrictUtf8(byte[] bytes) {
        boolean ascii = true;
        for (byte b : bytes) {
            if (b == 0) return false;
            if (b < 0) ascii = false;
        }
        return ascii || Utf8.decode(bytes) != null;
    }

    private static Command command(String requestId, JsonNode body) {
        JsonNode typeNode = body.get("type");
        if (typeNode == null || !typeNode.isString()) {
            throw new InvalidField(CommandType.UNKNOWN, "type is required and must be a string");
        }
        CommandType type = CommandType.fromWireName(typeNode.stringValue())
                .orElseThrow(() -> new InvalidField(
                        CommandType.UNKNOWN,
                        "type must be one of "
                                + Arrays.stream(CommandType.values())
                                        .map(CommandType::wireName)
                                        .toList()));
        Fields fields = new Fields(type, body);
        return switch (type) {
            case INVOICE_CREATE ->
                new Command.CreateInvoice(
                        requestId,
                        fields.id("connectionId"),
                        fields.invoiceNumber(),
                        fields.amount(),
                        fields.currency(),
                        fields.date("dueDate"),
                        fields.optionalText("description"));
            case INVOICE_APPROVE, INVOICE_DISPUTE, INVOICE_CANCEL ->
                new Command.InvoiceAction(requestId, type, fields.id("invoiceId"), fields.optionalText("reason"));
            case PAYMENT_CREATE ->
                new Command.CreatePayment(requestId, fields.id("invoiceId"), fields.amount(), fields.currency());
        };
    }

    /** Reads one command's fields, each failure naming the field and what it must be. */
    private record Fields(CommandType type, JsonNode body) {
        String id(String field) {
            String text = text(field);
            if (!ID.matcher(text).matches()) throw invalid(field + " must be 1 to 64 characters of [A-Za-z0-9_.:-]");
            // an id may become a path segment: "." and ".." would walk the API's path to another route
            if (text.equals(".") || text.equals("..")) throw invalid(field + " must not be \".\" or \"..\"");
            return text;
        }

        String invoiceNumber() {
            String text = text("invoiceNumber");
            if (text.isBlank() || characters(text) > MAX_NUMBER)
                throw invalid("invoiceNumber must be 1 to " + MAX_NUMBER + " characters");
            return text;
        }

        String amount() {
            String text = text("amount");
            if (!AMOUNT.matcher(text).matches()) {
                throw invalid("amount must be a decimal string with at most 2 places, such as \"1500.00\"");
            }
            return text;
        }

        String currency() {
            String text = text("currency");
            if (!CURRENCY.matcher(text).matches()) throw invalid("currency must be an ISO-4217 code such as \"USD\"");
            return text;
        }

        LocalDate date(String field) {
            String text = text(field);
            if (!DATE.matcher(text).matches()) throw invalid(field + " must be a date as YYYY-MM-DD");
            try {
                return LocalDate.parse(text);
            } catch (DateTimeParseException e) {
                throw invalid(field + " must be a date as YYYY-MM-DD");
            }
        }

        @Nullable
        String optionalText(String field) {
            JsonNode node = body.get(field);
            if (node == null || node.isNull()) return null;
            if (!node.isString() || characters(node.stringValue()) > MAX_TEXT) {
                throw invalid(field + " must be a string of at most " + MAX_TEXT + " characters");
            }
            return unicode(field, node.stringValue());
        }

        private String text(String field) {
            JsonNode node = body.get(field);
            if (node == null || node.isNull()) throw invalid(field + " is required");
            if (!node.isString()) throw invalid(field + " must be a string");
            return unicode(field, node.stringValue());
        }

        /** JSON may escape half a surrogate pair ({@code "\ud800"}): such text cannot be sent as UTF-8. */
        private String unicode(String field, String text) {
            if (Printable.hasUnpairedSurrogate(text))
                throw invalid(field + " must be Unicode text (it has half a surrogate pair)");
            return text;
        }

        /** Characters as JSON Schema counts them: code points, not UTF-16 units. */
        private static int characters(String text) {
            return text.codePointCount(0, text.length());
        }

        private InvalidField invalid(String message) {
            return new InvalidField(type.wireName(), message);
        }
    }

    private static final class InvalidField extends RuntimeException {
        final String type;

        InvalidField(String type, String message) {
            super(message, null, false, false);
            this.type = type;
        }
    }
}
