package io.remit;

import io.remit.sandbox.Faults;

/** Faults written as the sandbox's admin JSON, for readable tests. */
final class SandboxFaults {
    private SandboxFaults() {}

    static Faults of(String json) {
        return io.remit.sandbox.FaultsJson.merge(Faults.NONE, json);
    }
}
