package io.remit.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A JVM started from this JVM's classpath ({@link #JavaProcess(String, String, List, List, Map, Path)}) or from a jar
 * with {@code java -jar} ({@link #ofJar}), its output appended to a log file; stopped with SIGTERM or killed with SIGKILL.
 */
public final class JavaProcess {
    private final String name;
    private final List<String> command;
    private final Path log;
    private final Map<String, String> environment;
    private Process process;

    public JavaProcess(String name, String mainClass, List<String> jvmArgs, List<String> args, Path log) {
        this(name, mainClass, jvmArgs, args, Map.of(), log);
    }

    public JavaProcess(
            String name,
            String mainClass,
            List<String> jvmArgs,
            List<String> args,
            Map<String, String> environment,
            Path log) {
        this(name, List.of("-cp", classpath(), mainClass), jvmArgs, args, environment, log);
    }

    private JavaProcess(
            String name,
            List<String> launch,
            List<String> jvmArgs,
            List<String> args,
            Map<String, String> environment,
            Path log) {
        this.name = name;
        this.log = log;
        this.environment = environment;
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmArgs);
        command.addAll(launch);
        command.addAll(args);
        this.command = List.copyOf(command);
    }

    /** {@code java <jvmArgs> -jar <jar> <args>}: the artifact as production starts it, nothing of this JVM's classpath. */
    public static JavaProcess ofJar(
            String name, Path jar, List<String> jvmArgs, List<String> args, Map<String, String> environment, Path log) {
        return new JavaProcess(name, List.of("-jar", jar.toString()), jvmArgs, args, environment, log);
    }

    /** This JVM's application classpath: exec:java's class loader, else java.class.path (Surefire's booter jar). */
    public static String classpath() {
        if (Thread.currentThread().getContextClassLoader() instanceof java.net.URLClassLoader loader
                && loader.getURLs().length > 1) {
            return java.util.Arrays.stream(loader.getURLs())
                    .map(url -> {
                        try {
                            return java.nio.file.Path.of(url.toURI()).toString();
                        } catch (java.net.URISyntaxException e) {
                            throw new IllegalStateException(e);
                        }
                    })
                    .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
        }
        return System.getProperty("java.class.path");
    }

    /** Starts the process; refused while it is still running (two would run under one name, port and id). */
    public synchronized void start() {
        if (process != null && process.isAlive()) throw new IllegalStateException(name + " is already running");
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(environment);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /** SIGTERM, then SIGKILL if the process has not ended within {@code grace}; answers whether it ended by itself. */
    public synchronized boolean stop(Duration grace) {
        if (process == null) return true;
        process.destroy();
        try {
            if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kill();
        return false;
    }

    /** The exit code of an ended process. */
    public synchronized int exitValue() {
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hook, no graceful anything. */
    public synchronized void kill() {
        if (process == null) return;
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Sends a signal by name ({@code STOP} freezes the process as a long pause or a suspended node would, {@code CONT}
     * thaws it); answers whether it was delivered (false when the process is not running).
     */
    public synchronized boolean signal(String name) {
        if (process == null || !process.isAlive()) return false;
        try {
            return new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                            .inheritIO()
                            .start()
                            .waitFor()
                    == 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot signal " + this.name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The running process, for CPU and memory readings; empty when not started. */
    public synchronized Optional<ProcessHandle> handle() {
        return process == null ? Optional.empty() : Optional.of(process.toHandle());
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }
}
