package io.remit.sandbox;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Which documented endpoint a request is for. Unknown paths and methods are refused with 404/405. */
record Route(Kind kind, String invoiceId, String action) {
    enum Kind {
        CREATE_INVOICE,
        LIST_INVOICES,
        GET_INVOICE,
        INVOICE_ACTION,
        PAY
    }

    private static final String INVOICES = "/api/v1/invoices";
    private static final String PAYMENTS = "/api/v1/payments";

    boolean isWrite() {
        return kind == Kind.CREATE_INVOICE || kind == Kind.INVOICE_ACTION || kind == Kind.PAY;
    }

    static Route of(String method, String path) {
        boolean post = method.equals("POST");
        boolean get = method.equals("GET");
        if (path.equals(INVOICES) || path.equals(INVOICES + "/")) {
            if (post) return new Route(Kind.CREATE_INVOICE, null, null);
            if (get) return new Route(Kind.LIST_INVOICES, null, null);
            throw methodNotAllowed(method, path);
        }
        if (path.equals(PAYMENTS)) {
            if (post) return new Route(Kind.PAY, null, null);
            throw methodNotAllowed(method, path);
        }
        if (path.startsWith(INVOICES + "/")) {
            String[] parts = path.substring(INVOICES.length() + 1).split("/", -1);
            if (parts.length == 1 && get) return new Route(Kind.GET_INVOICE, parts[0], null);
            if (parts.length == 2
                    && post
                    && java.util.Set.of("approve", "dispute", "cancel").contains(parts[1])) {
                return new Route(Kind.INVOICE_ACTION, parts[0], parts[1]);
            }
            if (parts.length <= 2) throw methodNotAllowed(method, path);
        }
        throw new ApiError(404, "NOT_FOUND", "No endpoint at " + path);
    }

    private static ApiError methodNotAllowed(String method, String path) {
        return new ApiError(405, "METHOD_NOT_ALLOWED", method + " is not allowed on " + path);
    }

    static Map<String, String> query(String raw) {
        Map<String, String> query = new HashMap<>();
        if (raw == null) return query;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                query.put(
                        URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return query;
    }
}
