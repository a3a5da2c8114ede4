package dev.cadc.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The SASL_SSL material of a development broker, kept in its data directory: a CA and a broker
 * certificate ({@code SAN=IP:127.0.0.1,DNS:localhost}) made with the running JDK's {@code keytool}, one
 * SCRAM-SHA-512 user with a random password, and the two files a client needs, {@code ca.pem} and
 * {@code client.properties} (owner-only, mode 0600).
 *
 * <p>Everything is made once per data directory and reused at every restart, so the clients' settings
 * stay valid. The SCRAM user exists in the broker's metadata only because the storage is formatted with
 * it ({@link #scramFormatArgument()}); a data directory formatted without it cannot be secured later.
 * The password is written to owner-only files and never to a log or a message.
 */
public final class SaslSslSetup {

    /** The SASL mechanism of clients and of the broker's own inter-broker connections. */
    public static final String MECHANISM = "SCRAM-SHA-512";
    /** The one SCRAM user, shared by the clients and the broker's inter-broker connections. */
    public static final String USERNAME = "cadc";
    /** The client settings file in the data directory, for {@code --kafka-config}. */
    public static final String CLIENT_PROPERTIES = "client.properties";
    /** The CA certificate (PEM) in the data directory, which clients trust. */
    public static final String CA_PEM = "ca.pem";

    private static final String SECURITY_DIR = "security";
    private static final String SECRETS = "secrets.properties";
    private static final String KEYSTORE = "broker.p12";
    private static final String CA_ALIAS = "cadc-ca";
    private static final String BROKER_ALIAS = "broker";
    /** keytool reads store passwords from this variable of its environment, never from its arguments. */
    private static final String STORE_PASSWORD_VARIABLE = "CADC_STORE_PASSWORD";
    private static final long KEYTOOL_TIMEOUT_SECONDS = 60;
    private static final int CA_VALIDITY_DAYS = 3650;
    /** The longest server certificate validity that TLS clients accept. */
    private static final int BROKER_VALIDITY_DAYS = 825;
    private static final int SECRET_LENGTH = 32;
    private static final String SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final Path dataDir;
    private final String password;
    private final String keystorePassword;

    private SaslSslSetup(Path dataDir, String password, String keystorePassword) {
        this.dataDir = dataDir;
        this.password = password;
        this.keystorePassword = keystorePassword;
    }

    /** Whether {@code dataDir} holds SASL_SSL material made by {@link #prepare}. */
    static boolean existsIn(Path dataDir) {
        return Files.isRegularFile(dataDir.resolve(SECURITY_DIR).resolve(SECRETS));
    }

    /**
     * Loads the material of {@code dataDir}, or makes it when there is none: random secrets, the CA and
     * broker certificate, {@code ca.pem} and {@code client.properties}. The two client files are
     * rewritten at every call (they name the data directory's absolute path).
     */
    static SaslSslSetup prepare(Path dataDir) {
        Path dir = dataDir.toAbsolutePath();
        Path security = dir.resolve(SECURITY_DIR);
        try {
            Files.createDirectories(security, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            SaslSslSetup setup;
            if (existsIn(dir)) {
                Properties secrets = new Properties();
                try (InputStream in = Files.newInputStream(security.resolve(SECRETS))) {
                    secrets.load(in);
                }
                setup = new SaslSslSetup(dir, require(secrets, "scram.password"), require(secrets, "keystore.password"));
            } else {
                // The secrets first: a later failure must not leave a formatted broker whose password is lost.
                setup = new SaslSslSetup(dir, randomSecret(), randomSecret());
                writePrivately(security.resolve(SECRETS), "scram.username=" + USERNAME + "\nscram.password=" + setup.password
                        + "\nkeystore.password=" + setup.keystorePassword + "\n");
            }
            if (!Files.isRegularFile(security.resolve(KEYSTORE)) || !Files.isRegularFile(security.resolve(CA_PEM))) {
                setup.makeCertificates(security);
            }
            setup.writeClientFiles(security);
            return setup;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the SASL_SSL files in " + security, e);
        }
    }

    /** {@code DIR/client.properties}: the settings every client needs, for {@code --kafka-config}. */
    public Path clientProperties() {
        return dataDir.resolve(CLIENT_PROPERTIES);
    }

    /** {@code DIR/ca.pem}: the CA certificate clients trust. */
    public Path caCertificate() {
        return dataDir.resolve(CA_PEM);
    }

    /** The client settings of {@link #clientProperties()}, as a map for the Java clients. */
    public Map<String, Object> clientConfig() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("security.protocol", "SASL_SSL");
        config.put("sasl.mechanism", MECHANISM);
        config.put("sasl.jaas.config", jaasConfig(USERNAME, password));
        config.put("ssl.truststore.type", "PEM");
        config.put("ssl.truststore.location", caCertificate().toString());
        return config;
    }

    /** The {@code sasl.jaas.config} value of a SCRAM client. */
    public static String jaasConfig(String username, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + username
                + "\" password=\"" + password + "\";";
    }

    /** The value of {@code kafka-storage format --add-scram} that creates the SCRAM user at format time. */
    String scramFormatArgument() {
        return MECHANISM + "=[name=" + USERNAME + ",password=" + password + "]";
    }

    /**
     * Makes {@code listenerName} (a listener of security protocol SASL_SSL) the client and inter-broker
     * listener's settings: SCRAM-SHA-512 only, the broker certificate, the CA as trust (the broker
     * connects to itself as a client too), no client certificates.
     */
    void addServerProperties(Properties props, String listenerName) {
        String prefix = "listener.name." + listenerName.toLowerCase(Locale.ROOT) + "."
                + MECHANISM.toLowerCase(Locale.ROOT) + ".";
        props.put("sasl.enabled.mechanisms", MECHANISM);
        props.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
        props.put(prefix + "sasl.jaas.config", jaasConfig(USERNAME, password));
        Path security = dataDir.resolve(SECURITY_DIR);
        props.put("ssl.keystore.type", "PKCS12");
        props.put("ssl.keystore.location", security.resolve(KEYSTORE).toString());
        props.put("ssl.keystore.password", keystorePassword);
        props.put("ssl.key.password", keystorePassword);
        props.put("ssl.truststore.type", "PEM");
        props.put("ssl.truststore.location", security.resolve(CA_PEM).toString());
        props.put("ssl.client.auth", "none");
    }

    /**
     * The CA and the broker's key and certificate in one PKCS12 store: the CA signs the broker
     * certificate (keytool's {@code -signer}), is exported as PEM, and its private key is then deleted,
     * so the store holds the broker's key alone and no further certificate can be signed.
     */
    private void makeCertificates(Path security) throws IOException {
        Path keystore = security.resolve(KEYSTORE);
        Path caPem = security.resolve(CA_PEM);
        Files.deleteIfExists(keystore);
        Files.deleteIfExists(caPem);
        String store = keystore.toString();
        keytool(security, "-genkeypair", "-alias", CA_ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=cadc development CA", "-ext", "bc:c=ca:true,pathlen:0", "-ext", "ku:c=keyCertSign,cRLSign",
                "-validity", Integer.toString(CA_VALIDITY_DAYS), "-storetype", "PKCS12", "-keystore", store);
        keytool(security, "-genkeypair", "-alias", BROKER_ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost", "-ext", "eku=serverAuth",
                "-ext", "ku:c=digitalSignature", "-validity", Integer.toString(BROKER_VALIDITY_DAYS),
                "-signer", CA_ALIAS, "-keystore", store);
        keytool(security, "-exportcert", "-rfc", "-alias", CA_ALIAS, "-file", caPem.toString(), "-keystore", store);
        keytool(security, "-delete", "-alias", CA_ALIAS, "-keystore", store);
    }

    private void writeClientFiles(Path security) throws IOException {
        writePrivately(caCertificate(), Files.readString(security.resolve(CA_PEM), StandardCharsets.US_ASCII));
        StringBuilder text = new StringBuilder();
        clientConfig().forEach((key, value) -> text.append(key).append('=').append(escapeValue(value.toString())).append('\n'));
        writePrivately(clientProperties(), text.toString());
    }

    /**
     * Runs the running JDK's keytool with the keystore password in its environment; its output is
     * kept for the error message only.
     */
    private void keytool(Path workDir, String... arguments) throws IOException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        if (!Files.isExecutable(keytool)) {
            throw new IllegalStateException("no keytool at " + keytool + ": the SASL_SSL broker makes its certificates with"
                    + " the JDK's keytool; run cadc with a full JDK");
        }
        List<String> command = new ArrayList<>(List.of(keytool.toString(), "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
        command.addAll(List.of(arguments));
        command.addAll(List.of("-storepass:env", STORE_PASSWORD_VARIABLE, "-noprompt"));
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
        builder.environment().put(STORE_PASSWORD_VARIABLE, keystorePassword);
        Process process = builder.start();
        process.getOutputStream().close();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (InputStream in = process.getInputStream()) {
            in.transferTo(output);
        }
        try {
            if (!process.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool " + arguments[0] + " did not finish within " + KEYTOOL_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while keytool " + arguments[0] + " ran", e);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("keytool " + arguments[0] + " failed (exit " + process.exitValue() + "): "
                    + output.toString(StandardCharsets.UTF_8).trim());
        }
    }

    /** Writes {@code text} to {@code file} through an owner-only temporary file, replacing it at once. */
    private static void writePrivately(Path file, String text) throws IOException {
        Path temporary = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(temporary, text, StandardCharsets.ISO_8859_1);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /**
     * A {@code .properties} value that Java (as bytes or as text) and the Python client read back
     * unchanged: backslashes doubled, anything outside printable ASCII as {@code \\uXXXX}.
     */
    private static String escapeValue(String value) {
        StringBuilder escaped = new StringBuilder();
        for (char c : value.toCharArray()) {
            if (c == '\\') {
                escaped.append("\\\\");
            } else if (c < 0x20 || c > 0x7e) {
                escaped.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                escaped.append(c);
            }
        }
        return escaped.toString();
    }

    private static String randomSecret() {
        SecureRandom random = new SecureRandom();
        StringBuilder secret = new StringBuilder(SECRET_LENGTH);
        for (int i = 0; i < SECRET_LENGTH; i++) {
            secret.append(SECRET_ALPHABET.charAt(random.nextInt(SECRET_ALPHABET.length())));
        }
        return secret.toString();
    }

    private static String require(Properties secrets, String name) {
        String value = secrets.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(SECURITY_DIR + "/" + SECRETS + " lacks " + name
                    + "; it was changed by hand: start over with a new --data-dir");
        }
        return value;
    }

    /** Not the secrets. */
    @Override
    public String toString() {
        return "SASL_SSL (" + MECHANISM + " user " + USERNAME + ") in " + dataDir;
    }
}
