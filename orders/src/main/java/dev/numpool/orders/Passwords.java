package dev.numpool.orders;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Password hashing with Argon2id (BouncyCastle), at OWASP's recommended minimum: 19 MiB of
 * memory, 2 iterations, 1 lane, a 16-byte random salt and a 32-byte hash. Hashes are kept as PHC
 * strings ({@code $argon2id$v=19$m=19456,t=2,p=1$salt$hash}) so each carries its own parameters:
 * raising them later leaves old hashes verifiable.
 */
final class Passwords {
    static final int MEMORY_KIB = 19 * 1024;
    static final int ITERATIONS = 2;
    static final int PARALLELISM = 1;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final Pattern PHC = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=([0-9]{1,7}),t=([0-9]{1,2}),p=([0-9]{1,2})\\$([A-Za-z0-9+/]{16,64})\\$([A-Za-z0-9+/]{16,128})");
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private final SecureRandom random = new SecureRandom();

    String hash(String password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] hash = argon2(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM, HASH_BYTES);
        return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM + "$" + B64.encodeToString(salt) + "$"
                + B64.encodeToString(hash);
    }

    /** True when {@code password} matches the PHC string; compared in constant time. */
    boolean verify(String password, String phc) {
        Optional<Parsed> parsed = parse(phc);
        if (parsed.isEmpty()) {
            return false;
        }
        Parsed p = parsed.get();
        byte[] actual = argon2(password, p.salt(), p.memoryKib(), p.iterations(), p.parallelism(), p.hash().length);
        return MessageDigest.isEqual(actual, p.hash());
    }

    /** True when the stored hash was made with weaker parameters than today's (rehash at the next sign-in). */
    static boolean outdated(String phc) {
        return parse(phc).map(p -> p.memoryKib() < MEMORY_KIB || p.iterations() < ITERATIONS).orElse(true);
    }

    private record Parsed(int memoryKib, int iterations, int parallelism, byte[] salt, byte[] hash) {
    }

    private static Optional<Parsed> parse(String phc) {
        Matcher m = phc == null ? null : PHC.matcher(phc);
        if (m == null || !m.matches()) {
            return Optional.empty();
        }
        int memory = Integer.parseInt(m.group(1));
        int iterations = Integer.parseInt(m.group(2));
        int parallelism = Integer.parseInt(m.group(3));
        // Bounds on what a stored string may ask of this node: a tampered row must not become a denial of service.
        if (memory < 8 || memory > 256 * 1024 || iterations < 1 || iterations > 10 || parallelism < 1 || parallelism > 8) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Parsed(memory, iterations, parallelism, B64D.decode(m.group(4)), B64D.decode(m.group(5))));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Each hash takes 19 MiB and tens of milliseconds; sign-ins spread over many addresses and
     * emails pass the rate limits, so at most this many run at once and the rest wait, bounded.
     */
    static final int CONCURRENT_HASHES = Math.max(2, 2 * Runtime.getRuntime().availableProcessors());
    static final java.time.Duration HASH_QUEUE_WAIT = java.time.Duration.ofSeconds(5);
    private static final java.util.concurrent.Semaphore HASHING = new java.util.concurrent.Semaphore(CONCURRENT_HASHES, true);

    /** Thrown when no hashing slot frees up within {@link #HASH_QUEUE_WAIT}: the caller answers "busy, try again". */
    static final class Busy extends RuntimeException {
        Busy() {
            super("too many password hashes at once", null, false, false);
        }
    }

    private static byte[] argon2(String password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        try {
            if (!HASHING.tryAcquire(HASH_QUEUE_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new Busy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Busy();
        }
        try {
            return argon2Now(password, salt, memoryKib, iterations, parallelism, length);
        } finally {
            HASHING.release();
        }
    }

    private static byte[] argon2Now(String password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKib).withIterations(iterations).withParallelism(parallelism).withSalt(salt)
                .build());
        byte[] out = new byte[length];
        generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
        return out;
    }
}
