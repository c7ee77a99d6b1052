package io.remit.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import io.remit.testing.Repository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code config/command.schema.json} is the contract ERPs publish against, and {@link CommandParser}
 * enforces it: for any well-formed JSON object the two agree on valid versus invalid. (Keys,
 * bytes, size and nesting limits are the parser's alone; the schema describes them in words.)
 */
class CommandSchemaTest {
    private static final Path SCHEMA = Repository.path("config/command.schema.json");
    private static final String CREATE = """
            {"type":"invoice.create","connectionId":"conn_demo","invoiceNumber":%s,"amount":"1500.00","currency":"USD","dueDate":%s%s}""";
    private static final String PAY = """
            {"type":"payment.create","invoiceId":"inv_1","amount":%s,"currency":%s}""";

    private static final Schema schema = load();
    private final CommandParser parser = new CommandParser();

    static Stream<Arguments> samples() {
        return Stream.of(
                argumentSet("invoice.create", CREATE.formatted("\"INV-1\"", "\"2026-12-31\"", ""), true),
                argumentSet(
                        "invoice.create with a description and unknown fields",
                        CREATE.formatted(
                                "\"INV-1\"", "\"2026-12-31\"", ",\"description\":\"Consulting\",\"x\":{\"y\":[1]}"),
                        true),
                argumentSet(
                        "invoice.create with a null description",
                        CREATE.formatted("\"INV-1\"", "\"2026-12-31\"", ",\"description\":null"),
                        true),
                argumentSet(
                        "invoice.create on the 29th of February of a leap year",
                        CREATE.formatted("\"INV-1\"", "\"2028-02-29\"", ""),
                        true),
                argumentSet(
                        "invoice.create with a 64-character invoiceNumber",
                        CREATE.formatted("\"" + "N".repeat(64) + "\"", "\"2026-12-31\"", ""),
                        true),
                argumentSet(
                        "invoice.create with a 1000-character description",
                        CREATE.formatted(
                                "\"INV-1\"", "\"2026-12-31\"", ",\"description\":\"" + "d".repeat(1000) + "\""),
                        true),
                argumentSet(
                        "invoice.create with a no-break space as invoiceNumber",
                        CREATE.formatted("\"\\u00A0\"", "\"2026-12-31\"", ""),
                        true),
                argumentSet("invoice.approve", "{\"type\":\"invoice.approve\",\"invoiceId\":\"inv_1\"}", true),
                argumentSet(
                        "invoice.dispute with a reason",
                        "{\"type\":\"invoice.dispute\",\"invoiceId\":\"inv_1\",\"reason\":\"wrong\"}",
                        true),
                argumentSet(
                        "invoice.cancel with a null reason",
                        "{\"type\":\"invoice.cancel\",\"invoiceId\":\"a.b:c-d_e\",\"reason\":null}",
                        true),
                argumentSet("payment.create", PAY.formatted("\"9999999999999.99\"", "\"EUR\""), true),
                argumentSet("payment.create of a whole amount", PAY.formatted("\"0\"", "\"JPY\""), true),
                argumentSet("no type", "{\"invoiceId\":\"inv_1\"}", false),
                argumentSet("an unknown type", "{\"type\":\"invoice.delete\",\"invoiceId\":\"inv_1\"}", false),
                argumentSet(
                        "a type that is not a string",
                        "{\"type\":[\"invoice.approve\"],\"invoiceId\":\"inv_1\"}",
                        false),
                argumentSet("an amount as a number", PAY.formatted("1500.0", "\"USD\""), false),
                argumentSet("an amount as a huge number", PAY.formatted("1e309", "\"USD\""), false),
                argumentSet("a negative zero amount", PAY.formatted("\"-0.00\"", "\"USD\""), false),
                argumentSet("an amount with three decimals", PAY.formatted("\"1.005\"", "\"USD\""), false),
                argumentSet("an amount that is not a number", PAY.formatted("\"abc\"", "\"USD\""), false),
                argumentSet("an amount with 14 integer digits", PAY.formatted("\"12345678901234\"", "\"USD\""), false),
                argumentSet("a lower-case currency", PAY.formatted("\"1.00\"", "\"usd\""), false),
                argumentSet("a two-letter currency", PAY.formatted("\"1.00\"", "\"US\""), false),
                argumentSet("a currency with a trailing newline", PAY.formatted("\"1.00\"", "\"USD\\n\""), false),
                argumentSet(
                        "payment.create without a currency",
                        "{\"type\":\"payment.create\",\"invoiceId\":\"inv_1\",\"amount\":\"1.00\"}",
                        false),
                argumentSet("an impossible due date", CREATE.formatted("\"INV-1\"", "\"2026-13-45\"", ""), false),
                argumentSet(
                        "the 29th of February of a common year",
                        CREATE.formatted("\"INV-1\"", "\"2026-02-29\"", ""),
                        false),
                argumentSet(
                        "a due date with a time", CREATE.formatted("\"INV-1\"", "\"2026-12-31T00:00:00Z\"", ""), false),
                argumentSet("a null due date", CREATE.formatted("\"INV-1\"", "null", ""), false),
                argumentSet(
                        "an invoiceId with a slash", "{\"type\":\"invoice.approve\",\"invoiceId\":\"inv/1\"}", false),
                argumentSet("an empty invoiceId", "{\"type\":\"invoice.approve\",\"invoiceId\":\"\"}", false),
                argumentSet(
                        "an invoiceId of 65 characters",
                        "{\"type\":\"invoice.approve\",\"invoiceId\":\"" + "i".repeat(65) + "\"}",
                        false),
                argumentSet("a blank invoiceNumber", CREATE.formatted("\"  \\t\"", "\"2026-12-31\"", ""), false),
                argumentSet(
                        "an invoiceNumber of an em space",
                        CREATE.formatted("\"\\u2003\"", "\"2026-12-31\"", ""),
                        false),
                argumentSet(
                        "an invoiceNumber of 65 characters",
                        CREATE.formatted("\"" + "N".repeat(65) + "\"", "\"2026-12-31\"", ""),
                        false),
                argumentSet(
                        "a description of 1001 characters",
                        CREATE.formatted(
                                "\"INV-1\"", "\"2026-12-31\"", ",\"description\":\"" + "d".repeat(1001) + "\""),
                        false),
                argumentSet(
                        "a reason that is a number",
                        "{\"type\":\"invoice.dispute\",\"invoiceId\":\"inv_1\",\"reason\":7}",
                        false),
                argumentSet(
                        "an invoice action missing its invoiceId",
                        "{\"type\":\"invoice.cancel\",\"reason\":\"late\"}",
                        false));
    }

    @ParameterizedTest
    @MethodSource("samples")
    void schemaAndParserAgreeOnWhatIsValid(String value, boolean valid) {
        List<Error> errors = schemaErrors(value);

        assertThat(parserAccepts(value)).as("CommandParser accepts %s", value).isEqualTo(valid);
        assertThat(errors.isEmpty())
                .as("schema accepts %s; errors: %s", value, errors)
                .isEqualTo(valid);
    }

    static Stream<Arguments> disagreements() {
        String emoji = "\uD83D\uDE00";
        return Stream.of(
                argumentSet(
                        "an invoiceNumber of 40 emoji (40 characters, 80 UTF-16 units)",
                        CREATE.formatted("\"" + emoji.repeat(40) + "\"", "\"2026-12-31\"", "")),
                argumentSet(
                        "a description of 600 emoji",
                        CREATE.formatted(
                                "\"INV-1\"", "\"2026-12-31\"", ",\"description\":\"" + emoji.repeat(600) + "\"")),
                argumentSet("a due date in year 12026", CREATE.formatted("\"INV-1\"", "\"+12026-12-31\"", "")),
                argumentSet("a due date before year 0", CREATE.formatted("\"INV-1\"", "\"-2026-12-31\"", "")));
    }

    @ParameterizedTest
    @MethodSource("disagreements")
    void schemaAndParserAgreeOnAstralCharactersAndSignedYears(String value) {
        assertThat(parserAccepts(value)).isEqualTo(schemaErrors(value).isEmpty());
    }

    @Test
    void schemaIsAValidDraft2020_12Schema() throws IOException {
        Schema metaSchema = registry().getSchema(SchemaLocation.of(SpecificationVersion.DRAFT_2020_12.getDialectId()));

        assertThat(metaSchema.validate(Files.readString(SCHEMA), InputFormat.JSON))
                .isEmpty();
    }

    @Test
    void describesEveryProperty() throws IOException {
        JsonNode root = JsonMapper.builder().build().readTree(Files.readString(SCHEMA));
        List<String> undescribed = new ArrayList<>();
        collectUndescribed(root, "#", undescribed);

        assertThat(root.path("description").asString()).contains("requestId", "1 to 128", "[A-Za-z0-9._:-]");
        assertThat(undescribed).isEmpty();
    }

    private static void collectUndescribed(JsonNode node, String path, List<String> undescribed) {
        if (!node.isObject()) return;
        for (Map.Entry<String, JsonNode> property : node.path("properties").properties()) {
            if (!property.getValue().hasNonNull("description"))
                undescribed.add(path + "/properties/" + property.getKey());
        }
        for (Map.Entry<String, JsonNode> child : node.properties()) {
            collectUndescribed(child.getValue(), path + "/" + child.getKey(), undescribed);
        }
    }

    private boolean parserAccepts(String value) {
        ParsedCommand parsed =
                parser.parse("req-1".getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
        if (parsed instanceof ParsedCommand.Invalid invalid) {
            assertThat(invalid.code())
                    .as("only well-formed objects belong in this table")
                    .isEqualTo(CommandParser.INVALID);
        }
        return parsed instanceof ParsedCommand.Valid;
    }

    private static List<Error> schemaErrors(String value) {
        return schema.validate(value, InputFormat.JSON);
    }

    private static Schema load() {
        try {
            return registry().getSchema(Files.readString(SCHEMA), InputFormat.JSON);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + SCHEMA.toAbsolutePath(), e);
        }
    }

    /** Draft 2020-12 treats {@code format} as an annotation unless told to assert it; the contract means it. */
    private static SchemaRegistry registry() {
        return SchemaRegistry.withDefaultDialect(
                SpecificationVersion.DRAFT_2020_12,
                builder -> builder.schemaRegistryConfig(SchemaRegistryConfig.builder()
                        .formatAssertionsEnabled(true)
                        .build()));
    }
}
