package io.remit.sandbox;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The API keys the sandbox accepts. A sandbox server answers {@code exp_prod_} keys with
 * 403 {@code ENVIRONMENT_MISMATCH}, as the real sandbox environment does.
 */
final class ApiKeys {
    enum Scope {
        READ,
        WRITE
    }

    private record Key(String secret, Scope scope, boolean revoked) {}

    private final Map<String, Key> keys = new ConcurrentHashMap<>();

    ApiKeys(String key, String secret) {
        keys.put(key, new Key(secret, Scope.WRITE, false));
        keys.put("exp_sand_readonly", new Key("readonly-secret", Scope.READ, false));
        keys.put("exp_sand_revoked", new Key("revoked-secret", Scope.WRITE, true));
    }

    /** Throws the documented 401/403 unless the pair may perform a request needing {@code scope}. */
    void authorize(String key, String secret, Scope scope) {
        if (key == null || key.isEmpty()) {
            throw new ApiError(401, "INVALID_API_KEY", "X-API-Key header is missing");
        }
        if (key.startsWith("exp_prod_")) {
            throw new ApiError(403, "ENVIRONMENT_MISMATCH", "A production key cannot be used against the sandbox");
        }
        Key known = keys.get(key);
        if (known == null) {
            throw new ApiError(401, "INVALID_API_KEY", "API key is invalid or does not exist");
        }
        if (!known.secret().equals(secret)) {
            throw new ApiError(401, "INVALID_API_SECRET", "API secret does not match the key");
        }
        if (known.revoked()) {
            throw new ApiError(401, "API_KEY_REVOKED", "This API key has been revoked");
        }
        if (scope == Scope.WRITE && known.scope() == Scope.READ) {
            throw new ApiError(403, "INSUFFICIENT_SCOPE", "This API key may only read");
        }
    }

    /** Revokes or restores a key; answers false if the key is unknown. */
    boolean setRevoked(String key, boolean revoked) {
        return keys.computeIfPresent(key, (k, v) -> new Key(v.secret(), v.scope(), revoked)) != null;
    }
}
