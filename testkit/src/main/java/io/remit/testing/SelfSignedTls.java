package io.remit.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for {@code 127.0.0.1} and {@code localhost}, made with the JDK's {@code keytool}: a PKCS12
 * keystore for a server and a PKCS12 truststore holding only that certificate, for its clients.
 */
public record SelfSignedTls(Path keystore, Path truststore, String password) {

    /** Makes the pair in {@code dir}. */
    public static SelfSignedTls in(Path dir) throws IOException, InterruptedException {
        String password = "test-" + UUID.randomUUID();
        Path keystore = dir.resolve("server.p12");
        Path certificate = dir.resolve("server.pem");
        Path truststore = dir.resolve("trust.p12");
        keytool(
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "2",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-keystore",
                keystore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                password);
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "server",
                "-keystore",
                keystore.toString(),
                "-storepass",
                password,
                "-file",
                certificate.toString());
        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "server",
                "-file",
                certificate.toString(),
                "-keystore",
                truststore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                password);
        return new SelfSignedTls(keystore, truststore, password);
    }

    /** A Kafka broker's keystore settings, each name prefixed (e.g. {@code listener.name.client.}), one per line. */
    public String brokerProperties(String prefix) {
        return String.join(
                "\n",
                prefix + "ssl.keystore.location=" + keystore,
                prefix + "ssl.keystore.password=" + password,
                prefix + "ssl.keystore.type=PKCS12",
                prefix + "ssl.client.auth=none");
    }

    /** A Kafka client's: TLS, trusting this certificate only, the host name checked. */
    public Map<String, Object> clientProperties() {
        return Map.of(
                "security.protocol",
                "SSL",
                "ssl.truststore.location",
                truststore.toString(),
                "ssl.truststore.password",
                password,
                "ssl.truststore.type",
                "PKCS12");
    }

    /**
     * remit's arguments for clients built the way it builds every Kafka client, from Boot's factories: an SSL bundle
     * named {@code bundle} holding the truststore, applied by {@code spring.kafka.ssl.bundle}.
     */
    public List<String> springKafkaArguments(String bundle) {
        String at = "--spring.ssl.bundle.jks." + bundle + ".truststore.";
        return List.of(
                at + "location=file:" + truststore,
                at + "password=" + password,
                at + "type=PKCS12",
                "--spring.kafka.ssl.bundle=" + bundle,
                "--spring.kafka.security.protocol=SSL");
    }

    /** An HTTPS client's context, trusting this certificate only. */
    public SSLContext clientContext() throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(truststore)) {
            store.load(in, password.toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        Path java = Path.of(ProcessHandle.current().info().command().orElse("java"));
        List<String> command = new ArrayList<>();
        command.add(java.resolveSibling("keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) throw new IOException("keytool " + args[0] + " failed: " + output);
    }
}
