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
 *
 * <p>Every account may have a test account: a second account with play money (the sandbox
 * credit), created the first time it asks for a test key. Test keys ({@value #TEST_KEY_PREFIX}…)
 * open the test account, so every API works with them unchanged, while its orders go to the
 * simulator only and its money never meets real money (see {@code V24__test_keys.sql}).
 */
public final class Accounts {
    private static final String KEY_PREFIX = "np_";
    /** Test keys say what they are wherever they are pasted, as Stripe's {@code sk_test_} keys do. */
    public static final String TEST_KEY_PREFIX = "np_test_";
    /** How many of a key's random characters its owner sees beside its kind's prefix, to tell keys apart. */
    private static final int SHOWN_CHARACTERS = 7;
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

    private record Known(Caller caller, Instant until) {
    }

    /**
     * Who a live API key speaks for: its account, the key's id, and whether the compatible APIs
     * treat a repeated order from it within the duplicate window as a retry (see {@link RetryGuard}).
     */
    public record Caller(AccountId account, long keyId, boolean duplicateWindow) {
    }

    /** A price limit of 5sim's: the account's orders of {@code service} through 5sim never cost more. */
    public record MaxPrice(long id, String service, long priceMicros, Instant createdAt) {
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
        String secret = newSecret(KEY_PREFIX);
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

    /** A key of the owner's own account: a test key when the owner is a test account. */
    public NewApiKey createKey(AccountId owner, String label) {
        return createKey(owner, label, true);
    }

    /** As {@link #createKey(AccountId, String)}, with the duplicate window on or off for the new key. */
    public NewApiKey createKey(AccountId owner, String label, boolean duplicateWindow) {
        return insertKey(owner, label, stores.accounts().isTest(owner), duplicateWindow);
    }

    /**
     * A test key: a key of the owner's test account, which is created with the sandbox credit the
     * first time (of the owner itself when it is a test account). Safe when two requests race to
     * create the test account: one creates it and both get a key of it.
     */
    public NewApiKey createTestKey(AccountId owner, String label) {
        return createTestKey(owner, label, true);
    }

    /** As {@link #createTestKey(AccountId, String)}, with the duplicate window on or off for the new key. */
    public NewApiKey createTestKey(AccountId owner, String label, boolean duplicateWindow) {
        AccountId test = stores.accounts().isTest(owner) ? owner : testAccount(owner);
        return insertKey(test, label, true, duplicateWindow);
    }

    /** True for a test account: play money, simulated numbers, no Stripe. */
    public boolean isTest(AccountId account) {
        return stores.accounts().isTest(account);
    }

    /** The test account of {@code live}, if it has one yet. */
    public Optional<AccountId> testAccountOf(AccountId live) {
        return stores.accounts().testAccountOf(live);
    }

    /** The test account of {@code live}, created with the sandbox credit the first time (safe under races). */
    public AccountId testAccount(AccountId live) {
        Optional<AccountId> known = stores.accounts().testAccountOf(live);
        if (known.isPresent()) {
            return known.get();
        }
        try {
            return stores.transaction(s -> {
                Instant now = clock.instant();
                AccountId test = s.accounts().insertAccount(true, Optional.of(live), "USD", now);
                Ledger.creditSandbox(s, test, SANDBOX_CREDIT_MICROS, "sandbox:" + test.value(), now);
                return test;
            });
        } catch (ConstraintViolation e) {
            // The unique index on test_of: another request created it first, and that one is it.
            return stores.accounts().testAccountOf(live).orElseThrow(() -> e);
        }
    }

    private NewApiKey insertKey(AccountId owner, String label, boolean test, boolean duplicateWindow) {
        String secret = newSecret(test ? TEST_KEY_PREFIX : KEY_PREFIX);
        long id = stores.accounts().insertApiKey(owner, label, shown(secret), hash(secret), duplicateWindow, clock.instant());
        return new NewApiKey(id, owner, label, shown(secret), secret, test, duplicateWindow);
    }

    /** The start of a key its owner sees in lists: its kind and a few random characters. */
    private static String shown(String secret) {
        int kind = secret.startsWith(TEST_KEY_PREFIX) ? TEST_KEY_PREFIX.length() : KEY_PREFIX.length();
        return secret.substring(0, Math.min(kind + SHOWN_CHARACTERS, secret.length()));
    }

    /** The account a live (unrevoked) key belongs to. */
    public Optional<AccountId> authenticate(String secret) {
        return caller(secret).map(Caller::account);
    }

    /** The account, id and settings of a live (unrevoked) key. */
    public Optional<Caller> caller(String secret) {
        if (secret == null || secret.isEmpty() || secret.length() > 200) {
            return Optional.empty();
        }
        byte[] hash = hash(secret);
        String id = HexFormat.of().formatHex(hash);
        Instant now = clock.instant();
        Known k = known.get(id);
        if (k != null && now.isBefore(k.until())) {
            return Optional.of(k.caller());
        }
        Optional<Caller> caller = stores.accounts().callerForKey(hash);
        if (caller.isPresent()) {
            if (known.size() > 100_000) {
                known.clear(); // bounded; only live keys are remembered, never failed guesses
            }
            known.put(id, new Known(caller.get(), now.plus(AUTH_CACHE)));
        }
        return caller;
    }

    // 5sim's price limits -------------------------------------------------------------------------

    /** The owner's price limits, by service code. */
    public List<MaxPrice> maxPrices(AccountId owner) {
        return stores.maxPrices().maxPrices(owner);
    }

    /** The owner's price limit for one service, if it set one. */
    public java.util.OptionalLong maxPrice(AccountId owner, String service) {
        return stores.maxPrices().maxPrice(owner, service);
    }

    /** Sets (or replaces) the owner's price limit for a service of the catalogue; {@code priceMicros} above zero. */
    public void setMaxPrice(AccountId owner, String service, long priceMicros) {
        if (priceMicros <= 0) {
            throw new IllegalArgumentException("a price limit is above zero");
        }
        stores.maxPrices().setMaxPrice(owner, service, priceMicros, clock.instant());
    }

    /** Removes the owner's price limit for a service; false when there was none. */
    public boolean removeMaxPrice(AccountId owner, String service) {
        return stores.maxPrices().removeMaxPrice(owner, service);
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
        long keyId = s.accounts().insertApiKey(owner, label, shown(secret), hash(secret), clock.instant());
        Ledger.creditSandbox(s, owner, creditMicros, "sandbox:" + owner.value(), clock.instant());
        return new NewApiKey(keyId, owner, label, shown(secret), secret, false, true);
    }

    private String newSecret(String kind) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return kind + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static byte[] hash(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
