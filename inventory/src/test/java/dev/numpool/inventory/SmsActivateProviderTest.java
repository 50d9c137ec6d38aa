package dev.numpool.inventory;

import dev.numpool.inventory.FakeSmsActivateUpstream.Answer;
import dev.numpool.inventory.FakeSmsActivateUpstream.Request;
import dev.numpool.inventory.Provider.Confirmation;
import dev.numpool.inventory.Provider.Fetched;
import dev.numpool.inventory.Provider.OfferQuote;
import dev.numpool.inventory.Provider.Order;
import dev.numpool.inventory.Provider.Purchase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SmsActivateProviderTest {
    private static final String KEY = "k3y-with/odd&chars";
    private static final Country RUSSIA = new Country(0, "Russia", "RU", "RU", 7, "russia");
    private static final Instant NOW = Instant.parse("2026-01-01T10:05:00Z");
    private static final Duration SHORT_TIMEOUT = Duration.ofMillis(300);
    private static final Duration SLOW_ANSWER = Duration.ofSeconds(2);

    private FakeSmsActivateUpstream upstream;
    private final List<SmsActivateProvider> providers = new ArrayList<>();

    @BeforeEach
    void startUpstream() {
        upstream = FakeSmsActivateUpstream.start(KEY);
    }

    @AfterEach
    void stopUpstream() {
        providers.forEach(SmsActivateProvider::close);
        upstream.close();
    }

    private SmsActivateProvider provider() {
        return provider(upstream.url(), KEY, Duration.ofSeconds(5));
    }

    private SmsActivateProvider impatientProvider() {
        return provider(upstream.url(), KEY, SHORT_TIMEOUT);
    }

    private SmsActivateProvider provider(URI url, String key, Duration timeout) {
        SmsActivateProvider provider = new SmsActivateProvider("upstream-a", url, key, timeout, Clock.fixed(NOW, ZoneOffset.UTC));
        providers.add(provider);
        return provider;
    }

    private static Order telegramInRussia() {
        return new Order("tg", RUSSIA, "any", 500_000, List.of());
    }

    private Purchase.Got bought() {
        return assertInstanceOf(Purchase.Got.class, provider().buy(telegramInRussia()));
    }

    private Request onlyRequest(String action) {
        List<Request> asked = upstream.requests(action);
        assertEquals(1, asked.size(), action + " asked once: " + asked);
        return asked.getFirst();
    }

    // --- buying ---

    @Test
    void aV2SaleGivesTheNumberTheActivationIdAndTheExactCost() {
        Purchase.Got got = bought();

        assertEquals("100001", got.providerRef(), "a numeric activationId becomes the ref");
        assertEquals("+79123450001", got.phone().e164());
        assertEquals(450_000L, got.costMicros(), "a string activationCost is read exactly");
        Request asked = onlyRequest("getNumberV2");
        assertEquals(KEY, asked.param("api_key"), "the key survives URL encoding");
        assertEquals("tg", asked.param("service"));
        assertEquals("0", asked.param("country"));
    }

    @Test
    void aV2SaleWithStringIdAndNumericCostAndPhoneIsReadTheSame() {
        upstream.status("abc-77", "STATUS_WAIT_CODE");
        upstream.answer("getNumberV2", Answer.json("""
                {"activationId":"abc-77","phoneNumber":79123456789,"activationCost":0.0044,"canGetAnotherSms":true}
                """));

        Purchase.Got got = assertInstanceOf(Purchase.Got.class, provider().buy(telegramInRussia()));

        assertEquals(new Purchase.Got("abc-77", PhoneNumber.of("79123456789").orElseThrow(), 4_400L), got);
    }

    @Test
    void anUpstreamWithoutV2SellsThroughV1AtTheMaxPrice() {
        upstream.answer("getNumberV2", Answer.text("BAD_ACTION\n"));

        Purchase.Got got = assertInstanceOf(Purchase.Got.class, provider().buy(telegramInRussia()));

        assertEquals("100001", got.providerRef());
        assertEquals("+79123450001", got.phone().e164());
        assertEquals(500_000L, got.costMicros(), "V1 does not tell the cost: the most it may have been");
        assertEquals(List.of("getNumberV2", "getNumber"), upstream.requests().stream().map(Request::action).toList());
        assertEquals("0.50", onlyRequest("getNumber").param("maxPrice"), "V1 is asked the same question");
    }

    @Test
    void noNumbersIsAnEmptyShelfNotAFailure() {
        upstream.answer("getNumberV2", Answer.text("NO_NUMBERS\r\n"));

        assertEquals(new Purchase.Empty(), provider().buy(telegramInRussia()));
    }

    @Test
    void aMaxPriceBelowTheUpstreamsMinimumIsAnEmptyShelf() {
        upstream.answer("getNumberV2", Answer.text("WRONG_MAX_PRICE:0.60"));

        assertEquals(new Purchase.Empty(), provider().buy(telegramInRussia()));
    }

    @Test
    void jsonErrorEnvelopesAreReadByTheirToken() {
        SmsActivateProvider provider = provider();
        upstream.answer("getNumberV2", Answer.json("{\"title\":\"BAD_KEY\",\"details\":\"Invalid API key\",\"info\":null}").withStatus(401));
        assertEquals(new Purchase.Failed("BAD_KEY"), provider.buy(telegramInRussia()));

        upstream.answer("getNumberV2", Answer.json("{\"title\":\"NO_NUMBERS\",\"details\":\"No numbers\"}").withStatus(404));
        assertEquals(new Purchase.Empty(), provider.buy(telegramInRussia()));

        upstream.answer("getNumberV2", Answer.json("{\"status\":\"error\",\"error\":\"NO_NUMBERS\"}"));
        assertEquals(new Purchase.Empty(), provider.buy(telegramInRussia()));

        upstream.answer("getNumberV2", Answer.json("{\"status\":\"error\",\"message\":\"NO_BALANCE\"}").withStatus(400));
        assertEquals(new Purchase.Failed("NO_BALANCE"), provider.buy(telegramInRussia()));
    }

    @Test
    void anEmptyBalanceUpstreamIsAFailure() {
        upstream.answer("getNumberV2", Answer.text("NO_BALANCE"));

        assertEquals(new Purchase.Failed("NO_BALANCE"), provider().buy(telegramInRussia()));
    }

    @Test
    void getBalanceGivesOurBalanceThereOrSaysWhyNot() {
        SmsActivateProvider provider = provider();
        upstream.answer("getBalance", Answer.text("ACCESS_BALANCE:123.45"));
        assertEquals(java.util.Optional.of(new Provider.AccountBalance.Known(123_450_000L)), provider.accountBalance());
        upstream.answer("getBalance", Answer.text("ACCESS_BALANCE:0"));
        assertEquals(java.util.Optional.of(new Provider.AccountBalance.Known(0L)), provider.accountBalance());
        upstream.answer("getBalance", Answer.text("BAD_KEY"));
        assertEquals(java.util.Optional.of(new Provider.AccountBalance.Unknown("BAD_KEY")), provider.accountBalance());
        upstream.answer("getBalance", Answer.text("ACCESS_BALANCE:lots"));
        assertEquals(java.util.Optional.of(new Provider.AccountBalance.Unknown("ACCESS_BALANCE:lots")), provider.accountBalance());
        upstream.answer("getBalance", Answer.html(500, "<h1>down</h1>"));
        assertEquals(java.util.Optional.of(new Provider.AccountBalance.Unknown("http 500")), provider.accountBalance());
    }

    @Test
    void everyOtherTokenIsAFailureThatCarriesIt() {
        SmsActivateProvider provider = provider();
        for (String token : List.of("NO_KEY", "BAD_SERVICE", "BAD_COUNTRY", "WRONG_COUNTRY_ID", "BANNED:2026-01-02 10:00:00",
                "ERROR_SQL", "SERVER_ERROR", "CHANNELS_LIMIT", "SOMETHING_NEW")) {
            upstream.answer("getNumberV2", Answer.text(token + "\n"));
            assertEquals(new Purchase.Failed(token), provider.buy(telegramInRussia()), token);
        }
    }

    @Test
    void aWrongKeyIsRefusedByTheUpstream() {
        assertEquals(new Purchase.Failed("BAD_KEY"), provider(upstream.url(), "not-the-key", Duration.ofSeconds(5)).buy(telegramInRussia()));
    }

    @Test
    void aServerErrorIsAFailure() {
        SmsActivateProvider provider = provider();
        upstream.answer("getNumberV2", Answer.html(500, "<h1>Internal Server Error</h1>"));
        assertEquals(new Purchase.Unknown("http 500"), provider.buy(telegramInRussia()));

        upstream.answer("getNumberV2", Answer.text("NO_NUMBERS").withStatus(503));
        assertEquals(new Purchase.Unknown("http 503"), provider.buy(telegramInRussia()), "a 5xx is trouble whatever it says");
    }

    @Test
    void aRedirectIsNotFollowed() {
        upstream.answer("getNumberV2", Answer.text("").withStatus(302));

        assertEquals(new Purchase.Unknown("http 302"), provider().buy(telegramInRussia()));
    }

    @Test
    void aSlowUpstreamFailsWithinTheTimeout() {
        upstream.answer("getNumberV2", Answer.text("NO_NUMBERS").after(SLOW_ANSWER));
        SmsActivateProvider provider = impatientProvider();

        long start = System.nanoTime();
        Purchase purchase = provider.buy(telegramInRussia());
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

        assertEquals(new Purchase.Unknown("timeout"), purchase);
        assertTrue(elapsed.compareTo(Duration.ofMillis(1500)) < 0, "gave up after " + elapsed);
    }

    @Test
    void anUpstreamThatStallsMidAnswerFailsWithinTheTimeout() {
        upstream.answer("getNumberV2", Answer.json("{\"activationId\":1,\"phoneNumber\":\"79123456789\"}").stallingMidBody(SLOW_ANSWER));
        SmsActivateProvider provider = impatientProvider();

        long start = System.nanoTime();
        Purchase purchase = provider.buy(telegramInRussia());
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

        assertEquals(new Purchase.Unknown("timeout"), purchase);
        assertTrue(elapsed.compareTo(Duration.ofMillis(1500)) < 0, "gave up after " + elapsed);
    }

    @Test
    void aDroppedConnectionIsAFailure() {
        upstream.answer("getNumberV2", Answer.dropConnection());

        Purchase.Unknown failed = assertInstanceOf(Purchase.Unknown.class, provider().buy(telegramInRussia()));

        assertTrue(failed.reason().startsWith("connection failed"), failed.reason());
        assertFalse(failed.reason().contains(KEY), "the key never travels in a reason");
    }

    @Test
    void aClosedPortIsAFailure() {
        URI gone = upstream.url();
        upstream.close();

        assertEquals(new Purchase.Failed("connection refused"), provider(gone, KEY, SHORT_TIMEOUT).buy(telegramInRussia()));
    }

    @Test
    void anHtmlPageIsGarbage() {
        String page = "<!DOCTYPE html>\n<html><head><title>Cloudflare</title></head><body>Checking your browser before accessing</body></html>";
        upstream.answer("getNumberV2", Answer.html(200, page));

        Purchase.Unknown failed = assertInstanceOf(Purchase.Unknown.class, provider().buy(telegramInRussia()));

        assertEquals("garbage: " + page.replace('\n', ' ').substring(0, 60), failed.reason());
    }

    @Test
    void brokenJsonIsGarbage() {
        upstream.answer("getNumberV2", Answer.json("{\"activationId\":12"));

        Purchase.Unknown failed = assertInstanceOf(Purchase.Unknown.class, provider().buy(telegramInRussia()));

        assertTrue(failed.reason().startsWith("garbage: {\"activationId\":12"), failed.reason());
    }

    @Test
    void anAnswerOverOneMebibyteIsRefusedUnread() {
        upstream.answer("getNumberV2", Answer.text("NO_NUMBERS" + " ".repeat(2 * SmsActivateProvider.MAX_BODY_BYTES)));

        assertEquals(new Purchase.Unknown("answer over 1048576 bytes"), provider().buy(telegramInRussia()));
    }

    @Test
    void anInvalidNumberIsCancelledUpstreamAndFailed() {
        upstream.status("555", "STATUS_WAIT_CODE");
        upstream.answer("getNumberV2", Answer.json("{\"activationId\":555,\"phoneNumber\":\"70000000000\",\"activationCost\":0.45}"));

        assertEquals(new Purchase.Failed("invalid number from provider"), provider().buy(telegramInRussia()));

        Request cancel = onlyRequest("setStatus");
        assertEquals(Map.of("id", "555", "status", "8"), Map.of("id", cancel.param("id"), "status", cancel.param("status")));
    }

    @Test
    void aNumberOfAnotherCountryIsCancelledUpstreamAndFailed() {
        upstream.status("556", "STATUS_WAIT_CODE");
        upstream.answer("getNumberV2", Answer.json("{\"activationId\":556,\"phoneNumber\":\"447400123456\",\"activationCost\":0.45}"));

        assertEquals(new Purchase.Failed("number from another country"), provider().buy(telegramInRussia()));
        assertEquals("556", onlyRequest("setStatus").param("id"));
    }

    @Test
    void aCostAboveTheMaxPriceIsCancelledUpstreamAndFailed() {
        upstream.status("557", "STATUS_WAIT_CODE");
        upstream.answer("getNumberV2", Answer.json("{\"activationId\":557,\"phoneNumber\":\"79123456789\",\"activationCost\":\"0.51\"}"));

        assertEquals(new Purchase.Failed("cost above maxPrice"), provider().buy(telegramInRussia()));
        assertEquals("8", onlyRequest("setStatus").param("status"));
    }

    @Test
    void theOrderTravelsAsOperatorMaxPriceAndExcludedPrefixes() {
        Order order = new Order("wa", RUSSIA, "mts", 1_250_000, List.of("7918", "7900111"));

        assertInstanceOf(Purchase.Got.class, provider().buy(order));

        Map<String, String> params = onlyRequest("getNumberV2").params();
        assertEquals("wa", params.get("service"));
        assertEquals("0", params.get("country"));
        assertEquals("mts", params.get("operator"));
        assertEquals("1.25", params.get("maxPrice"));
        assertEquals("7918,7900111", params.get("phoneException"));
    }

    @Test
    void anyOperatorAndNoExclusionsAreLeftOut() {
        bought();

        Map<String, String> params = onlyRequest("getNumberV2").params();
        assertFalse(params.containsKey("operator"), params.toString());
        assertFalse(params.containsKey("phoneException"), params.toString());
    }

    @Test
    void aNumberInAnExcludedPrefixIsCancelledUpstreamAndFailed() {
        Order order = new Order("tg", RUSSIA, "any", 500_000, List.of("7912"));

        assertEquals(new Purchase.Failed("number with an excluded prefix"), provider().buy(order));
        assertEquals("8", onlyRequest("setStatus").param("status"));
    }

    // --- status reports ---

    @Test
    void aUsedCodeFinishesTheActivationUpstream() {
        Purchase.Got got = bought();

        assertEquals(new Confirmation.Confirmed(), provider().release(got.providerRef(), Release.CODE_USED));

        Request report = onlyRequest("setStatus");
        assertEquals(got.providerRef(), report.param("id"));
        assertEquals("6", report.param("status"));
    }

    @Test
    void anUnusedNumberIsCancelledUpstream() {
        Purchase.Got got = bought();

        assertEquals(new Confirmation.Confirmed(), provider().release(got.providerRef(), Release.NOT_USED));

        Request report = onlyRequest("setStatus");
        assertEquals(got.providerRef(), report.param("id"));
        assertEquals("8", report.param("status"));
    }

    @Test
    void tokensWithTrailingWhitespaceAreStillConfirmations() {
        Purchase.Got got = bought();
        upstream.answer("setStatus", Answer.text("ACCESS_ACTIVATION \r\n"));

        assertEquals(new Confirmation.Confirmed(), provider().release(got.providerRef(), Release.CODE_USED));
    }

    @Test
    void anEarlyCancelIsToBeRetriedLater() {
        Purchase.Got got = bought();
        upstream.answer("setStatus", Answer.text("EARLY_CANCEL_DENIED"));

        assertEquals(new Confirmation.Unavailable("EARLY_CANCEL_DENIED"), provider().release(got.providerRef(), Release.NOT_USED));
    }

    @Test
    void anUnknownActivationIsRefusedForGood() {
        assertEquals(new Confirmation.Refused("NO_ACTIVATION"), provider().release("999", Release.NOT_USED));

        for (String token : List.of("BAD_STATUS", "WRONG_ACTIVATION_ID")) {
            upstream.answer("setStatus", Answer.text(token));
            assertEquals(new Confirmation.Refused(token), provider().release("999", Release.CODE_USED), token);
        }
    }

    @Test
    void aRefusedKeyLeavesTheReleaseToBeRetriedOnceAnOperatorFixesIt() {
        upstream.answer("setStatus", Answer.text("BAD_KEY"));
        assertInstanceOf(Confirmation.Unavailable.class, provider().release("999", Release.NOT_USED));
    }

    @Test
    void aSlowUpstreamLeavesTheReleaseToBeRetried() {
        Purchase.Got got = bought();
        upstream.answer("setStatus", Answer.text("ACCESS_CANCEL").after(SLOW_ANSWER));

        assertEquals(new Confirmation.Unavailable("timeout"), impatientProvider().release(got.providerRef(), Release.NOT_USED));
    }

    @Test
    void aServerErrorOrGarbageLeavesTheReleaseToBeRetried() {
        Purchase.Got got = bought();
        upstream.answer("setStatus", Answer.html(502, "<html>Bad Gateway</html>"));
        assertEquals(new Confirmation.Unavailable("http 502"), provider().release(got.providerRef(), Release.NOT_USED));

        upstream.answer("setStatus", Answer.html(200, "<html>maintenance</html>"));
        assertEquals(new Confirmation.Unavailable("garbage: <html>maintenance</html>"), provider().release(got.providerRef(), Release.NOT_USED));
    }

    @Test
    void anotherCodeIsAskedForWithStatusThree() {
        Purchase.Got got = bought();

        assertEquals(new Confirmation.Confirmed(), provider().requestAnotherCode(got.providerRef()));

        Request report = onlyRequest("setStatus");
        assertEquals(got.providerRef(), report.param("id"));
        assertEquals("3", report.param("status"));
    }

    // --- polling ---

    @Test
    void aReceivedCodeIsPolledWithItsFullTextAndTheSameMessageIdEachTime() {
        Purchase.Got got = bought();
        upstream.status(got.providerRef(), "STATUS_OK:12345");
        upstream.fullSms(got.providerRef(), "Telegram code: 12345. Do not give it to anyone: 12345");
        SmsActivateProvider provider = provider();

        List<InboundSms> first = provider.poll(List.of(got.providerRef()));
        List<InboundSms> second = provider.poll(List.of(got.providerRef()));

        assertEquals(List.of(new InboundSms("upstream-a", got.providerRef(), "", "Telegram code: 12345. Do not give it to anyone: 12345",
                got.providerRef() + ":12345", NOW, java.util.Optional.of("12345"))), first);
        assertEquals(first, second, "a repeat carries the same message id, so intake dedupes it");
    }

    @Test
    void aCodeWhoseTextCannotBeHadArrivesAsTheCode() {
        Purchase.Got got = bought();
        upstream.status(got.providerRef(), "STATUS_OK:4242");
        upstream.answer("getFullSms", Answer.text("BAD_ACTION"));

        List<InboundSms> received = provider().poll(List.of(got.providerRef()));

        assertEquals(1, received.size());
        assertEquals("4242", received.getFirst().text());
    }

    @Test
    void aNumberStillWaitingYieldsNoSms() {
        SmsActivateProvider provider = provider();
        for (String waiting : List.of("STATUS_WAIT_CODE", "STATUS_WAIT_RETRY:12345", "STATUS_WAIT_RESEND", "STATUS_CANCEL")) {
            Purchase.Got got = bought();
            upstream.status(got.providerRef(), waiting);
            assertEquals(List.of(), provider.poll(List.of(got.providerRef())), waiting);
        }
        assertTrue(upstream.requests("getFullSms").isEmpty(), "no text is asked for a code that did not come");
    }

    @Test
    void anActivationTheUpstreamDoesNotKnowDoesNotStopThePollOfTheOthers() {
        Purchase.Got got = bought();
        upstream.status(got.providerRef(), "STATUS_OK:777");

        List<InboundSms> received = provider().poll(List.of("404", got.providerRef()));

        assertEquals(List.of(got.providerRef()), received.stream().map(InboundSms::providerRef).toList());
    }

    @Test
    void aSlowUpstreamEndsThePollRoundAfterOneTimeout() {
        upstream.answer("getStatus", Answer.text("STATUS_WAIT_CODE").after(SLOW_ANSWER));
        SmsActivateProvider provider = impatientProvider();

        long start = System.nanoTime();
        List<InboundSms> received = provider.poll(List.of("1", "2", "3"));
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

        assertEquals(List.of(), received);
        assertEquals(1, upstream.requests("getStatus").size(), "the others wait for the next round");
        assertTrue(elapsed.compareTo(Duration.ofMillis(1500)) < 0, "gave up after " + elapsed);
    }

    @Test
    void moreActivationsThanOnePollMayCarryAreABug() {
        List<String> refs = java.util.stream.IntStream.rangeClosed(1, Provider.MAX_REFS_PER_POLL + 1).mapToObj(Integer::toString).toList();

        assertThrows(IllegalArgumentException.class, () -> provider().poll(refs));
        assertTrue(upstream.requests().isEmpty());
    }

    // --- sweeping the list of live activations ---

    @Test
    void oneListRequestAnswersForAPageOfActivationsAndBringsTheCodeThatCame() {
        List<String> ids = upstream.sellWaiting(250, "tg");
        upstream.status(ids.get(137), "STATUS_OK:51515");
        upstream.fullSms(ids.get(137), "Telegram code 51515");

        Provider.Sweep.Listed pass = assertInstanceOf(Provider.Sweep.Listed.class, provider().sweep(10));

        assertEquals(3, pass.requests(), "250 activations are three pages of 100");
        assertTrue(pass.passEnded());
        assertEquals(250, pass.listed());
        assertEquals(List.of(new InboundSms("upstream-a", ids.get(137), "", "Telegram code 51515", ids.get(137) + ":51515", NOW,
                java.util.Optional.of("51515"))), pass.received(), "the same message id as getStatus gives it, so intake dedupes");
        assertEquals(List.of("0", "100", "200"), upstream.requests("getActiveActivations").stream().map(r -> r.param("start")).toList());
        assertTrue(upstream.requests("getActiveActivations").stream().allMatch(r -> "100".equals(r.param("limit"))));
        assertTrue(upstream.requests("getStatus").isEmpty() && upstream.requests("getFullSms").isEmpty(), "no request per activation");
    }

    @Test
    void aStepSendsNoMoreRequestsThanItWasGrantedGoesOnWhereTheLastStoppedAndReadsNoPageTwice() {
        upstream.sellWaiting(250, "tg");
        SmsActivateProvider provider = provider();

        Provider.Sweep.Listed first = assertInstanceOf(Provider.Sweep.Listed.class, provider.sweep(2));
        Provider.Sweep.Listed second = assertInstanceOf(Provider.Sweep.Listed.class, provider.sweep(5));
        Provider.Sweep.Listed third = assertInstanceOf(Provider.Sweep.Listed.class, provider.sweep(1));

        assertEquals(2, first.requests());
        assertFalse(first.passEnded());
        assertEquals(3, second.requests(), "the pass's last page, then the next pass up to where this step began");
        assertTrue(second.passEnded());
        assertEquals(250, second.listed());
        assertEquals(1, third.requests());
        assertEquals(List.of("0", "100", "200", "0", "100", "200"),
                upstream.requests("getActiveActivations").stream().map(r -> r.param("start")).toList(), "no page twice in one step");
    }

    @Test
    void heroSmsRowsInDataAndCodesAsNullStringsNumbersOrArraysAreAllRead() {
        upstream.listInHeroSmsShape();
        SmsActivateProvider provider = provider();
        assertEquals(new Provider.Sweep.Listed(List.of(), 1, true, 0), provider.sweep(10), "an empty data list is no activation");

        upstream.answer("getActiveActivations", Answer.json("""
                {"status":"success","data":[
                  {"activationId":"1001","serviceCode":"tg","smsCode":null,"smsText":null},
                  {"activationId":1002,"serviceCode":"tg","smsCode":"null","smsText":"null"},
                  {"activationId":"1003","serviceCode":"tg","smsCode":4455,"smsText":null},
                  {"activationId":"1004","serviceCode":"wa","smsCode":["111-222","333444"],"smsText":["WhatsApp code 111-222","WhatsApp code 333444"]},
                  {"activationId":"1005","serviceCode":"ot","smsCode":[],"smsText":"Your login link, no code"},
                  {"activationId":"x;1","smsCode":"999999","smsText":"not an id"}],
                 "activeActivations":{"affected_rows":0,"num_rows":6,"row":[],"rows":[]}}"""));
        Provider.Sweep.Listed pass = assertInstanceOf(Provider.Sweep.Listed.class, provider.sweep(10));

        assertEquals(List.of("1003:4455", "1004:111-222", "1004:333444"),
                pass.received().stream().map(InboundSms::messageId).toList().subList(0, 3));
        assertEquals(List.of("4455", "WhatsApp code 111-222", "WhatsApp code 333444", "Your login link, no code"),
                pass.received().stream().map(InboundSms::text).toList());
        assertTrue(pass.received().get(3).messageId().startsWith("1005:text:"));
        assertEquals(java.util.Optional.empty(), pass.received().get(3).providerCode());
    }

    @Test
    void anUpstreamWithoutTheListIsPolledPerActivationAndNotAskedForTheListAgain() {
        upstream.answer("getActiveActivations", Answer.text("BAD_ACTION"));
        SmsActivateProvider provider = provider();

        assertEquals(new Provider.Sweep.Unsupported("BAD_ACTION", 1), provider.sweep(10));
        assertEquals(new Provider.Sweep.Unsupported("the upstream refused getActiveActivations", 0), provider.sweep(10));
        assertEquals(1, upstream.requests("getActiveActivations").size(), "remembered: the next steps cost nothing");
        Purchase.Got got = bought();
        upstream.status(got.providerRef(), "STATUS_OK:777");
        assertEquals(List.of(got.providerRef() + ":777"), provider.poll(List.of(got.providerRef())).stream().map(InboundSms::messageId).toList(),
                "getStatus still works");
    }

    @Test
    void heroSmsMethodNotFoundAndAnAnswerThatIsNoListAlsoMeanPerActivation() {
        upstream.answer("getActiveActivations", Answer.json("{\"title\":\"BAD_ACTION\",\"details\":\"Method Not Found\"}").withStatus(404));
        assertInstanceOf(Provider.Sweep.Unsupported.class, provider().sweep(10));

        upstream.answer("getActiveActivations", Answer.json("{\"status\":\"success\",\"balance\":\"1.00\"}"));
        assertInstanceOf(Provider.Sweep.Unsupported.class, provider().sweep(10));

        upstream.answer("getActiveActivations", Answer.text("<html>unknown action</html>"));
        assertInstanceOf(Provider.Sweep.Unsupported.class, provider().sweep(10));
    }

    @Test
    void troubleEndsTheStepAndTheNextAsksTheSamePageAgain() {
        upstream.sellWaiting(150, "tg");
        SmsActivateProvider provider = provider();
        assertEquals(1, provider.sweep(1).requests());
        upstream.answer("getActiveActivations", Answer.html(503, "busy"));

        assertEquals(new Provider.Sweep.Listed(List.of(), 1, false, 100), provider.sweep(10), "one failed request, then the step ends");
        upstream.answer("getActiveActivations", upstream::byDefaultFor);
        Provider.Sweep.Listed resumed = assertInstanceOf(Provider.Sweep.Listed.class, provider.sweep(10));

        assertEquals(List.of("0", "100", "100", "0"), upstream.requests("getActiveActivations").stream().map(r -> r.param("start")).toList());
        assertTrue(resumed.passEnded());
        assertEquals(150, resumed.listed());
    }

    @Test
    void aCloneThatIgnoresPagingIsReadInOneAnswer() {
        upstream.sellWaiting(250, "tg");
        upstream.maxListLimit(1_000);
        upstream.answer("getActiveActivations", r -> upstream.byDefaultFor(new Request(r.action(),
                Map.of("api_key", KEY, "action", "getActiveActivations"))));

        Provider.Sweep.Listed pass = assertInstanceOf(Provider.Sweep.Listed.class, provider().sweep(10));

        assertEquals(1, pass.requests());
        assertTrue(pass.passEnded());
        assertEquals(250, pass.listed());
    }

    // --- pushes (the customer webhook of this family) ---

    private SmsActivateProvider pushingProvider(java.util.Set<String> sources, List<InboundSms> delivered) {
        SmsActivateProvider provider = new SmsActivateProvider("upstream-a", upstream.url(), KEY, Duration.ofSeconds(5),
                Clock.fixed(NOW, ZoneOffset.UTC), 100, new SmsActivateProvider.Push(java.util.Optional.of("push-secret-0123456789"), sources), Duration.ofHours(1));
        providers.add(provider);
        provider.listen(delivered::add);
        return provider;
    }

    private static com.fasterxml.jackson.databind.JsonNode json(String text) throws Exception {
        return UpstreamHttp.JSON.readTree(text);
    }

    @Test
    void aPushWithTheRightSecretIsDeliveredWithTheIdPollingWouldGiveIt() throws Exception {
        List<InboundSms> delivered = new ArrayList<>();
        SmsActivateProvider provider = pushingProvider(java.util.Set.of(), delivered);

        InboundResult result = provider.receivePush("push-secret-0123456789", "203.0.113.9", json("""
                {"activationId":"123456","service":"tg","text":"Your code is 12345","code":"12345","country":2,
                 "receivedAt":"2026-01-01T10:04:30.000000Z"}"""));

        assertEquals(new InboundResult.Delivered(), result);
        assertEquals(List.of(new InboundSms("upstream-a", "123456", "", "Your code is 12345", "123456:12345",
                Instant.parse("2026-01-01T10:04:30Z"), java.util.Optional.of("12345"))), delivered);
    }

    @Test
    void aPushWithAWrongSecretOrFromAnotherSourceIsRefusedUnread() throws Exception {
        List<InboundSms> delivered = new ArrayList<>();
        SmsActivateProvider provider = pushingProvider(java.util.Set.of("84.32.223.53"), delivered);
        com.fasterxml.jackson.databind.JsonNode push = json("{\"activationId\":1,\"code\":\"12345\",\"text\":null}");

        assertInstanceOf(InboundResult.Unauthorized.class, provider.receivePush("push-secret-0123456788", "84.32.223.53", push));
        assertInstanceOf(InboundResult.Unauthorized.class, provider.receivePush(null, "84.32.223.53", push));
        assertInstanceOf(InboundResult.Unauthorized.class, provider.receivePush("push-secret-0123456789", "203.0.113.9", push));
        assertTrue(delivered.isEmpty());
        assertEquals(new InboundResult.Delivered(), provider.receivePush("push-secret-0123456789", "84.32.223.53", push));
        assertEquals("12345", delivered.getFirst().text(), "a null text is the code");
        assertEquals(NOW, delivered.getFirst().receivedAt(), "no time sent is ours");
    }

    @Test
    void aPushWithoutAnActivationOrAnyTextIsNotDelivered() throws Exception {
        List<InboundSms> delivered = new ArrayList<>();
        SmsActivateProvider provider = pushingProvider(java.util.Set.of(), delivered);

        assertInstanceOf(InboundResult.Malformed.class, provider.receivePush("push-secret-0123456789", "", json("{\"code\":\"1\"}")));
        assertInstanceOf(InboundResult.Malformed.class, provider.receivePush("push-secret-0123456789", "", json("[]")));
        assertInstanceOf(InboundResult.Ignored.class, provider.receivePush("push-secret-0123456789", "",
                json("{\"activationId\":\"5\",\"text\":null,\"code\":null}")));
        assertTrue(delivered.isEmpty());
        assertInstanceOf(InboundResult.NotConfigured.class, provider().receivePush("anything", "", json("{\"activationId\":5}")),
                "an upstream without a webhook secret takes no pushes");
    }

    // --- prices ---

    @Test
    void pricesAsNumbersAndAsStringsAreReadExactly() {
        Fetched.Quotes quotes = assertInstanceOf(Fetched.Quotes.class, provider().fetchQuotes());

        assertEquals(List.of(
                new OfferQuote("tg", 0, "any", 450_000L, 2369),
                new OfferQuote("wa", 0, "any", 4_400L, 12),
                new OfferQuote("go", 187, "any", 1_000_000L, 0)), quotes.quotes());
        assertEquals("getPrices", onlyRequest("getPrices").action());
    }

    @Test
    void priceEntriesThatAreNotExactNonNegativeDecimalsAreSkipped() {
        upstream.answer("getPrices", Answer.json("""
                {"0":{"tg":{"cost":-0.1,"count":5},"wa":{"cost":"abc","count":5},"vi":{"cost":1e999999999,"count":5},
                      "ig":{"cost":0.0000001,"count":5},"fb":{"cost":"0.10","count":-1},"ds":{"cost":0.1,"count":"many"},
                      "telegram":{"cost":0.1,"count":5},"ub":"0.1","go":{"cost":"1e-2","count":" 7 "}},
                 "xx":{"tg":{"cost":0.1,"count":5}},
                 "16":[],
                 "187":{"oi":{"cost":0.25,"count":3}}}"""));

        Fetched.Quotes quotes = assertInstanceOf(Fetched.Quotes.class, provider().fetchQuotes());

        assertEquals(List.of(
                new OfferQuote("go", 0, "any", 10_000L, 7),
                new OfferQuote("oi", 187, "any", 250_000L, 3)), quotes.quotes());
    }

    @Test
    void anEmptyPriceTableIsNoQuotes() {
        SmsActivateProvider provider = provider();
        upstream.answer("getPrices", Answer.json("{}"));
        assertEquals(new Fetched.Quotes(List.of()), provider.fetchQuotes());

        upstream.answer("getPrices", Answer.json("[]"));
        assertEquals(new Fetched.Quotes(List.of()), provider.fetchQuotes(), "PHP spells an empty table []");
    }

    @Test
    void aRefusedKeyFailsTheQuoteFetch() {
        assertEquals(new Fetched.Failed("BAD_KEY"), provider(upstream.url(), "wrong", Duration.ofSeconds(5)).fetchQuotes());

        upstream.answer("getPrices", Answer.json("{\"status\":\"error\",\"error\":\"BAD_KEY\"}"));
        assertEquals(new Fetched.Failed("BAD_KEY"), provider().fetchQuotes());
    }

    @Test
    void troubleFailsTheQuoteFetch() {
        upstream.answer("getPrices", Answer.html(503, "busy"));
        assertEquals(new Fetched.Failed("http 503"), provider().fetchQuotes());

        upstream.answer("getPrices", Answer.html(200, "<html></html>"));
        assertEquals(new Fetched.Failed("garbage: <html></html>"), provider().fetchQuotes());

        upstream.answer("getPrices", Answer.json("{}").after(SLOW_ANSWER));
        assertEquals(new Fetched.Failed("timeout"), impatientProvider().fetchQuotes());
    }

    @Test
    void anUpstreamOfThisProtocolIsPolledNotInProcess() {
        SmsActivateProvider provider = provider();

        assertEquals("upstream-a", provider.name());
        assertFalse(provider.inProcess());
        assertTrue(provider.quote("tg", RUSSIA, "any").isEmpty(), "quotes come from the refresher's snapshot");
    }

    @Test
    void theProvidersLiveActivationsAreListedForReconciliation() {
        SmsActivateProvider provider = provider();
        assertEquals(java.util.Optional.of(List.of()), provider.liveAtProvider(), "NO_ACTIVATIONS is none");
        Purchase.Got first = assertInstanceOf(Purchase.Got.class, provider.buy(telegramInRussia()));
        Purchase.Got second = assertInstanceOf(Purchase.Got.class, provider.buy(telegramInRussia()));
        assertEquals(java.util.Set.of(new Provider.LiveSale(first.providerRef(), "tg"), new Provider.LiveSale(second.providerRef(), "tg")),
                java.util.Set.copyOf(provider.liveAtProvider().orElseThrow()));
        assertEquals("0", upstream.requests("getActiveActivations").getLast().param("start"));

        upstream.answer("getActiveActivations", Answer.text("<html>down</html>"));
        assertEquals(java.util.Optional.empty(), provider.liveAtProvider(), "garbage is not an empty list");
        upstream.answer("getActiveActivations", Answer.json("{\"status\":\"success\",\"activeActivations\":[{\"activationId\":\"x;1\"},{\"activationId\":77}]}"));
        assertEquals(java.util.Optional.of(List.of(new Provider.LiveSale("77", ""))), provider.liveAtProvider(), "ids that are no ids are skipped");
    }
}
