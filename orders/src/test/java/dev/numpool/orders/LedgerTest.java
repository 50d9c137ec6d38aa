package dev.numpool.orders;

import dev.numpool.db.TestClock;
import dev.numpool.db.Database;
import dev.numpool.db.TestServers;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.stream.Collectors;

import static dev.numpool.db.jooq.Tables.ACTIVATION;
import static dev.numpool.db.jooq.Tables.LEDGER_ACCOUNT;
import static dev.numpool.db.jooq.Tables.TRANSFER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ledger's guarantees, checked where they live: in the database. Direct SQL plays the part of
 * a future bug that goes around the orders door; the schema must refuse it all the same. Each test
 * gets its own database, because some of them tamper with it on purpose.
 */
class LedgerTest {
    private static final long CREDIT_MICROS = Accounts.SANDBOX_CREDIT_MICROS;

    private Database db;
    private TestClock clock;
    private Marketplace market;

    @BeforeEach
    void freshLedger() {
        db = TestServers.freshDatabase();
        clock = new TestClock(Instant.parse("2026-03-02T09:00:00Z"));
        market = Marketplace.open(db, clock);
    }

    @AfterEach
    void close() {
        market.close();
        db.close();
    }

    @Test
    void transfersCannotBeEditedOrDeleted() {
        AccountId owner = market.accounts().createSandboxAccount("test").owner();
        long creditId = db.dsl().select(TRANSFER.ID).from(TRANSFER).where(TRANSFER.KIND.eq("sandbox_credit"))
                .and(TRANSFER.CREDIT_ACCOUNT_ID.eq(ledgerAccount(owner, "wallet"))).fetchSingle(TRANSFER.ID);

        DataAccessException update = assertThrows(DataAccessException.class, () -> db.dsl().update(TRANSFER)
                .set(TRANSFER.AMOUNT_MICROS, 1L).where(TRANSFER.ID.eq(creditId)).execute());
        DataAccessException delete = assertThrows(DataAccessException.class, () -> db.dsl().deleteFrom(TRANSFER)
                .where(TRANSFER.ID.eq(creditId)).execute());

        assertTrue(update.getMessage().contains("append-only"), update.getMessage());
        assertTrue(delete.getMessage().contains("append-only"), delete.getMessage());
        assertEquals(CREDIT_MICROS, db.dsl().select(TRANSFER.AMOUNT_MICROS).from(TRANSFER).where(TRANSFER.ID.eq(creditId))
                .fetchSingle(TRANSFER.AMOUNT_MICROS));
        assertEquals(new Balance("USD", CREDIT_MICROS, 0), market.ledger().balance(owner));
    }

    @Test
    void aHoldResolvesOnlyOnceEvenWhenTheMoneyWouldBeThere() {
        AccountId owner = market.accounts().createSandboxAccount("test").owner();
        Activation cancelled = buy(owner);
        Activation stillWaiting = buy(owner);
        clock.advance(Duration.ofMinutes(3));
        assertInstanceOf(ActivationChange.Changed.class, market.orders().cancel(owner, cancelled.id()));
        long holdId = holdOf(cancelled.id());
        Balance before = market.ledger().balance(owner);
        // The other live activation keeps enough in "held" that only the one-resolution rule can refuse.
        assertTrue(before.heldMicros() >= cancelled.priceMicros());

        DataAccessException secondVoid = assertThrows(DataAccessException.class, () -> insertTransfer("void",
                ledgerAccount(owner, "held"), ledgerAccount(owner, "wallet"), cancelled.priceMicros(), holdId));
        DataAccessException postAfterVoid = assertThrows(DataAccessException.class, () -> insertTransfer("post",
                ledgerAccount(owner, "held"), houseLedger("revenue"), cancelled.priceMicros(), holdId));

        assertTrue(secondVoid.getMessage().contains("transfer_hold_resolved_once"), secondVoid.getMessage());
        assertTrue(postAfterVoid.getMessage().contains("transfer_hold_resolved_once"), postAfterVoid.getMessage());
        assertEquals(before, market.ledger().balance(owner));
        assertEquals(1, db.dsl().fetchCount(TRANSFER, TRANSFER.HOLD_ID.eq(holdId)));
        assertEquals(ActivationStatus.WAITING_CODE, market.orders().activation(owner, stillWaiting.id()).orElseThrow().status());
    }

    @Test
    void aWalletCannotGoBelowZeroEvenThroughDirectSql() {
        AccountId owner = market.accounts().createSandboxAccount("test").owner();
        int transfersBefore = db.dsl().fetchCount(TRANSFER);

        DataAccessException overdraft = assertThrows(DataAccessException.class, () -> insertTransfer("hold",
                ledgerAccount(owner, "wallet"), ledgerAccount(owner, "held"), CREDIT_MICROS + 1, null));

        assertTrue(overdraft.getMessage().contains("ledger_balance_not_negative"), overdraft.getMessage());
        assertEquals(new Balance("USD", CREDIT_MICROS, 0), market.ledger().balance(owner));
        assertEquals(transfersBefore, db.dsl().fetchCount(TRANSFER));

        insertTransfer("hold", ledgerAccount(owner, "wallet"), ledgerAccount(owner, "held"), CREDIT_MICROS, null);
        // Held money is the open holds of live activations (V16); this bare hold has none, so
        // only the wallet is read back here (and the audit names the hold, see below).
        assertEquals(0, market.ledger().balance(owner).availableMicros(), "down to exactly zero is allowed");
        assertEquals(List.of("1 open holds of no activation"), market.ledger().audit());
    }

