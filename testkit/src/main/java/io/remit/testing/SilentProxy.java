package io.remit.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP proxy that can fall silent: while {@link #silence silenced} it stops forwarding in both directions without
 * closing or resetting anything, as a dropped route or a black-holing firewall does, so that the client's socket just
 * waits. Its own timeouts are all the client has. Restored, it forwards again what it held back.
 */
public final class SilentProxy implements AutoCloseable {
    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Object gate = new Object();
    private volatile boolean silent;

    public SilentProxy(String targetHost, int targetPort) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        try {
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        threads.submit(this::accept);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Stops (true) or resumes (false) forwarding. */
    public void silence(boolean silent) {
        synchronized (gate) {
            this.silent = silent;
            gate.notifyAll();
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                threads.submit(() -> connect(client));
            } catch (IOException e) {
                if (server.isClosed()) return;
            }
        }
    }

    /** Joins a client to the target; a target that refuses is passed on as a closed connection, not as silence. */
    private void connect(Socket client) {
        Socket upstream = new Socket();
        try {
            upstream.connect(new InetSocketAddress(targetHost, targetPort), 5_000);
        } catch (IOException e) {
            try {
                client.setSoLinger(true, 0); // a reset, as the refused connection was
                client.close();
            } catch (IOException closing) {
                // already gone
            }
            return;
        }
        threads.submit(() -> pump(client, upstream));
        threads.submit(() -> pump(upstream, client));
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (from;
                to;
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                awaitVoice();
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // one side closed or the proxy stopped: the other side is closed with it
        }
    }

    private void awaitVoice() throws InterruptedException {
        synchronized (gate) {
            while (silent) gate.wait();
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing
        }
        silence(false);
        threads.shutdownNow();
    }
}
