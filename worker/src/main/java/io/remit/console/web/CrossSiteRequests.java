package io.remit.console.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.Set;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses (403) a request that changes something and that a browser says comes from another site: {@code Sec-Fetch-Site}
 * other than {@code same-origin} or {@code none}, or an {@code Origin} whose host is not the request's. A page on
 * another site cannot then use an operator's credentials the browser holds (a form POST to cancel a redrive). Clients
 * that are not browsers (curl, scripts) send neither header and are not affected; reads are not affected.
 */
final class CrossSiteRequests extends OncePerRequestFilter {
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    private static final Set<String> SAME_SITE = Set.of("same-origin", "none");

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!SAFE_METHODS.contains(request.getMethod()) && isCrossSite(request)) {
            response.sendError(HttpServletResponse.SC_FORBIDDEN, "cross-site request refused");
            return;
        }
        chain.doFilter(request, response);
    }

    static boolean isCrossSite(HttpServletRequest request) {
        String site = request.getHeader("Sec-Fetch-Site");
        if (site != null && !SAME_SITE.contains(site)) return true;
        String origin = request.getHeader("Origin");
        if (origin == null) return false;
        if (origin.equals("null")) return true; // a sandboxed frame or a redirect from elsewhere
        try {
            String host = URI.create(origin).getHost();
            return host == null || !host.equalsIgnoreCase(request.getServerName());
        } catch (IllegalArgumentException e) {
            return true;
        }
    }
}
