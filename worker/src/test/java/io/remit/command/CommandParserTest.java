package io.remit.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every outcome of {@link CommandParser}: a command, or the one code that says why not, and never an exception. */
class CommandParserTest {
    private static final String KEY = "req-1";
    private static final String CREATE = """
            {"type":"invoice.create","connectionId":"conn_demo","invoiceNumber":"INV-1","amount":"1500.00","currency":"USD","dueDate":"2026-12-31"%s}""";
    private static final String PAY = """
            {"type":"payment.create","invoiceId":"inv_1","amount":%s,"currency":%s}""";

    private final CommandParser parser = new CommandParser();

    static Stream<Arguments> validCommands() {
        return Stream.of(
                argumentSet(
                        "invoice.create with a description",
                        CREATE.formatted(",\"description\":\"Consulting\""),
                        new Command.CreateInvoice(
                                KEY, "conn_demo", "INV-1", "1500.00", "USD", LocalDate.of(2026, 12, 31), "Consulting")),
                argumentSet(
                        "invoice.create without a description",
                        CREATE.formatted(""),
                        new Command.CreateInvoice(
                                KEY, "conn_demo", "INV-1", "1500.00", "USD", LocalDate.of(2026, 12, 31), null)),
                argumentSet(
                        "invoice.create with a null description",
                        CREATE.formatted(",\"description\":null"),
                        new Command.CreateInvoice(
                                KEY, "conn_demo", "INV-1", "1500.00", "USD", LocalDate.of(2026, 12, 31), null)),
                argumentSet(
                        "invoice.create ignoring unknown fields and a requestId in the value",
                        CREATE.formatted(",\"requestId\":\"other\",\"priority\":7,\"meta\":{\"tags\":[1,2]}"),
                        new Command.CreateInvoice(
                                KEY, "conn_demo", "INV-1", "1500.00", "USD", LocalDate.of(2026, 12, 31), null)),
                argumentSet(
                        "invoice.create at every length limit",
                        """
                        {"type":"invoice.create","connectionId":"%s","invoiceNumber":"%s","amount":"9999999999999.99","currency":"EUR","dueDate":"2024-02-29","description":"%s"}""".formatted("c".repeat(64), "N".repeat(64), "d".repeat(1000)),
                        new Command.CreateInvoice(
                                KEY,
                                "c".repeat(64),
                                "N".repeat(64),
                                "9999999999999.99",
                                "EUR",
                                LocalDate.of(2024, 2, 29),
                                "d".repeat(1000))),
                argumentSet(
                        "invoice.approve",
                        "{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\"}",
                        new Command.InvoiceAction(KEY, CommandType.INVOICE_APPROVE, "inv_1", null)),
                argumentSet(
                        "invoice.dispute with a reason",
                        "{\"type\":\"invoice.dispute\",\"invoiceId\":\"inv_1\",\"reason\":\"wrong amount\"}",
                        new Command.InvoiceAction(KEY, CommandType.INVOICE_DISPUTE, "inv_1", "wrong amount")),
                argumentSet(
                        "invoice.cancel with every id character and an unknown field",
                        "{\"type\":\"invoice.cancel\",\"invoiceId\":\"Inv_9.a:b-c\",\"source\":\"erp\"}",
                        new Command.InvoiceAction(KEY, CommandType.INVOICE_CANCEL, "Inv_9.a:b-c", null)),
                argumentSet(
                        "payment.create",
                        PAY.formatted("\"1500.5\"", "\"USD\""),
                        new Command.CreatePayment(KEY, "inv_1", "1500.5", "USD")),
                argumentSet(
                        "payment.create of a whole amount",
                        PAY.formatted("\"0\"", "\"JPY\""),
                        new Command.CreatePayment(KEY, "inv_1", "0", "JPY")));
    }

    @ParameterizedTest
    @MethodSource("validCommands")
    void readsEveryFieldOfAValidCommand(String value, Command expected) {
        assertThat(parse(KEY, value)).isEqualTo(new ParsedCommand.Valid(expected));
    }

    static Stream<String> requestIds() {
        return Stream.of("a", "Req.1:2-3_x", "k".repeat(128));
    }

