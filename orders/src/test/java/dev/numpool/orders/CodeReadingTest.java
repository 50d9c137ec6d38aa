package dev.numpool.orders;

import dev.numpool.db.Database;
import dev.numpool.db.TestClock;
import dev.numpool.db.TestServers;
import dev.numpool.inventory.InboundSms;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading codes with what the activation tells, learning from confirmed codes, and the operators'
 * review queue, on real PostgreSQL: a marked code is delivered as a read one would be, once.
 */
class CodeReadingTest {
    /** An SMS the rules cannot read (a lower-case code, no keyword they know) until a template says how. */
    private static final String ODD = "Your sign-in word is %s, enjoy the sunshine today in our lovely app";

    private Database db;
    private TestClock clock;
    private Marketplace market;
    private AccountId owner;

    @BeforeEach
    void open() {
        db = TestServers.freshDatabase();
        clock = new TestClock(Instant.parse("2026-03-02T09:00:00Z"));
        market = Marketplace.open(db, clock);
        owner = market.accounts().createSandboxAccount("codes").owner();
    }

    @AfterEach
    void close() {
        market.close();
        db.close();
    }

    @Test
    void aBareSixDigitSmsToATelegramActivationIsItsCodeButNotWhenItIsAnAmount() {
        Activation bare = buy();
        Activation amount = buy();

        inject(bare, "482913");
        inject(amount, "482913 USD");

        assertEquals(List.of(Optional.of("482913")), codes(bare));
        assertEquals(ActivationStatus.WAITING_CODE, activation(amount).status());
        assertEquals(List.of(amount.id()), market.orders().reviewQueue(0, 100).stream().map(SmsReview::activationId).toList(),
                "the amount waits for an operator instead");
    }

    @Test
    void theNumberAnSmsWentToIsNoCodeAndAVietnameseNumberReadsUnaccentedVietnamese() {
        Activation hongKong = assertInstanceOf(PlaceResult.Placed.class, market.buyTelegram(owner, 14)).activation();
        String national = hongKong.phone().written().national();
        assertEquals(8, national.length(), hongKong.phone().e164());
        Activation vietnam = assertInstanceOf(PlaceResult.Placed.class, market.buyTelegram(owner, 10)).activation();

        inject(hongKong, "Your number " + national.substring(0, 4) + " " + national.substring(4) + " is now verified");
        inject(vietnam, "Ma kich hoat Zalo la 7GJ9VI");

        assertEquals(ActivationStatus.WAITING_CODE, activation(hongKong).status(), "its own number is no code");
        assertEquals(List.of(Optional.of("7GJ9VI")), codes(vietnam), "\"la\" is \"is\" on a Vietnamese number");
    }

    @Test
    void anSmsWithNoCodeWaitsForReviewAndItsMarkedCodeIsChargedAndSentOnce() {
        Activation a = buy();
        inject(a, ODD.formatted("k7xq9p"));
        assertEquals(ActivationStatus.WAITING_CODE, activation(a).status());
        assertEquals(ODD.formatted("k7xq9p"), activation(a).lastMessage().orElseThrow().text(), "the customer reads the text meanwhile");
        SmsReview review = market.orders().reviewQueue(0, 100).getFirst();
        long heldBefore = market.ledger().balance(owner).heldMicros();

        assertInstanceOf(CodeReviewResult.NotInText.class, market.orders().markCode(review.smsId(), "k7xq9"));
        CodeReviewResult marked = market.orders().markCode(review.smsId(), "K7XQ9P");
        CodeReviewResult again = market.orders().markCode(review.smsId(), "k7xq9p");

        Activation after = assertInstanceOf(CodeReviewResult.Reviewed.class, marked).activation();
        assertEquals(ActivationStatus.CODE_RECEIVED, after.status());
        assertEquals(Optional.of("k7xq9p"), after.lastCode().orElseThrow().code(), "the code as the SMS writes it");
        assertInstanceOf(CodeReviewResult.NotOpen.class, again);
        assertEquals(heldBefore - a.priceMicros(), market.ledger().balance(owner).heldMicros(), "the hold was posted once");
        assertEquals(1, db.dsl().fetchCount(dev.numpool.db.jooq.Tables.TRANSFER,
                dev.numpool.db.jooq.Tables.TRANSFER.HOLD_ID.eq(holdOf(a)).and(dev.numpool.db.jooq.Tables.TRANSFER.KIND.eq("post"))));
        assertEquals(List.of(), market.orders().reviewQueue(0, 100));
        assertEquals(List.of(), market.ledger().audit());
    }

    @Test
    void aMarkedCodeIsPushedByWebhookOnce() throws Exception {
        Webhooks webhooks = Webhooks.create(db, TestServers.redis(), new Webhooks.Settings(true, java.util.Set.of("127.0.0.1")), clock);
        assertInstanceOf(Webhooks.Created.Endpoint.class, webhooks.create(owner, "http://127.0.0.1:9/hooks", List.of("activation.code_received")));
        Activation a = buy();
        inject(a, ODD.formatted("k7xq9p"));
        long sms = market.orders().reviewQueue(0, 100).getFirst().smsId();

        market.orders().markCode(sms, "k7xq9p");
        market.orders().markCode(sms, "k7xq9p");

        List<String> payloads = db.dsl().fetch("select payload from webhook_delivery where event_type = 'activation.code_received'")
                .getValues(0, String.class);
        assertEquals(1, payloads.size(), payloads.toString());
        assertTrue(payloads.getFirst().contains("\"code\":\"k7xq9p\""), payloads.getFirst());
    }