    @Test
    void aPostOrVoidMovesExactlyItsHoldOutOfTheAccountItWentInto() {
        AccountId owner = market.accounts().createSandboxAccount("owner").owner();
        AccountId other = market.accounts().createSandboxAccount("other").owner();
        Activation waiting = buy(owner);
        buy(other);
        long holdId = holdOf(waiting.id());
        Balance before = market.ledger().balance(owner);

        DataAccessException less = assertThrows(DataAccessException.class, () -> insertTransfer("post",
                ledgerAccount(owner, "held"), houseLedger("revenue"), waiting.priceMicros() - 1, holdId));
        DataAccessException more = assertThrows(DataAccessException.class, () -> insertTransfer("void",
                ledgerAccount(owner, "held"), ledgerAccount(owner, "wallet"), waiting.priceMicros() + 1, holdId));
        DataAccessException elsewhere = assertThrows(DataAccessException.class, () -> insertTransfer("post",
                ledgerAccount(other, "held"), houseLedger("revenue"), waiting.priceMicros(), holdId));
        DataAccessException voidToAnother = assertThrows(DataAccessException.class, () -> insertTransfer("void",
                ledgerAccount(owner, "held"), ledgerAccount(other, "wallet"), waiting.priceMicros(), holdId));
        DataAccessException postToAWallet = assertThrows(DataAccessException.class, () -> insertTransfer("post",
                ledgerAccount(owner, "held"), ledgerAccount(owner, "wallet"), waiting.priceMicros(), holdId));
        DataAccessException notAResolution = assertThrows(DataAccessException.class, () -> insertTransfer("sandbox_credit",
                ledgerAccount(owner, "held"), ledgerAccount(owner, "wallet"), waiting.priceMicros(), null));

        for (DataAccessException refused : List.of(less, more, elsewhere, voidToAnother, postToAWallet)) {
            assertTrue(refused.getMessage().contains("transfer_resolution_matches_hold"), refused.getMessage());
        }
        assertTrue(notAResolution.getMessage().contains("transfer_held_left_only_by_resolutions"), notAResolution.getMessage());
        assertEquals(before, market.ledger().balance(owner));
        assertEquals(0, db.dsl().fetchCount(TRANSFER, TRANSFER.HOLD_ID.eq(holdId)));
        assertEquals(List.of(), market.ledger().audit());
    }

    @Test
    void cachedBalancesEqualTheirTransfersAfterEveryKindOfMovement() {
        AccountId alice = market.accounts().createSandboxAccount("alice").owner();
        AccountId bob = market.accounts().createSandboxAccount("bob").owner();
        market.ledger().creditSandbox(bob, 25_000_000L, "top-up:bob");

        Activation finished = buy(alice);
        market.orders().injectSandboxSms(alice, finished.id(), "Telegram", "Telegram code: 11111");
        market.orders().requestAnotherCode(alice, finished.id());
        market.orders().injectSandboxSms(alice, finished.id(), "Telegram", "Telegram code: 22222");
        Activation cancelled = buy(alice);
        Activation coded = buy(bob);
        market.orders().injectSandboxSms(bob, coded.id(), "Telegram", "Telegram code: 33333");
        Activation expired = buy(bob);
        clock.advance(Duration.ofMinutes(3));
        market.orders().finish(alice, finished.id());
        market.orders().cancel(alice, cancelled.id());
        market.orders().injectSandboxSms(alice, cancelled.id(), "Telegram", "Telegram code: 44444"); // late
        clock.advance(Duration.ofMinutes(18));
        // Due now: the code-received one (finishes) and the waiting one (expires); the finished and
        // cancelled ones ended already and must not be swept again.
        assertEquals(2, market.orders().expireDue(100));
        Activation bought = buy(alice); // after the sweep, still waiting

        assertEquals(List.of(), market.ledger().audit());
        long charged = finished.priceMicros() + coded.priceMicros();
        assertEquals(new Balance("USD", CREDIT_MICROS - finished.priceMicros() - bought.priceMicros(), bought.priceMicros()),
                market.ledger().balance(alice));
        assertEquals(new Balance("USD", CREDIT_MICROS + 25_000_000L - coded.priceMicros(), 0), market.ledger().balance(bob));
        assertEquals(charged, sumByKind().get("revenue"), "revenue is exactly the codes delivered");
        assertEquals(-(2 * CREDIT_MICROS + 25_000_000L), sumByKind().get("sandbox_funding"));
        assertEquals(0L, sumByKind().values().stream().mapToLong(Long::longValue).sum(),
                "every transfer debits exactly what it credits");
        assertEquals(ActivationStatus.FINISHED, market.orders().activation(bob, coded.id()).orElseThrow().status());
        assertEquals(ActivationStatus.EXPIRED, market.orders().activation(bob, expired.id()).orElseThrow().status());
    }

