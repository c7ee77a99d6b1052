package io.remit.sandbox;

import tools.jackson.databind.node.ObjectNode;

/** Faults from the admin endpoint's JSON, for tests in other packages. */
public final class FaultsJson {
    private FaultsJson() {}

    public static Faults merge(Faults base, String json) {
        return SandboxServer.merge(base, (ObjectNode) SandboxServer.JSON.readTree(json));
    }
}