    @ParameterizedTest
    @MethodSource("requestIds")
    void takesTheRequestIdFromTheKey(String key) {
        ParsedCommand parsed = parse(key, "{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\"}");

        assertThat(parsed)
                .isInstanceOfSatisfying(
                        ParsedCommand.Valid.class,
                        valid -> assertThat(valid.command().requestId()).isEqualTo(key));
    }

    static Stream<Arguments> missingKeys() {
        return Stream.of(argumentSet("null key", (Object) null), argumentSet("empty key", (Object) new byte[0]));
    }

    @ParameterizedTest
    @MethodSource("missingKeys")
    void refusesARecordWithoutAKey(byte[] key) {
        ParsedCommand parsed = parser.parse(key, bytes("{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\"}"));

        assertThat(parsed)
                .isEqualTo(new ParsedCommand.Invalid(
                        CommandParser.MISSING_KEY,
                        "record has no key; the key is the requestId",
                        null,
                        CommandType.UNKNOWN));
    }

    static Stream<Arguments> badKeys() {
        return Stream.of(
                argumentSet("a space", bytes("req 1")),
                argumentSet("129 characters", bytes("k".repeat(129))),
                argumentSet("invalid UTF-8", new byte[] {'r', (byte) 0xC3, 0x28}),
                argumentSet("a slash", bytes("tenant/req-1")),
                argumentSet("a non-ASCII letter", bytes("réq-1")));
    }

    @ParameterizedTest
    @MethodSource("badKeys")
    void refusesAKeyThatIsNotARequestId(byte[] key) {
        ParsedCommand parsed = parser.parse(key, bytes("{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\"}"));

        assertThat(parsed).isInstanceOfSatisfying(ParsedCommand.Invalid.class, invalid -> {
            assertThat(invalid.code()).isEqualTo(CommandParser.INVALID);
            assertThat(invalid.message()).startsWith("key ");
            assertThat(invalid.requestId()).isNull();
            assertThat(invalid.type()).isEqualTo(CommandType.UNKNOWN);
        });
    }

    static Stream<Arguments> unreadableValues() {
        return Stream.of(
                argumentSet("no value", (Object) null),
                argumentSet("an empty value", new byte[0]),
                argumentSet("random bytes", noise(7, 64)),
                argumentSet(
                        "invalid UTF-8 inside a JSON string",
                        concat(
                                "{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\",\"reason\":\"",
                                new byte[] {(byte) 0xFF},
                                "\"}")),
                argumentSet(
                        "a truncated UTF-8 sequence inside a JSON string",
                        concat(
                                "{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\",\"reason\":\"",
                                new byte[] {(byte) 0xC3},
                                "\"}")),
                argumentSet("a JSON array", bytes("[{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\"}]")),
                argumentSet("a JSON string", bytes("\"invoice.approve\"")),
                argumentSet("JSON null", bytes("null")),
                argumentSet("only whitespace", bytes("  \n ")),
                argumentSet("1000 levels of nesting", bytes("[".repeat(1000) + "]".repeat(1000))),
                argumentSet(
                        "1000 levels of nesting inside a command",
                        bytes("{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\",\"x\":" + "{\"a\":".repeat(1000)
                                + "1" + "}".repeat(1000) + "}")),
                argumentSet(
                        "a value over 64 KiB",
                        bytes("{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\",\"padding\":\""
                                + "x".repeat(CommandParser.MAX_VALUE_BYTES) + "\"}")),
                argumentSet(
                        "a duplicate key",
                        bytes("{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\",\"invoiceId\":\"inv_2\"}")),
                argumentSet(
                        "a duplicate key in a nested object",
                        bytes("{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\",\"x\":{\"a\":1,\"a\":2}}")),
                argumentSet(
                        "a second JSON value after the object",
                        bytes("{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\"} {\"type\":\"invoice.cancel\"}")),
                argumentSet("a comment", bytes("/* erp */ {\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\"}")),
                argumentSet("a number with 100 digits", bytes(PAY.formatted("1" + "0".repeat(99), "\"USD\""))),
                argumentSet(
                        "a command in UTF-16 (all ASCII: valid UTF-8 byte by byte, with a NUL in every other byte)",
                        "{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\"}"
                                .getBytes(java.nio.charset.StandardCharsets.UTF_16LE)),
                argumentSet(
                        "a raw NUL after the object",
                        bytes("{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\"}\u0000")));
    }

