package io.remit.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;

/** A real PostgreSQL on a fixed port and a kept data directory, so it can be stopped and started with its data. */
public final class RestartablePostgres implements AutoCloseable {
    private final int port;
    private final Path dataDirectory;
    private EmbeddedPostgres postgres;

    public RestartablePostgres(Path dataDirectory) throws IOException {
        this(dataDirectory, Ports.free());
        start();
    }

    /** Not started: {@link #start} it. */
    public RestartablePostgres(Path dataDirectory, int port) {
        this.port = port;
        this.dataDirectory = dataDirectory;
    }

    public int port() {
        return port;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public synchronized void start() throws IOException {
        postgres = EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(dataDirectory.toFile())
                .setCleanDataDirectory(false)
                .start();
    }

    public synchronized void stop() throws IOException {
        if (postgres != null) postgres.close();
        postgres = null;
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
