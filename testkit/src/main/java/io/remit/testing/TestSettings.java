package io.remit.testing;

import io.remit.sandbox.SandboxOptions;
import java.util.HashMap;
import java.util.Map;

/** The settings of a test remit on {@link Infrastructure}, with a short retry ladder (300ms, 600ms, 1s). */
public final class TestSettings {
    private TestSettings() {}

    /** Settings as command-line arguments, which take precedence over any application.yaml (./config/ included). */
    public static String[] asArguments(Map<String, ?> settings) {
        return settings.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
    }

    /** A remit reading {@code commands} in consumer group {@code group}; the map may be changed. */
    public static Map<String, String> remit(Infrastructure infra, String commands, String deadLetters, String group) {
        Map<String, String> settings = new HashMap<>();
        settings.put("spring.kafka.bootstrap-servers", infra.bootstrapServers);
        settings.put("spring.datasource.url", infra.jdbcUrl);
        settings.put("spring.datasource.username", infra.dbUser);
        settings.put("spring.datasource.password", infra.dbPassword);
        settings.put("remit.api.base-url", infra.sandbox.baseUrl());
        settings.put("remit.api.key", SandboxOptions.DEFAULT_KEY);
        settings.put("remit.api.secret", SandboxOptions.DEFAULT_SECRET);
        settings.put("remit.api.timeout", "1s");
        settings.put("remit.topics.commands", commands);
        settings.put("remit.topics.dead-letter", deadLetters);
        settings.put("remit.topics.outcomes", commands + ".outcomes");
        settings.put("remit.breaker.open-for", "3s");
        settings.put("remit.breaker.window", "10s");
        settings.put("remit.topics.partitions", "3");
        settings.put("remit.retry.delays", "300ms,600ms,1s");
        settings.put("remit.worker.instance-id", group);
        settings.put("remit.worker.group-id", group);
        settings.put("remit.worker.halt-probe-interval", "300ms");
        return settings;
    }
}
