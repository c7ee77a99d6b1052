package io.remit.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.remit.InvalidConfigurationException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** {@code remit.topics.*} as Spring binds it: remit creates its topics unless told not to, dead letters kept 30 days. */
class TopicsPropertiesTest {

    @Test
    void createsTopicsAndKeepsDeadLettersThirtyDaysByDefault() {
        TopicsProperties topics = bind(Map.of());

        assertThat(topics.create()).isTrue();
        assertThat(topics.deadLetterRetention()).isEqualTo(Duration.ofDays(30));
        assertThat(topics).isEqualTo(new TopicsProperties("remit.commands", "remit.commands.dlq", 12, (short) 1));
    }

    @Test
    void bindsCreateAndTheDeadLetterRetention() {
        TopicsProperties topics =
                bind(Map.of("remit.topics.create", "false", "remit.topics.dead-letter-retention", "90d"));

        assertThat(topics.create()).isFalse();
        assertThat(topics.deadLetterRetention()).isEqualTo(Duration.ofDays(90));
    }

    @Test
    void refusesARetentionThatIsNotPositive() {
        assertThatThrownBy(() -> bind(Map.of("remit.topics.dead-letter-retention", "0s")))
                .isInstanceOf(BindException.class)
                .rootCause()
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("remit.topics.dead-letter-retention");
    }

    private static TopicsProperties bind(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate("remit.topics", TopicsProperties.class);
    }
}