    @Test
    void aMarkedCodeTeachesATemplateThatReadsTheNextSmsOfItsShapeOnEveryNodeAfterARestart() {
        Activation first = buy();
        inject(first, ODD.formatted("k7xq9p"));
        market.orders().markCode(market.orders().reviewQueue(0, 100).getFirst().smsId(), "k7xq9p");

        Activation second = buy();
        inject(second, ODD.formatted("m3zq8r"));
        assertEquals(List.of(Optional.of("m3zq8r")), codes(second), "read by the learned template on this node at once");

        // Another node, started afresh on the same database: the template is there for it too.
        Marketplace other = Marketplace.open(db, clock);
        try {
            AccountId elsewhere = other.accounts().createSandboxAccount("other").owner();
            Activation third = assertInstanceOf(PlaceResult.Placed.class, other.buyTelegram(elsewhere)).activation();
            other.orders().injectSandboxSms(elsewhere, third.id(), "", ODD.formatted("p4wx2n"));
            assertEquals(Optional.of("p4wx2n"), other.orders().activation(elsewhere, third.id()).orElseThrow().lastCode().orElseThrow().code());
        } finally {
            other.close();
        }
        market.orders().refreshCodeTemplates();
        CodeTemplate learned = market.orders().codeTemplates(Optional.of("tg")).stream().filter(t -> t.origin().equals("learned"))
                .findFirst().orElseThrow();
        assertEquals("Your sign-in word is {code:alnum}, enjoy the sunshine today in our lovely app", learned.template());
        assertEquals(1, learned.hits(), "this node's hit, written down by its refresh");
    }

    @Test
    void aCodeOnlyTheProviderCouldReadIsLearnedWhenTheCustomerFinishes() {
        Activation first = buy();
        market.orders().receiveSms(new InboundSms(providerOf(first), providerRef(first), "", ODD.formatted("k7xq9p"),
                "m-" + UUID.randomUUID(), clock.instant(), Optional.of("k7xq9p")));
        assertEquals(ActivationStatus.CODE_RECEIVED, activation(first).status(), "the provider's reading counts");
        Activation before = buy();
        inject(before, ODD.formatted("h2vq6t"));
        assertEquals(ActivationStatus.WAITING_CODE, activation(before).status(), "not learned before the customer confirms");

        assertInstanceOf(ActivationChange.Changed.class, market.orders().finish(owner, first.id()));

        Activation after = buy();
        inject(after, ODD.formatted("w8nb3c"));
        assertEquals(List.of(Optional.of("w8nb3c")), codes(after));
    }

    @Test
    void reviewsCloseWithTheirActivationAndADismissedSmsDeliversNothing() {
        Activation dismissed = buy();
        Activation cancelled = buy();
        inject(dismissed, ODD.formatted("k7xq9p"));
        inject(cancelled, ODD.formatted("m3zq8r"));
        List<SmsReview> queue = market.orders().reviewQueue(0, 100);
        assertEquals(2, queue.size());

        assertInstanceOf(CodeReviewResult.Reviewed.class, market.orders().dismissSms(queue.get(0).smsId()));
        clock.advance(Duration.ofMinutes(3));
        assertInstanceOf(ActivationChange.Changed.class, market.orders().cancel(owner, cancelled.id()));

        assertEquals(List.of(), market.orders().reviewQueue(0, 100));
        assertEquals(ActivationStatus.WAITING_CODE, activation(dismissed).status());
        assertInstanceOf(CodeReviewResult.NotOpen.class, market.orders().markCode(queue.get(1).smsId(), "m3zq8r"),
                "nothing is charged on a cancelled activation");
        assertInstanceOf(CodeReviewResult.NotFound.class, market.orders().markCode(987_654_321L, "123456"));
    }

    @Test
    void anOperatorsTemplateIsCheckedAndUsed() {
        assertInstanceOf(Orders.TemplateResult.Invalid.class, market.orders().addCodeTemplate("tg", "", "no placeholder here"));
        assertInstanceOf(Orders.TemplateResult.Invalid.class, market.orders().addCodeTemplate("tg", "", "{code} and {code}"));
        assertInstanceOf(Orders.TemplateResult.Invalid.class, market.orders().addCodeTemplate("zz", "", "Code {code}"));
        assertInstanceOf(Orders.TemplateResult.Added.class, market.orders().addCodeTemplate("tg", "", "Your sign-in word is {code:alnum}{*}"));
        assertInstanceOf(Orders.TemplateResult.Exists.class, market.orders().addCodeTemplate("tg", "", "Your sign-in word is {code:alnum}{*}"));

        Activation a = buy();
        inject(a, ODD.formatted("k7xq9p"));
        assertEquals(List.of(Optional.of("k7xq9p")), codes(a));
    }

    // ----------------------------------------------------------------------------------------------

    private Activation buy() {
        return assertInstanceOf(PlaceResult.Placed.class, market.buyTelegram(owner)).activation();
    }

    private void inject(Activation a, String text) {
        assertInstanceOf(SandboxSms.Delivered.class, market.orders().injectSandboxSms(owner, a.id(), "", text));
    }

    private Activation activation(Activation a) {
        return market.orders().activation(owner, a.id()).orElseThrow();
    }

    private List<Optional<String>> codes(Activation a) {
        return activation(a).codes().stream().map(Activation.Message::code).toList();
    }

    private long holdOf(Activation a) {
        return db.dsl().fetchSingle("select hold_id from activation where id = " + a.id()).get(0, Long.class);
    }

    private String providerOf(Activation a) {
        return db.dsl().fetchSingle("select provider from activation where id = " + a.id()).get(0, String.class);
    }

    private String providerRef(Activation a) {
        return db.dsl().fetchSingle("select provider_ref from activation where id = " + a.id()).get(0, String.class);
    }
}
