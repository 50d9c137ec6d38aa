package dev.numpool.orders;

import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import dev.numpool.inventory.InboundSms;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A saturated node refuses pushed SMS at once, before writing anything, instead of queueing them
 * for a database connection; and an SMS for one activation never waits for another activation's
 * SMS of the same account.
 */
class IntakeBackpressureTest {
    private Database db;
    private String url;
    private Marketplace market;

    @BeforeEach
    void open() {
        url = TestServers.freshDatabaseUrl();
        db = Database.connect(url, null, null, 10);
        // One SMS at a time, refused at once past it: the smallest node that can be saturated.
        market = Marketplace.open(db, new TestClock(Instant.now()), Map.of("orders.intake-concurrency", "1", "orders.intake-wait-millis", "0"));
    }

    @AfterEach
    void close() {
        market.close();
        db.close();
    }

    @Test
    void aSaturatedNodeRefusesAPushedSmsBeforeWritingItAndTakesItWhenSentAgain() throws Exception {
        AccountId owner = market.accounts().createSandboxAccount("busy").owner();
        Activation first = buy(owner);
        Activation second = buy(owner);
        CompletableFuture<SandboxSms> stuck;
        try (Connection blocker = DriverManager.getConnection(url)) {
            // Another transaction holds the first activation's row, so its SMS waits inside the gate.
            blocker.setAutoCommit(false);
            try (Statement st = blocker.createStatement()) {
                st.execute("select 1 from activation where id = " + first.id() + " for update");
            }
            stuck = CompletableFuture.supplyAsync(() -> market.orders().injectSandboxSms(owner, first.id(), "Telegram", "Telegram code: 11111"));
            awaitWaitingOnLock();

            assertEquals(new SandboxSms.Busy(), market.orders().injectSandboxSms(owner, second.id(), "Telegram", "Telegram code: 22222"));
            Activation pushedTo = market.orders().activation(owner, second.id()).orElseThrow();
            OrdersException refused = assertThrows(OrdersException.class, () -> market.orders().receiveSms(new InboundSms(
                    providerOf(second.id()), providerRef(second.id()), "Telegram", "Telegram code: 22222", "push-1", Instant.now())));
            assertEquals(OrdersException.Reason.SATURATED, refused.reason());
            assertEquals(0, market.orders().activation(owner, second.id()).orElseThrow().messages().size(), "nothing written");
            assertEquals(pushedTo.status(), market.orders().activation(owner, second.id()).orElseThrow().status());
            assertFalse(stuck.isDone());
            blocker.rollback();
        }
        assertInstanceOf(SandboxSms.Delivered.class, stuck.get(30, TimeUnit.SECONDS));

        SmsIntake retried = market.orders().receiveSms(new InboundSms(
                providerOf(second.id()), providerRef(second.id()), "Telegram", "Telegram code: 22222", "push-1", Instant.now()));
        assertEquals(new SmsIntake.Accepted(second.id(), java.util.Optional.of("22222")), retried);
        assertEquals(java.util.List.of(), market.ledger().audit());
    }

    @Test
    void aNodeWhoseWebhooksFallBehindTurnsPushedSmsAwayAndTakesThemWhenItCatchesUp() {
        AccountId owner = market.accounts().createSandboxAccount("behind").owner();
        Activation a = buy(owner);
        boolean[] behind = {true};
        market.orders().shedIntakeWhen(() -> behind[0]);
        // A simulated upstream that would take the injected SMS: while shedding, it must not see it
        // (it would keep an SMS whose way back through this intake is closed).
        java.util.List<String> relayed = new java.util.concurrent.CopyOnWriteArrayList<>();
        market.orders().relaySandboxSms((provider, providerRef, sender, text) -> relayed.add(text));

        assertEquals(new SandboxSms.Busy(), market.orders().injectSandboxSms(owner, a.id(), "Telegram", "Telegram code: 44444"));
        market.orders().relaySandboxSms(SandboxRelay.NONE);
        assertEquals(java.util.List.of(), relayed, "nothing handed to the upstream while shedding");
        OrdersException refused = assertThrows(OrdersException.class, () -> market.orders().receiveSms(new InboundSms(
                providerOf(a.id()), providerRef(a.id()), "Telegram", "Telegram code: 44444", "push-behind", Instant.now())));
        assertEquals(OrdersException.Reason.SATURATED, refused.reason());
        assertEquals(0, market.orders().activation(owner, a.id()).orElseThrow().messages().size(), "nothing written");

        behind[0] = false;
        assertEquals(new SmsIntake.Accepted(a.id(), java.util.Optional.of("44444")), market.orders().receiveSms(new InboundSms(
                providerOf(a.id()), providerRef(a.id()), "Telegram", "Telegram code: 44444", "push-behind", Instant.now())));
    }

    @Test
    void oneActivationsCodeDoesNotWaitForAnotherActivationOfTheSameAccount() throws Exception {
        Marketplace wide = Marketplace.open(db, new TestClock(Instant.now()));
        try {
            AccountId owner = wide.accounts().createSandboxAccount("wide").owner();
            Activation first = assertInstanceOf(PlaceResult.Placed.class, wide.buyTelegram(owner)).activation();
            Activation second = assertInstanceOf(PlaceResult.Placed.class, wide.buyTelegram(owner)).activation();
            try (Connection other = DriverManager.getConnection(url)) {
                // The first activation's code is taken in and not yet committed: its post is
                // written, its row locked, its transaction open.
                other.setAutoCommit(false);
                try (Statement st = other.createStatement()) {
                    st.execute("select 1 from activation where id = " + first.id() + " for update");
                    st.execute("update activation set status = 'code_received' where id = " + first.id());
                    st.execute("insert into transfer (kind, debit_account_id, credit_account_id, amount_micros, hold_id, reference) "
                            + "select 'post', h.credit_account_id, r.id, h.amount_micros, h.id, 'activation:" + first.id() + "' "
                            + "from activation a join transfer h on h.id = a.hold_id, ledger_account r "
                            + "where a.id = " + first.id() + " and r.kind = 'revenue' and r.account_id is null");
                }
                // Held money used to be one cached row per account, which this post would hold
                // locked until its commit; now the second code goes through meanwhile.
                SandboxSms sms = CompletableFuture.supplyAsync(() -> wide.orders().injectSandboxSms(owner, second.id(), "Telegram", "Telegram code: 33333"))
                        .get(10, TimeUnit.SECONDS);
                assertEquals(ActivationStatus.CODE_RECEIVED, assertInstanceOf(SandboxSms.Delivered.class, sms).activation().orElseThrow().status());
                other.rollback();
            }
            assertEquals(java.util.List.of(), wide.ledger().audit());
        } finally {
            wide.close();
        }
    }

    // ----------------------------------------------------------------------------------------------

    private Activation buy(AccountId owner) {
        return assertInstanceOf(PlaceResult.Placed.class, market.buyTelegram(owner)).activation();
    }

    private String providerRef(int activationId) {
        return db.dsl().fetchSingle("select provider_ref from activation where id = " + activationId).get(0, String.class);
    }

    private String providerOf(int activationId) {
        return db.dsl().fetchSingle("select provider from activation where id = " + activationId).get(0, String.class);
    }

    /** Until some session waits for a row lock (the stuck SMS), bounded. */
    private void awaitWaitingOnLock() {
        Instant deadline = Instant.now().plusSeconds(30);
        while (db.dsl().fetchSingle("select count(*) from pg_stat_activity where wait_event_type = 'Lock'").get(0, Long.class) == 0) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("the first SMS never waited on its activation's lock");
            }
            Thread.onSpinWait();
        }
    }
}
