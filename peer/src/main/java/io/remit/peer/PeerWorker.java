package io.remit.peer;

import java.util.Map;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A benchmark peer (issue 23): the reference worker's work per command (one API call with the record key as its
 * requestId, one upsert, transient answers retried after 1, 2, 4, 8, 16, 30 s, refusals dead-lettered) on Confluent's
 * Parallel Consumer, keyed order, in one of two commit modes ({@link PeerMode}). Written the way Parallel Consumer's
 * README shows it: not tuned, and not held back either. Spring Boot only for the DataSource and Actuator (the
 * benchmark samples the JVM's heap there); no spring-kafka, which is on kafka-clients 4.
 */
@SpringBootApplication
@EnableConfigurationProperties(PeerProperties.class)
public class PeerWorker {
    /** Settings that make this a separate application: its own config name, and Actuator's health and metrics open. */
    public static final Map<String, Object> DEFAULTS = Map.of(
            "spring.config.name", "peer",
            "spring.application.name", "peer",
            "management.endpoints.web.exposure.include", "health,metrics");

    static final String SCHEMA = """
            create table if not exists peer_outcome(request_id text primary key, command_type text,
                status text not null, http_status int, error_code text, attempts int, updated_at timestamptz not null)""";

    public static void main(String[] args) {
        new SpringApplicationBuilder(PeerWorker.class).properties(DEFAULTS).run(args);
    }

    /** Creates the table while the context starts, before the consumer starts. */
    @Bean
    InitializingBean peerSchema(JdbcTemplate jdbc) {
        return () -> jdbc.execute(SCHEMA);
    }
}
