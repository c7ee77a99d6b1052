package io.remit.chaos;

import io.remit.testing.Ports;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;

/** A real PostgreSQL on a fixed port and a kept data directory, so it can be stopped and started with its data. */
final class RestartablePostgres implements AutoCloseable {
    private final int port;
    private final Path dataDirectory;
    private EmbeddedPostgres postgres;

    RestartablePostgres(Path dataDirectory) throws IOException {
        this(dataDirectory, Ports.free());
        start();
    }

    /** Not started: {@link #start} it. */
    RestartablePostgres(Path dataDirectory, int port) {
        this.port = port;
        this.dataDirectory = dataDirectory;
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    synchronized void start() throws IOException {
        postgres = EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(dataDirectory.toFile())
                .setCleanDataDirectory(false)
                .start();
    }

    synchronized void stop() throws IOException {
        if (postgres != null) postgres.close();
        postgres = null;
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
