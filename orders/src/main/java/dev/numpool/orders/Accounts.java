package dev.numpool.orders;

import dev.numpool.db.Database;
import dev.numpool.db.ConstraintViolation;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Accounts and their API keys. A key is 256 random bits shown once at creation; only its SHA-256
 * is stored (a fast hash is enough for a secret with that much entropy), and it can be revoked.
 */
public final class Accounts {
    private static final String KEY_PREFIX = "np_";
    private static final int PREFIX_LENGTH = 10;
    /** Sandbox accounts start with 100.00 USD of play money. */
    public static final long SANDBOX_CREDIT_MICROS = 100_000_000L;

    /**
     * Every API request authenticates, so a node remembers a key's account briefly instead of
     * asking the database each time; a revoked key therefore stops working within this long.
     */
    static final Duration AUTH_CACHE = Duration.ofSeconds(5);

    private final Stores stores;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Known> known = new ConcurrentHashMap<>();

    private record Known(Optional<AccountId> account, Instant until) {
    }

    Accounts(Stores stores, Clock clock) {
        this.stores = stores;
        this.clock = clock;
    }

    public static Accounts create(Database db, Clock clock) {
        return new Accounts(new Stores(db.dsl()), clock);
    }

    /** A sandbox account with its first API key and the sandbox credit, in one transaction. */
    public NewApiKey createSandboxAccount(String label) {
        String secret = newSecret();
        return stores.transaction(s -> createWithKey(s, secret, label, SANDBOX_CREDIT_MICROS));
    }

    /**
     * Makes sure an account with exactly this API key exists (the demo account). Safe to call at
     * every start and from several nodes at once: the key's hash is unique.
     */
    public void ensureDemoAccount(String secret) {
        if (secret == null || secret.length() < 16) {
            throw new OrdersException(OrdersException.Reason.BAD_CONFIGURATION, "the demo API key must be at least 16 characters");
        }
        if (stores.accounts().keyExists(hash(secret))) {
            return;
        }
        try {
            stores.transaction(s -> createWithKey(s, secret, "demo", SANDBOX_CREDIT_MICROS));
        } catch (ConstraintViolation e) {
            if (!stores.accounts().keyExists(hash(secret))) {
                throw e; // not the race with another node creating the same account
            }
        }
    }

    public NewApiKey createKey(AccountId owner, String label) {
        String secret = newSecret();
        long id = stores.accounts().insertApiKey(owner, label, secret.substring(0, PREFIX_LENGTH), hash(secret), clock.instant());
        return new NewApiKey(id, owner, label, secret.substring(0, PREFIX_LENGTH), secret);
    }

    /** The account a live (unrevoked) key belongs to. */
    public Optional<AccountId> authenticate(String secret) {
        if (secret == null || secret.isEmpty() || secret.length() > 200) {
            return Optional.empty();
        }
        byte[] hash = hash(secret);
        String id = HexFormat.of().formatHex(hash);
        Instant now = clock.instant();
        Known k = known.get(id);
        if (k != null && now.isBefore(k.until()) && k.account().isPresent()) {
            return k.account();
        }
        Optional<AccountId> account = stores.accounts().accountForKey(hash);
        if (account.isPresent()) {
            if (known.size() > 100_000) {
                known.clear(); // bounded; only live keys are remembered, never failed guesses
            }
            known.put(id, new Known(account, now.plus(AUTH_CACHE)));
        }
        return account;
    }

    public List<ApiKeyInfo> keys(AccountId owner) {
        return stores.accounts().keys(owner);
    }

    /** Revokes one of the owner's keys; false when it is unknown, another account's, or revoked already. */
    public boolean revoke(AccountId owner, long keyId) {
        boolean revoked = stores.accounts().revokeKey(owner, keyId, clock.instant());
        if (revoked) {
            known.clear(); // this node forgets at once; others within AUTH_CACHE
        }
        return revoked;
    }

    private NewApiKey createWithKey(Stores s, String secret, String label, long creditMicros) {
        AccountId owner = s.accounts().insertAccount(true, "USD", clock.instant());
        long keyId = s.accounts().insertApiKey(owner, label, secret.substring(0, Math.min(PREFIX_LENGTH, secret.length())), hash(secret), clock.instant());
        Ledger.creditSandbox(s, owner, creditMicros, "sandbox:" + owner.value(), clock.instant());
        return new NewApiKey(keyId, owner, label, secret.substring(0, Math.min(PREFIX_LENGTH, secret.length())), secret);
    }

    private String newSecret() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static byte[] hash(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
