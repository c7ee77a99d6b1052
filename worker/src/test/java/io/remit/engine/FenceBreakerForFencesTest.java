package io.remit.engine;

import java.sql.Connection;
import org.apache.hc.core5.http.HttpHost;

/** An engine class that reaches for JDBC and the HTTP client itself: {@code FencesTest} must refuse it. */
final class FenceBreakerForFencesTest {
    Connection connection;
    HttpHost api;
}
