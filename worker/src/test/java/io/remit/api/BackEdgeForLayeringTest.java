package io.remit.api;

import io.remit.engine.IntakeGate;

/** A class of the api layer that reaches up into the engine: what LayeringTest must refuse. Test sources only. */
public final class BackEdgeForLayeringTest {
    public boolean halted(IntakeGate gate) {
        return gate.isHalted();
    }
}
