package io.remit.console.deadletter;

import io.remit.command.Utf8;
import io.remit.store.StorableText;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.lang.Contract;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Shows a record's bytes to a person: text where they are UTF-8 without control characters,
 * base64 otherwise; the command as JSON where the value parses. Also reads the stored headers
 * ({@code [{"key": …, "value": <base64>}]}) back into bytes for a redrive.
 */
public final class RecordDecoder {
    private final JsonMapper json;
    private final JsonMapper pretty;

    public RecordDecoder(JsonMapper json) {
        this.json = json;
        this.pretty = json.rebuild().enable(SerializationFeature.INDENT_OUTPUT).build();
    }

    /** Bytes as a person reads them: {@code utf8} text or {@code base64}. */
    public record Shown(String encoding, String text, int length) {}

    /**
     * One header, its value shown. A name with characters a page cannot show (a NUL, control characters) is shown
     * escaped in {@code key}, and exactly in {@code keyBytes} (null for a plain name).
     */
    public record HeaderView(
            String key, @Nullable Shown keyBytes, @Nullable Shown value) {}

    /** One header as stored: its value's bytes (null for a null value). */
    public record RawHeader(String key, byte @Nullable [] value) {}

    /** Bytes as a person reads them; null stays null. */
    @Contract("!null -> !null")
    public @Nullable Shown show(byte @Nullable [] bytes) {
        if (bytes == null) return null;
        String text = Utf8.decode(bytes);
        if (text != null && isPrintable(text)) return new Shown("utf8", text, bytes.length);
        return new Shown("base64", Base64.getEncoder().encodeToString(bytes), bytes.length);
    }

    /** The value as a JSON tree; null when it is not JSON. */
    public @Nullable JsonNode command(byte @Nullable [] value) {
        if (value == null || Utf8.decode(value) == null) return null;
        try {
            JsonNode tree = json.readTree(value);
            return tree == null || tree.isMissingNode() ? null : tree;
        } catch (JacksonException e) {
            return null;
        }
    }

    @Contract("!null -> !null")
    public @Nullable String indented(@Nullable JsonNode tree) {
        return tree == null ? null : pretty.writeValueAsString(tree);
    }

    public List<HeaderView> headers(String stored) {
        return raw(stored).stream().map(this::view).toList();
    }

    private HeaderView view(RawHeader header) {
        if (isPrintable(header.key())) return new HeaderView(header.key(), null, show(header.value()));
        return new HeaderView(
                StorableText.ascii(header.key(), 1024),
                show(header.key().getBytes(StandardCharsets.UTF_8)),
                show(header.value()));
    }

    /** The headers as the record had them: a name kept storable in {@code key} is read from {@code keyBytes}. */
    public List<RawHeader> raw(@Nullable String stored) {
        List<RawHeader> headers = new ArrayList<>();
        if (stored == null) return headers;
        Base64.Decoder base64 = Base64.getDecoder();
        for (JsonNode header : json.readTree(stored)) {
            JsonNode value = header.get("value");
            JsonNode keyBytes = header.get("keyBytes");
            byte[] bytes = value == null || value.isNull() ? null : base64.decode(value.asString());
            String key = keyBytes == null || keyBytes.isNull()
                    ? header.get("key").asString()
                    : new String(base64.decode(keyBytes.asString()), StandardCharsets.UTF_8);
            headers.add(new RawHeader(key, bytes));
        }
        return headers;
    }

    private static boolean isPrintable(String text) {
        return text.codePoints().noneMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t');
    }
}
