package io.remit.sandbox;

import tools.jackson.databind.node.ObjectNode;

/**
 * How a sandbox starts: where it listens, its primary key pair, where its webhooks go (a null
 * webhookUrl: none are sent) and with which secret they are signed, and its initial {@link Faults}.
 */
public record SandboxOptions(
        String host,
        int port,
        String key,
        String secret,
        String webhookUrl,
        String webhookSecret,
        Faults faults,
        boolean help) {
    public static final String DEFAULT_KEY = "exp_sand_remit";
    public static final String DEFAULT_SECRET = "remit-sandbox-secret";
    public static final String DEFAULT_WEBHOOK_SECRET = "remit-webhook-secret";

    static final String USAGE = """
            Usage: SandboxServer [options]
              --port N              port to listen on (default 18080; 0 picks a free one)
              --host ADDR           address to bind (default 127.0.0.1; 0.0.0.0 in containers)
              --key K --secret S    the write key pair accepted (default exp_sand_remit / remit-sandbox-secret);
                                    exp_sand_readonly/readonly-secret (read only) and
                                    exp_sand_revoked/revoked-secret (revoked) always exist
              --latency MODE        none | fixed | uniform | longtail | tail (default none)
              --latency-ms N        fixed latency, uniform minimum, longtail median, or tail's usual latency
              --latency-max-ms N    uniform maximum, longtail p99, or how long tail's slow requests take
              --latency-tail-share P  tail: share of requests that take --latency-max-ms, then answer
                                    normally (default 0.01)
              --error-500 P         probability of a 500 (PAYMENT_FAILED on payments), no effect
              --error-502 P  --error-503 P  --error-504 P
              --hang P              probability of holding a request for --hang-ms, then 504, no effect
              --hang-ms N           (default 30000)
              --burst-429 P         probability that a request starts a 429 burst for its key
              --burst-429-ms N      burst length (default 1000)
              --lost P              probability that an applied write loses its answer
              --lost-as MODE        5xx | hang | drop | mix (default mix)
              --rate-limit N        requests per key per window (default 1000000)
              --rate-window-ms N    window length (default 1000)
              --reset-format F      epoch | delta: X-RateLimit-Reset as epoch seconds or seconds to wait
              --webhook-url URL     POST signed webhooks here (default none: no webhooks); at run time
                                    POST /admin/webhooks {"url":...,"secret":...}, GET /admin/webhooks shows them
              --webhook-secret S    HMAC-SHA256 key of X-Webhook-Signature (default remit-webhook-secret)
              --webhook-delay-ms N  --webhook-delay-max-ms N   an event's first attempt waits N..max ms (default 0)
              --webhook-duplicate P probability that an accepted event is delivered again (same id and body)
              --webhook-reorder P   probability that an invoice.approved is held until its invoice.settled
                                    was delivered (at most --webhook-reorder-hold-ms, default 1000)
              --webhook-bad-signature P  probability that an event's first attempt is wrongly signed
              --webhook-failed-share P   probability that a payment announces payment.failed, not settled
              --help                this text
            Faults can be changed at run time: POST /admin/faults with the same names in camelCase,
            e.g. {"error503":0.1,"latency":"fixed","latencyMs":50}, or a slow tail that is not a failure:
            {"latency":"tail","latencyMs":50,"latencyMaxMs":5000,"latencyTailShare":0.01}. GET /admin/ledger shows effects.""";

    /** Options without webhooks. */
    public SandboxOptions(String host, int port, String key, String secret, Faults faults, boolean help) {
        this(host, port, key, secret, null, DEFAULT_WEBHOOK_SECRET, faults, help);
    }

    public static SandboxOptions defaults() {
        return new SandboxOptions("127.0.0.1", 0, DEFAULT_KEY, DEFAULT_SECRET, Faults.NONE, false);
    }

    public SandboxOptions withPort(int port) {
        return new SandboxOptions(host, port, key, secret, webhookUrl, webhookSecret, faults, help);
    }

    public SandboxOptions withFaults(Faults faults) {
        return new SandboxOptions(host, port, key, secret, webhookUrl, webhookSecret, faults, help);
    }

    public SandboxOptions withWebhooks(String url, String webhookSecret) {
        return new SandboxOptions(host, port, key, secret, url, webhookSecret, faults, help);
    }

    static SandboxOptions parse(String... args) {
        String host = "127.0.0.1", key = DEFAULT_KEY, secret = DEFAULT_SECRET;
        String webhookUrl = null, webhookSecret = DEFAULT_WEBHOOK_SECRET;
        int port = 18080;
        ObjectNode faultFlags = SandboxServer.JSON.createObjectNode();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--help") || flag.equals("-h")) {
                return new SandboxOptions(host, port, key, secret, Faults.NONE, true);
            }
            if (!flag.startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --flag value, got " + flag);
            }
            String value = args[++i];
            switch (flag) {
                case "--port" -> port = Integer.parseInt(value);
                case "--host" -> host = value;
                case "--key" -> key = value;
                case "--secret" -> secret = value;
                case "--webhook-url" -> webhookUrl = value;
                case "--webhook-secret" -> webhookSecret = value;
                default -> faultFlags.put(camelCase(flag.substring(2)), value);
            }
        }
        Faults faults = SandboxServer.merge(Faults.NONE, faultFlags);
        return new SandboxOptions(host, port, key, secret, webhookUrl, webhookSecret, faults, false);
    }

    private static String camelCase(String kebab) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : kebab.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }
}
