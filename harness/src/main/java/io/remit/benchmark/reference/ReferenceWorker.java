package io.remit.benchmark.reference;

import java.util.Map;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The baseline of the throughput benchmark (issue 5): a payment command worker written the way
 * the Spring Kafka reference guide recommends, with one record listener, non-blocking retries on
 * {@code @RetryableTopic} topics, a dead-letter topic, one blocking API call and one upsert per
 * record. It shares only the command format, the API and the broker with remit. It is written
 * the usual way: not tuned, and not held back either.
 */
@SpringBootApplication
@EnableConfigurationProperties(ReferenceApiProperties.class)
public class ReferenceWorker {
    /**
     * Settings that make this a separate application: its own config name (remit's
     * application.yaml is not read), no Flyway (remit's migration is not its schema), and the
     * earliest offset for a new group. Deployment settings come on top, as arguments or properties.
     */
    public static final Map<String, Object> DEFAULTS = Map.of(
            "spring.config.name", "reference",
            "spring.application.name", "reference",
            "spring.flyway.enabled", "false",
            "spring.kafka.consumer.auto-offset-reset", "earliest",
            "reference.concurrency", "12",
            "management.endpoints.web.exposure.include", "health,metrics");

    static final String SCHEMA = """
            create table if not exists reference_outcome(request_id text primary key, command_type text,
                status text not null, http_status int, error_code text, attempts int, updated_at timestamptz not null)""";

    public static void main(String[] args) {
        application().run(args);
    }

    /** The worker with {@link #DEFAULTS}; add the deployment's settings with {@code properties(...)}. */
    public static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(ReferenceWorker.class).properties(DEFAULTS);
    }

    /** Creates the table while the context starts, before any listener container consumes. */
    @Bean
    InitializingBean referenceSchema(JdbcTemplate jdbc) {
        return () -> jdbc.execute(SCHEMA);
    }
}
