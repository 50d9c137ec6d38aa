package dev.numpool.orders;

import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import dev.numpool.inventory.FakeSmsActivateUpstream;
import dev.numpool.inventory.FakeSmsActivateUpstream.Answer;
import dev.numpool.inventory.InboundSms;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static dev.numpool.db.jooq.Tables.ACTIVATION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** Long SMS arriving in parts, and polling that is fast while a code is likely and slower after. */
class AdaptiveIntakeTest {
    private final TestClock clock = new TestClock();

    private static Activation place(Marketplace m, AccountId owner, String key) {
        return assertInstanceOf(PlaceResult.Placed.class, m.orders().place(owner, new OrderRequest(m.inventory().service("tg").orElseThrow(),
                        m.inventory().country(0).orElseThrow(), "any", OptionalLong.empty(), List.of()), new IdempotencyKey(key), new byte[32],
                a -> new StoredResponse(201, new byte[0]))).activation();
    }

    private static String ref(Database db, int id) {
        return db.dsl().select(ACTIVATION.PROVIDER_REF).from(ACTIVATION).where(ACTIVATION.ID.eq(id)).fetchSingle().value1();
    }

    @Test
    void theCodeInALongSmsSplitAcrossPartsIsFoundInTheJoinedTextAndShownAsOneMessage() {
        try (Database db = TestServers.freshDatabase(); Marketplace m = Marketplace.open(db, clock)) {
            AccountId owner = m.accounts().createSandboxAccount("parts").owner();
            Activation a = place(m, owner, "parts");
            String ref = ref(db, a.id());
            // A UCS-2 message split after 67 characters, in the middle of the code's sentence.
            String part1 = "Ваш код подтверждения для входа в приложение. Никому не сообщайте е";
            String part2 = "го. Код: 482913";
            assertEquals(67, part1.length());
            SmsIntake first = m.orders().receiveSms(new InboundSms("simulator", ref, "Example", part1, "p1", clock.instant()));
            assertEquals(new SmsIntake.Accepted(a.id(), java.util.Optional.empty()), first);
            SmsIntake second = m.orders().receiveSms(new InboundSms("simulator", ref, "Example", part2, "p2", clock.instant().plusSeconds(2)));
            assertEquals(new SmsIntake.Accepted(a.id(), java.util.Optional.of("482913")), second);
            assertEquals(new SmsIntake.Duplicate(a.id()),
                    m.orders().receiveSms(new InboundSms("simulator", ref, "Example", part2, "p2", clock.instant().plusSeconds(2))));

            Activation now = m.orders().activation(owner, a.id()).orElseThrow();
            assertEquals(ActivationStatus.CODE_RECEIVED, now.status());
            assertEquals(1, now.messages().size(), "one message, not two parts");
            assertEquals(part1 + part2, now.messages().getFirst().text());
            assertEquals("482913", now.lastCode().orElseThrow().code().orElseThrow());
            org.junit.jupiter.api.Assertions.assertTrue(m.ledger().audit().isEmpty(), "the ledger balances");
        }
    }

    @Test
    void aShortMessageIsWholeAndIsNotJoinedWithTheNextOne() {
        try (Database db = TestServers.freshDatabase(); Marketplace m = Marketplace.open(db, clock)) {
            AccountId owner = m.accounts().createSandboxAccount("whole").owner();
            Activation a = place(m, owner, "whole");
            String ref = ref(db, a.id());
            m.orders().receiveSms(new InboundSms("simulator", ref, "Example", "Welcome to Example!", "w1", clock.instant()));
            m.orders().receiveSms(new InboundSms("simulator", ref, "Example", "Your code is 5531", "w2", clock.instant().plusSeconds(1)));
            Activation now = m.orders().activation(owner, a.id()).orElseThrow();
            assertEquals(List.of("Welcome to Example!", "Your code is 5531"), now.messages().stream().map(Activation.Message::text).toList());
            assertEquals("5531", now.lastCode().orElseThrow().code().orElseThrow());
        }
    }

    @Test
    void anActivationIsPolledEvery3SecondsAtFirstThenEvery10ThenEvery30AndAtOnceWhenAnotherCodeIsAsked() {
        String provider = "adaptive-" + System.nanoTime();
        try (Database db = TestServers.freshDatabase(); FakeSmsActivateUpstream upstream = FakeSmsActivateUpstream.start("key");
             Marketplace m = Marketplace.open(db, clock, Map.of("simulator.enabled", "false",
                     "providers.0.name", provider, "providers.0.url", upstream.url().toString(),
                     "providers.0.api-key-env", "ADAPTIVE_KEY"), Map.of("ADAPTIVE_KEY", "key"))) {
            upstream.answer("getPrices", Answer.json("{\"0\":{\"tg\":{\"cost\":0.45,\"count\":100}}}"));
            // An upstream without the list of live activations: polled per activation, on its schedule.
            upstream.answer("getActiveActivations", Answer.text("BAD_ACTION"));
            m.inventory().refreshQuotes(Duration.ofMillis(1));
            AccountId owner = m.accounts().createSandboxAccount("adaptive").owner();
            Activation a = place(m, owner, "adaptive");
            String ref = ref(db, a.id());
            Runnable tick = () -> m.orders().pollProviders(100);
            java.util.function.IntSupplier asked = () -> (int) upstream.requests("getStatus").stream().filter(r -> ref.equals(r.param("id"))).count();

            tick.run();
            assertEquals(1, asked.getAsInt(), "a new activation is due at once");
            tick.run();
            assertEquals(1, asked.getAsInt(), "and not again within 3 s");
            clock.advance(Duration.ofSeconds(3));
            tick.run();
            assertEquals(2, asked.getAsInt());

            clock.advance(Duration.ofMinutes(3)); // older than 2 minutes now
            tick.run();
            assertEquals(3, asked.getAsInt());
            clock.advance(Duration.ofSeconds(9));
            tick.run();
            assertEquals(3, asked.getAsInt(), "every 10 s after the first 2 minutes");
            clock.advance(Duration.ofSeconds(1));
            tick.run();
            assertEquals(4, asked.getAsInt());

            clock.advance(Duration.ofMinutes(10)); // older than 10 minutes
            tick.run();
            clock.advance(Duration.ofSeconds(29));
            tick.run();
            assertEquals(5, asked.getAsInt(), "every 30 s after 10 minutes");

            upstream.status(ref, "STATUS_OK:12345");
            clock.advance(Duration.ofSeconds(1));
            tick.run();
            assertEquals(ActivationStatus.CODE_RECEIVED, m.orders().activation(owner, a.id()).orElseThrow().status());
            assertInstanceOf(ActivationChange.Changed.class, m.orders().requestAnotherCode(owner, a.id()));
            tick.run();
            assertEquals(7, asked.getAsInt(), "asking for another code makes it due at once");
        }
    }
}