    @ParameterizedTest
    @MethodSource("unreadableValues")
    void callsAValueThatIsNotOneJsonObjectUnreadable(byte[] value) {
        ParsedCommand parsed = parser.parse(bytes(KEY), value);

        assertThat(parsed).isInstanceOfSatisfying(ParsedCommand.Invalid.class, invalid -> {
            assertThat(invalid.code()).isEqualTo(CommandParser.UNREADABLE);
            assertThat(invalid.requestId()).isEqualTo(KEY);
            assertThat(invalid.type()).isEqualTo(CommandType.UNKNOWN);
        });
    }

    @Test
    void readsAValueOfExactly64KiB() {
        String head = "{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\",\"padding\":\"";
        String value = head + "x".repeat(CommandParser.MAX_VALUE_BYTES - head.length() - 2) + "\"}";

        assertThat(parse(KEY, value)).isInstanceOf(ParsedCommand.Valid.class);
    }

    static Stream<Arguments> invalidFields() {
        return Stream.of(
                argumentSet("no type", "{\"invoiceId\":\"inv_1\"}", "type", CommandType.UNKNOWN),
                argumentSet("a null type", "{\"type\":null,\"invoiceId\":\"inv_1\"}", "type", CommandType.UNKNOWN),
                argumentSet(
                        "a type that is not a string",
                        "{\"type\":1,\"invoiceId\":\"inv_1\"}",
                        "type",
                        CommandType.UNKNOWN),
                argumentSet(
                        "an unknown type",
                        "{\"type\":\"invoice.delete\",\"invoiceId\":\"inv_1\"}",
                        "type",
                        CommandType.UNKNOWN),
                argumentSet(
                        "a type in another case",
                        "{\"type\":\"Invoice.Approve\",\"invoiceId\":\"inv_1\"}",
                        "type",
                        CommandType.UNKNOWN),
                argumentSet("an amount as a number", PAY.formatted("1500.0", "\"USD\""), "amount", "payment.create"),
                argumentSet(
                        "an amount as a number too big for a double",
                        PAY.formatted("1e309", "\"USD\""),
                        "amount",
                        "payment.create"),
                argumentSet(
                        "a negative zero amount", PAY.formatted("\"-0.00\"", "\"USD\""), "amount", "payment.create"),
                argumentSet(
                        "an amount with three decimals",
                        PAY.formatted("\"1.005\"", "\"USD\""),
                        "amount",
                        "payment.create"),
                argumentSet(
                        "an amount that is not a number",
                        PAY.formatted("\"abc\"", "\"USD\""),
                        "amount",
                        "payment.create"),
                argumentSet(
                        "an amount with 14 integer digits",
                        PAY.formatted("\"12345678901234\"", "\"USD\""),
                        "amount",
                        "payment.create"),
                argumentSet(
                        "an amount with an exponent", PAY.formatted("\"1e3\"", "\"USD\""), "amount", "payment.create"),
                argumentSet(
                        "an amount with a trailing point",
                        PAY.formatted("\"15.\"", "\"USD\""),
                        "amount",
                        "payment.create"),
                argumentSet(
                        "an amount with a grouping comma",
                        PAY.formatted("\"1,500.00\"", "\"USD\""),
                        "amount",
                        "payment.create"),
                argumentSet(
                        "no amount",
                        "{\"type\":\"payment.create\",\"invoiceId\":\"inv_1\",\"currency\":\"USD\"}",
                        "amount",
                        "payment.create"),
                argumentSet(
                        "a lower-case currency", PAY.formatted("\"15.00\"", "\"usd\""), "currency", "payment.create"),
                argumentSet(
                        "a two-letter currency", PAY.formatted("\"15.00\"", "\"US\""), "currency", "payment.create"),
                argumentSet(
                        "a currency with a trailing newline",
                        PAY.formatted("\"15.00\"", "\"USD\\n\""),
                        "currency",
                        "payment.create"),
                argumentSet(
                        "an impossible due date",
                        "{\"type\":\"invoice.create\",\"connectionId\":\"c\",\"invoiceNumber\":\"N\",\"amount\":\"1\",\"currency\":\"USD\",\"dueDate\":\"2026-13-45\"}",
                        "dueDate",
                        "invoice.create"),
                argumentSet(
                        "the 29th of February in a common year",
                        "{\"type\":\"invoice.create\",\"connectionId\":\"c\",\"invoiceNumber\":\"N\",\"amount\":\"1\",\"currency\":\"USD\",\"dueDate\":\"2026-02-29\"}",
                        "dueDate",
                        "invoice.create"),
                argumentSet(
                        "a due date with a time",
                        "{\"type\":\"invoice.create\",\"connectionId\":\"c\",\"invoiceNumber\":\"N\",\"amount\":\"1\",\"currency\":\"USD\",\"dueDate\":\"2026-12-31T00:00:00Z\"}",
                        "dueDate",
                        "invoice.create"),
                argumentSet(
                        "an invoiceId with a slash",
                        "{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1/../pay\"}",
                        "invoiceId",
                        "invoice.approve"),
                argumentSet(
                        "an invoiceId of 65 characters",
                        "{\"type\":\"invoice.cancel\",\"invoiceId\":\"" + "i".repeat(65) + "\"}",
                        "invoiceId",
                        "invoice.cancel"),
                argumentSet(
                        "an empty invoiceId",
                        "{\"type\":\"invoice.cancel\",\"invoiceId\":\"\"}",
                        "invoiceId",
                        "invoice.cancel"),
                argumentSet(
                        "a null invoiceId",
                        "{\"type\":\"invoice.cancel\",\"invoiceId\":null}",
                        "invoiceId",
                        "invoice.cancel"),
                argumentSet(
                        "an invoiceId as a number",
                        "{\"type\":\"invoice.cancel\",\"invoiceId\":42}",
                        "invoiceId",
                        "invoice.cancel"),
                argumentSet(
                        "a blank invoiceNumber",
                        "{\"type\":\"invoice.create\",\"connectionId\":\"c\",\"invoiceNumber\":\" \\t \",\"amount\":\"1\",\"currency\":\"USD\",\"dueDate\":\"2026-12-31\"}",
                        "invoiceNumber",
                        "invoice.create"),
                argumentSet(
                        "an invoiceNumber of 65 characters",
                        "{\"type\":\"invoice.create\",\"connectionId\":\"c\",\"invoiceNumber\":\"" + "N".repeat(65)
                                + "\",\"amount\":\"1\",\"currency\":\"USD\",\"dueDate\":\"2026-12-31\"}",
                        "invoiceNumber",
                        "invoice.create"),
                argumentSet(
                        "a connectionId with a space",
                        "{\"type\":\"invoice.create\",\"connectionId\":\"conn 1\",\"invoiceNumber\":\"N\",\"amount\":\"1\",\"currency\":\"USD\",\"dueDate\":\"2026-12-31\"}",
                        "connectionId",
                        "invoice.create"),
                argumentSet(
                        "a description of 1001 characters",
                        CREATE.formatted(",\"description\":\"" + "d".repeat(1001) + "\""),
                        "description",
                        "invoice.create"),
                argumentSet(
                        "a description that is not a string",
                        CREATE.formatted(",\"description\":[\"a\"]"),
                        "description",
                        "invoice.create"),
                argumentSet(
                        "a reason of 1001 characters",
                        "{\"type\":\"invoice.dispute\",\"invoiceId\":\"inv_1\",\"reason\":\"" + "r".repeat(1001)
                                + "\"}",
                        "reason",
                        "invoice.dispute"));
    }