    @Test
    void theAuditReportsACachedBalanceThatDriftedFromItsTransfers() {
        AccountId owner = market.accounts().createSandboxAccount("test").owner();
        long wallet = ledgerAccount(owner, "wallet");

        db.dsl().update(LEDGER_ACCOUNT).set(LEDGER_ACCOUNT.BALANCE_MICROS, LEDGER_ACCOUNT.BALANCE_MICROS.plus(1))
                .where(LEDGER_ACCOUNT.ID.eq(wallet)).execute();

        List<String> problems = market.ledger().audit();
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.getFirst().contains("ledger account " + wallet), problems.toString());
    }

    @Test
    void theAuditReportsAnEndedActivationWhoseHoldWasNeverResolved() {
        AccountId owner = market.accounts().createSandboxAccount("test").owner();
        Activation bought = buy(owner);

        // A bug that ends an activation without voiding its hold would leave the money held forever.
        db.dsl().update(ACTIVATION).set(ACTIVATION.STATUS, "cancelled")
                .set(ACTIVATION.ENDED_AT, clock.instant().atOffset(ZoneOffset.UTC))
                .where(ACTIVATION.ID.eq(bought.id())).execute();

        assertEquals(List.of("1 ended activations with an unresolved hold"), market.ledger().audit());
    }

    // ----------------------------------------------------------------------------------------------

    private Activation buy(AccountId owner) {
        PlaceResult result = market.orders().place(owner,
                new OrderRequest(market.inventory().service("tg").orElseThrow(), market.inventory().country(0).orElseThrow(),
                        "any", OptionalLong.empty(), List.of()),
                new IdempotencyKey("buy-" + UUID.randomUUID()),
                Orders.fingerprint("POST", "/v1/activations", "{\"service\":\"tg\",\"country\":0}".getBytes(StandardCharsets.UTF_8)),
                a -> new StoredResponse(201, ("{\"id\":" + a.id() + "}").getBytes(StandardCharsets.UTF_8)));
        return assertInstanceOf(PlaceResult.Placed.class, result).activation();
    }

    private long ledgerAccount(AccountId owner, String kind) {
        return db.dsl().select(LEDGER_ACCOUNT.ID).from(LEDGER_ACCOUNT)
                .where(LEDGER_ACCOUNT.ACCOUNT_ID.eq(owner.value())).and(LEDGER_ACCOUNT.KIND.eq(kind))
                .fetchSingle(LEDGER_ACCOUNT.ID);
    }

    private long houseLedger(String kind) {
        return db.dsl().select(LEDGER_ACCOUNT.ID).from(LEDGER_ACCOUNT)
                .where(LEDGER_ACCOUNT.ACCOUNT_ID.isNull()).and(LEDGER_ACCOUNT.KIND.eq(kind)).and(LEDGER_ACCOUNT.CURRENCY.eq("USD"))
                .fetchSingle(LEDGER_ACCOUNT.ID);
    }

    private long holdOf(int activationId) {
        return db.dsl().select(ACTIVATION.HOLD_ID).from(ACTIVATION).where(ACTIVATION.ID.eq(activationId)).fetchSingle(ACTIVATION.HOLD_ID);
    }

    private void insertTransfer(String kind, long debit, long credit, long amountMicros, Long holdId) {
        db.dsl().insertInto(TRANSFER)
                .set(TRANSFER.KIND, kind).set(TRANSFER.DEBIT_ACCOUNT_ID, debit).set(TRANSFER.CREDIT_ACCOUNT_ID, credit)
                .set(TRANSFER.AMOUNT_MICROS, amountMicros).set(TRANSFER.HOLD_ID, holdId).set(TRANSFER.REFERENCE, "direct-sql")
                .set(TRANSFER.CREATED_AT, clock.instant().atOffset(ZoneOffset.UTC))
                .execute();
    }

    /**
     * Credits minus debits of every ledger account, computed from the transfers alone (not the
     * cached balances) and summed per kind of account.
     */
    private Map<String, Long> sumByKind() {
        var credits = DSL.coalesce(DSL.select(DSL.sum(TRANSFER.AMOUNT_MICROS)).from(TRANSFER)
                .where(TRANSFER.CREDIT_ACCOUNT_ID.eq(LEDGER_ACCOUNT.ID)).asField(), BigDecimal.ZERO);
        var debits = DSL.coalesce(DSL.select(DSL.sum(TRANSFER.AMOUNT_MICROS)).from(TRANSFER)
                .where(TRANSFER.DEBIT_ACCOUNT_ID.eq(LEDGER_ACCOUNT.ID)).asField(), BigDecimal.ZERO);
        return db.dsl().select(LEDGER_ACCOUNT.KIND, credits.minus(debits)).from(LEDGER_ACCOUNT).fetch().stream()
                .collect(Collectors.groupingBy(r -> r.value1(), Collectors.summingLong(r -> r.value2().longValueExact())));
    }
}
