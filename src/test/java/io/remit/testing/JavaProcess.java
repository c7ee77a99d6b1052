package io.remit.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A JVM started from this JVM's classpath, its output appended to a log file; killed with SIGKILL. */
public final class JavaProcess {
    private final String name;
    private final List<String> command;
    private final Path log;
    private final java.util.Map<String, String> environment;
    private Process process;

    public JavaProcess(String name, String mainClass, List<String> jvmArgs, List<String> args, Path log) {
        this(name, mainClass, jvmArgs, args, java.util.Map.of(), log);
    }

    public JavaProcess(String name, String mainClass, List<String> jvmArgs, List<String> args, java.util.Map<String, String> environment,
                Path log) {
        this.name = name;
        this.log = log;
        this.environment = environment;
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(classpath());
        command.add(mainClass);
        command.addAll(args);
        this.command = List.copyOf(command);
    }

    /** This JVM's application classpath: exec:java's class loader, else java.class.path (Surefire's booter jar). */
    public static String classpath() {
        if (Thread.currentThread().getContextClassLoader() instanceof java.net.URLClassLoader loader && loader.getURLs().length > 1) {
            return java.util.Arrays.stream(loader.getURLs()).map(url -> {
                try {
                    return java.nio.file.Path.of(url.toURI()).toString();
                } catch (java.net.URISyntaxException e) {
                    throw new IllegalStateException(e);
                }
            }).collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
        }
        return System.getProperty("java.class.path");
    }

    public synchronized void start() {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(environment);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /** SIGTERM, then SIGKILL if the process has not ended within {@code grace}. */
    public synchronized void stop(java.time.Duration grace) {
        if (process == null) return;
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
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

    /** The running process, for CPU and memory readings; empty when not started. */
    public synchronized java.util.Optional<ProcessHandle> handle() {
        return process == null ? java.util.Optional.empty() : java.util.Optional.of(process.toHandle());
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
