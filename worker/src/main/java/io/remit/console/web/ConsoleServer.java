package io.remit.console.web;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Which web server a request came to. The console is served by the main server ({@code server.port}, set from
 * {@code remit.ops.port}); Actuator by its own ({@code management.server.port}), whose requests pass through the same
 * security filter chains. {@link #management()} matches a request that did not come to the main server, so that the
 * console's chains, its login form included, never apply there. Until the main server has started every request is
 * taken for the management server's: the console is then closed, never open by mistake.
 */
public final class ConsoleServer implements ApplicationListener<WebServerInitializedEvent> {
    private volatile int port = -1;

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        // the management server's event reaches this (the parent) context too; it is the one with a namespace
        if (event.getApplicationContext().getServerNamespace() == null)
            port = event.getWebServer().getPort();
    }

    /** Requests to any server but the console's: Actuator's own, when {@code management.server.port} differs. */
    public RequestMatcher management() {
        return this::isManagement;
    }

    private boolean isManagement(HttpServletRequest request) {
        int console = port;
        return console < 0 || request.getLocalPort() != console;
    }
}