    @ParameterizedTest
    @MethodSource("invalidFields")
    void namesTheFieldThatMakesACommandInvalid(String value, String field, String type) {
        ParsedCommand parsed = parse(KEY, value);

        assertThat(parsed).isInstanceOfSatisfying(ParsedCommand.Invalid.class, invalid -> {
            assertThat(invalid.code()).isEqualTo(CommandParser.INVALID);
            assertThat(invalid.message()).startsWith(field + " ");
            assertThat(invalid.requestId()).isEqualTo(KEY);
            assertThat(invalid.type()).isEqualTo(type);
        });
        assertThat(parsed.typeName()).isEqualTo(type);
    }

    @Test
    void neverThrowsWhateverTheBytes() {
        Random random = new Random(20260301L);
        byte[] valid = bytes(CREATE.formatted(",\"description\":\"Consulting\""));
        for (int i = 0; i < 10_000; i++) {
            byte[] key = i % 10 == 0 ? randomBytes(random, 140) : bytes(KEY);
            byte[] value = i % 2 == 0 ? randomBytes(random, 300) : mutated(valid, random);

            try {
                assertThat(parser.parse(key, value)).isNotNull();
            } catch (RuntimeException e) {
                throw new AssertionError(
                        "parse threw for key " + HexFormat.of().formatHex(key) + ", value "
                                + HexFormat.of().formatHex(value),
                        e);
            }
        }
    }

