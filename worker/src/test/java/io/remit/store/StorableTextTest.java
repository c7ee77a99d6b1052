package io.remit.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.console.deadletter.RecordDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** What PostgreSQL refuses in text never reaches it; a header's exact name survives the round trip through jsonb. */
class StorableTextTest {

    @Test
    void replacesNulAndUnpairedSurrogatesOnly() {
        assertThat(StorableText.of("a\u0000b")).isEqualTo("a\uFFFDb");
        assertThat(StorableText.of("\uD800x\uDC00")).isEqualTo("\uFFFDx\uFFFD");
        assertThat(StorableText.of("x\uD800")).isEqualTo("x\uFFFD");
        String emoji = "ok \uD83D\uDE00 \t\n é";
        assertThat(StorableText.of(emoji)).isSameAs(emoji);
        assertThat(StorableText.of(null)).isNull();
    }

    @Test
    void asciiIsPrintableAndBounded() {
        assertThat(StorableText.ascii("a\u0000\\é", 100)).isEqualTo("a\\u0000\\u005c\\u00e9");
        assertThat(StorableText.ascii("\u0000".repeat(50), 20)).hasSize(20);
    }

    @Test
    void aHeaderNamePostgresqlWouldRefuseIsStoredStorableAndReadBackExactly() {
        String json = JdbcOutcomeStore.headersJson(List.of(
                new DeadLetterRecord.HeaderValue("bad\u0000name", new byte[] {0, 1}),
                new DeadLetterRecord.HeaderValue("plain", null)));
        assertThat(json).doesNotContain("\\u0000").contains("\"keyBytes\"");
        List<RecordDecoder.RawHeader> raw =
                new RecordDecoder(JsonMapper.builder().build()).raw(json);
        assertThat(raw.get(0).key()).isEqualTo("bad\u0000name");
        assertThat(raw.get(0).value()).containsExactly(0, 1);
        assertThat(raw.get(1).key()).isEqualTo("plain");
        List<RecordDecoder.HeaderView> shown =
                new RecordDecoder(JsonMapper.builder().build()).headers(json);
        assertThat(shown.get(0).key()).isEqualTo("bad\\u0000name");
        assertThat(shown.get(0).keyBytes().text())
                .isEqualTo(
                        java.util.Base64.getEncoder().encodeToString("bad\u0000name".getBytes(StandardCharsets.UTF_8)));
        assertThat(shown.get(1).keyBytes()).isNull();
    }
}
