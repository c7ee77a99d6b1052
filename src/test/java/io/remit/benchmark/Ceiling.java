package io.remit.benchmark;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ceiling of the benchmark: what remit's API client could do with no Kafka and no PostgreSQL.
 * Sends every request straight to the API over HTTP/1.1, at most {@code maxInFlight} at once
 * (one virtual thread each), and retries a 429, 5xx or I/O error at once, up to
 * {@value #RETRIES} times: no delays, no records, no offsets. No worker can beat this number on
 * the same API; how close one comes is the measure.
 */
public final class Ceiling {
    /** Retries after the first attempt, as remit's ladder has six tiers. */
    static final int RETRIES = 6;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** One API call: a path under the base URL and the JSON body to POST. */
    public record Request(String path, String jsonBody) {}

    /** Requests that ended in a 2xx, requests that did not, and the wall-clock time for all of them. */
    public record Result(long succeeded, long failed, Duration elapsed) {
        public double perSecond() {
            return (succeeded + failed) / (elapsed.toNanos() / 1e9);
        }
    }

    private Ceiling() {
    }

    public static Result run(String baseUrl, String key, String secret, List<Request> requests, int maxInFlight)
            throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
        Semaphore inFlight = new Semaphore(maxInFlight);
        AtomicLong succeeded = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long start = System.nanoTime();
        try (http; ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Request request : requests) {
                inFlight.acquire();
                HttpRequest call = post(baseUrl, key, secret, request);
                threads.execute(() -> {
                    try {
                        (succeeded(http, call) ? succeeded : failed).incrementAndGet();
                    } finally {
                        inFlight.release();
                    }
                });
            }
        }
        return new Result(succeeded.get(), failed.get(), Duration.ofNanos(System.nanoTime() - start));
    }

    /** Whether the API applied the request within {@link #RETRIES} immediate retries. */
    private static boolean succeeded(HttpClient http, HttpRequest call) {
        for (int attempt = 0; attempt <= RETRIES; attempt++) {
            try {
                int status = http.send(call, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status / 100 == 2) return true;
                if (status != 429 && status < 500) return false;
            } catch (IOException e) {
                // no answer: the same request is sent again, as a transient failure would be
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private static HttpRequest post(String baseUrl, String key, String secret, Request request) {
        return HttpRequest.newBuilder(URI.create(baseUrl.replaceAll("/+$", "") + request.path()))
                .timeout(TIMEOUT)
                .header("X-API-Key", key)
                .header("X-API-Secret", secret)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request.jsonBody()))
                .build();
    }
}
