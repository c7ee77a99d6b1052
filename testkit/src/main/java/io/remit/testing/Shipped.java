package io.remit.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where the artifact that ships is: the jar {@code ./mvnw package} makes. Proofs of the deployable (the packaged-jar
 * test, the chaos run, the benchmark) start remit from it with {@code java -jar}, never from the test classpath.
 */
public final class Shipped {
    private Shipped() {}

    /**
     * The packaged jar: system property {@code remit.jar} (set by Failsafe), else the one {@code worker/target/remit-*.jar}.
     */
    public static Path jar() {
        String configured = System.getProperty("remit.jar");
        if (configured != null && !configured.isBlank()) return existing(Path.of(configured));
        try (Stream<Path> files = Files.list(Repository.path("worker/target"))) {
            List<Path> jars = files.filter(
                            f -> f.getFileName().toString().matches("remit-[0-9][^/]*(?<!-classes|-sources)\\.jar"))
                    .toList();
            if (jars.size() == 1) return jars.getFirst();
            throw new IllegalStateException("expected one worker/target/remit-*.jar, found " + jars
                    + ": run ./mvnw -DskipTests package first, or set -Dremit.jar=<path>");
        } catch (IOException e) {
            throw new UncheckedIOException("no worker/target/ directory: run ./mvnw -DskipTests package first", e);
        }
    }

    private static Path existing(Path jar) {
        if (!Files.isRegularFile(jar))
            throw new IllegalStateException(jar + " does not exist: run ./mvnw -DskipTests package first");
        return jar;
    }
}
