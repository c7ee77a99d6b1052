package io.remit.sandbox;

import java.util.Map;

/** A refusal the sandbox answers with the API's error body {@code {"error","message","details"}}. */
final class ApiError extends RuntimeException {
    final int status;
    final String code;
    final Map<String, Object> details;

    ApiError(int status, String code, String message) {
        this(status, code, message, Map.of());
    }

    ApiError(int status, String code, String message, Map<String, Object> details) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = details;
    }

    static ApiError invalidRequest(String field, String message) {
        return new ApiError(400, "INVALID_REQUEST", message, Map.of("field", field));
    }
}
