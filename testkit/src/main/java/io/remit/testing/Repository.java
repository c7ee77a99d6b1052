package io.remit.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files of the repository (the chart, the configuration, the CI scripts), found from any module: tests run with their
 * module as the working directory, tools started with {@code exec:java} with the directory Maven was started in.
 */
public final class Repository {
    private static final Path ROOT = find();

    private Repository() {}

    /** A path relative to the repository's root, e.g. {@code helm/remit}. */
    public static Path path(String relative) {
        return ROOT.resolve(relative);
    }

    private static Path find() {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("worker"))) return dir;
        }
        throw new IllegalStateException("not inside remit's repository (no mvnw and worker/ above " + start + ")");
    }
}
