package io.remit.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;

/**
 * A PostgreSQL primary with a streaming standby, as a managed PostgreSQL (RDS, Cloud SQL, Patroni) runs: replication is
 * synchronous, so a transaction the primary confirmed is on the standby too, and {@link #failover} kills the primary
 * (SIGKILL, no shutdown) and promotes the standby. Clients name both hosts with {@code targetServerType=primary}
 * ({@link #jdbcUrl}) and find whichever is the primary.
 *
 * <p>The standby is a copy of the primary's data directory taken while it was stopped (the embedded binaries have no
 * {@code pg_basebackup}), started with {@code standby.signal} and a {@code primary_conninfo}.
 */
public final class ReplicatedPostgres implements AutoCloseable {
    private final int primaryPort = Ports.free();
    private final int standbyPort = Ports.free();
    private final Path primaryData;
    private final Path standbyData;
    private EmbeddedPostgres primary;
    private EmbeddedPostgres standby;

    public ReplicatedPostgres(Path directory) throws IOException {
        this.primaryData = directory.resolve("primary");
        this.standbyData = directory.resolve("standby");
        primary = start(primaryData, primaryPort, "*");
        primary.close(); // a clean stop, so that its copy is consistent
        copy(primaryData, standbyData);
        Files.createFile(standbyData.resolve("standby.signal"));
        Files.writeString(
                standbyData.resolve("postgresql.auto.conf"),
                "primary_conninfo = 'host=127.0.0.1 port=" + primaryPort + " user=postgres application_name=standby'\n",
                java.nio.file.StandardOpenOption.APPEND);
        primary = start(primaryData, primaryPort, "*");
        standby = start(standbyData, standbyPort, "");
        awaitStreaming();
    }

    /** The primary's port, then the standby's. */
    public List<Integer> ports() {
        return List.of(primaryPort, standbyPort);
    }

    /** Both hosts, the primary first; the driver connects to whichever is the primary now. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + primaryPort + ",127.0.0.1:" + standbyPort
                + "/postgres?targetServerType=primary";
    }

    /** The primary is killed (its address stops answering) and the standby promoted; returns once it takes writes. */
    public synchronized void failover() throws IOException, SQLException, InterruptedException {
        long pid = Long.parseLong(Files.readAllLines(primaryData.resolve("postmaster.pid"))
                .getFirst()
                .trim());
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());
        primary = null; // killed: nothing left to stop
        try (Connection c = connect(standbyPort);
                Statement s = c.createStatement()) {
            s.execute("select pg_promote(true, 60)");
        }
        while (true) {
            try (Connection c = connect(standbyPort);
                    Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("select pg_is_in_recovery()")) {
                r.next();
                if (!r.getBoolean(1)) return;
            }
            Thread.sleep(100);
        }
    }

    @Override
    public synchronized void close() {
        for (EmbeddedPostgres server : Stream.of(standby, primary).toList()) {
            try {
                if (server != null) server.close();
            } catch (IOException | RuntimeException e) {
                // a killed primary cannot be stopped again
            }
        }
    }

    private static EmbeddedPostgres start(Path data, int port, String synchronousStandbys) throws IOException {
        java.io.File log = data.resolveSibling(data.getFileName() + ".log").toFile();
        return EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(data.toFile())
                .setCleanDataDirectory(false)
                .setServerConfig("wal_level", "replica")
                .setServerConfig("hot_standby", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("synchronous_standby_names", synchronousStandbys.isEmpty() ? "''" : "'*'")
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log))
                .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log))
                .start();
    }

    private void awaitStreaming() throws IOException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Connection c = connect(primaryPort);
                    Statement s = c.createStatement();
                    ResultSet r =
                            s.executeQuery("select count(*) from pg_stat_replication where state = 'streaming'")) {
                r.next();
                if (r.getInt(1) == 1) return;
                Thread.sleep(100);
            } catch (SQLException e) {
                throw new IOException("the primary does not answer", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        throw new IOException("the standby did not start streaming from the primary within 60 s");
    }

    private static Connection connect(int port) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
    }

    private static void copy(Path from, Path to) throws IOException {
        List<String> skip = List.of("postmaster.pid", "epg-lock", "postmaster.opts");
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, Files.getPosixFilePermissions(source));
                } else if (!skip.contains(source.getFileName().toString())) Files.copy(source, target);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
