package io.remit.sandbox;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** A sandbox per test class, reset before each test, and a client of it over real HTTP. */
abstract class SandboxTestSupport {
    static SandboxServer sandbox;
    SandboxClient api;

    @BeforeAll
    static void start() {
        sandbox = SandboxServer.start();
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    @BeforeEach
    void reset() {
        sandbox.reset();
        sandbox.setFaults(Faults.NONE);
        api = new SandboxClient(sandbox);
    }

    /** Sets the faults written as the admin endpoint's JSON, over none. */
    static void faults(String json) {
        sandbox.setFaults(FaultsJson.merge(Faults.NONE, json));
    }
}