    @Test
    void callsOverlongUtf8Unreadable() {
        byte[] value = concat(
                "{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\",\"reason\":\"a",
                new byte[] {(byte) 0xC0, (byte) 0xAF},
                "b\"}");

        assertThat(parser.parse(bytes(KEY), value))
                .isInstanceOfSatisfying(
                        ParsedCommand.Invalid.class,
                        invalid -> assertThat(invalid.code()).isEqualTo(CommandParser.UNREADABLE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"+12026-12-31", "-2026-12-31", "-0001-01-01"})
    void refusesADueDateWithASignedYear(String dueDate) {
        ParsedCommand parsed = parse(
                KEY,
                "{\"type\":\"invoice.create\",\"connectionId\":\"c\",\"invoiceNumber\":\"N\",\"amount\":\"1\",\"currency\":\"USD\",\"dueDate\":\"%s\"}"
                        .formatted(dueDate));

        assertThat(parsed)
                .isInstanceOfSatisfying(
                        ParsedCommand.Invalid.class,
                        invalid -> assertThat(invalid.message()).startsWith("dueDate "));
    }

    private ParsedCommand parse(String key, String value) {
        return parser.parse(bytes(key), bytes(value));
    }

    private static byte[] mutated(byte[] valid, Random random) {
        byte[] copy = valid.clone();
        for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
            copy[random.nextInt(copy.length)] = (byte) random.nextInt(256);
        }
        return copy;
    }

    private static byte[] randomBytes(Random random, int maxLength) {
        byte[] bytes = new byte[random.nextInt(maxLength + 1)];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] noise(long seed, int length) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(String head, byte[] middle, String tail) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(bytes(head));
        out.writeBytes(middle);
        out.writeBytes(bytes(tail));
        return out.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {".", ".."})
    void refusesAnIdThatWouldWalkTheApisPath(String id) {
        ParsedCommand parsed = parser.parse(
                KEY.getBytes(StandardCharsets.UTF_8),
                ("{\"type\":\"invoice.approve\",\"invoiceId\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8));
        assertThat(parsed).isInstanceOf(ParsedCommand.Invalid.class);
        assertThat(((ParsedCommand.Invalid) parsed).message()).isEqualTo("invoiceId must not be \".\" or \"..\"");
        assertThat(parser.parse(
                        KEY.getBytes(StandardCharsets.UTF_8),
                        "{\"type\":\"invoice.approve\",\"invoiceId\":\"...\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ParsedCommand.Valid.class);
    }

    @Test
    void refusesHalfASurrogatePairInText() {
        ParsedCommand parsed = parser.parse(
                KEY.getBytes(StandardCharsets.UTF_8),
                CREATE.formatted(",\"description\":\"a\\ud800b\"").getBytes(StandardCharsets.UTF_8));
        assertThat(parsed).isInstanceOf(ParsedCommand.Invalid.class);
        assertThat(((ParsedCommand.Invalid) parsed).message()).contains("description must be Unicode text");
        assertThat(parser.parse(
                        KEY.getBytes(StandardCharsets.UTF_8),
                        CREATE.formatted(",\"description\":\"\\ud83d\\ude00 and \\u0000\"")
                                .getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ParsedCommand.Valid.class);
    }
}
