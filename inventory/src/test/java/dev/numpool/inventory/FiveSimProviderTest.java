package dev.numpool.inventory;

import dev.numpool.inventory.FakeFiveSimUpstream.Answer;
import dev.numpool.inventory.FakeFiveSimUpstream.Request;
import dev.numpool.inventory.FakeFiveSimUpstream.Sms;
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
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import static dev.numpool.inventory.FakeFiveSimUpstream.BUY;
import static dev.numpool.inventory.FakeFiveSimUpstream.CANCEL;
import static dev.numpool.inventory.FakeFiveSimUpstream.CHECK;
import static dev.numpool.inventory.FakeFiveSimUpstream.FINISH;
import static dev.numpool.inventory.FakeFiveSimUpstream.PRICES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FiveSimProviderTest {
    private static final String KEY = "eyJhbGciOiJSUzUxMiJ9.k3y-with/odd+chars";
    private static final Country RUSSIA = new Country(0, "Russia", "RU", "RU", 7, "russia");
    private static final Country ENGLAND = new Country(16, "United Kingdom", "GB", "GB", 44, "england");
    private static final Country USA = new Country(187, "United States", "US", "US", 1, "usa");
    private static final List<Country> COUNTRIES = List.of(RUSSIA, ENGLAND, USA);
    private static final List<Service> SERVICES = List.of(
            new Service("tg", "Telegram", "telegram"),
            new Service("wa", "WhatsApp", "whatsapp"),
            new Service("go", "Google", "google"));
    private static final Instant NOW = Instant.parse("2026-01-01T10:05:00Z");
    private static final Duration SHORT_TIMEOUT = Duration.ofMillis(800);
    /** The brief's bound on giving up: the timeout and half again for the machinery around it. */
    private static final Duration GIVE_UP_WITHIN = SHORT_TIMEOUT.multipliedBy(3).dividedBy(2);
    private static final Duration SLOW_ANSWER = Duration.ofSeconds(5);

    private FakeFiveSimUpstream upstream;
    private final List<FiveSimProvider> providers = new ArrayList<>();

    @BeforeEach
    void startUpstream() {
        upstream = FakeFiveSimUpstream.start(KEY);
    }

    @AfterEach
    void stopUpstream() {
        providers.forEach(FiveSimProvider::close);
        upstream.close();
    }

    private FiveSimProvider provider() {
        return provider(upstream.url(), KEY, Duration.ofSeconds(5));
    }

    private FiveSimProvider impatientProvider() {
        return provider(upstream.url(), KEY, SHORT_TIMEOUT);
    }

    private FiveSimProvider provider(URI url, String key, Duration timeout) {
        FiveSimProvider provider = new FiveSimProvider("fivesim-a", url, key, timeout, Clock.fixed(NOW, ZoneOffset.UTC), SERVICES, COUNTRIES);
        providers.add(provider);
        return provider;
    }

    private static Order telegramInRussia() {
        return new Order("tg", RUSSIA, "any", 500_000, List.of());
    }

    private Purchase.Got bought() {
        return assertInstanceOf(Purchase.Got.class, provider().buy(telegramInRussia()));
    }

    private Request onlyRequest(String route) {
        List<Request> asked = upstream.requests(route);
        assertEquals(1, asked.size(), route + " asked once: " + asked);
        return asked.getFirst();
    }

    private static <T> T withinTheTimeout(Supplier<T> call) {
        long start = System.nanoTime();
        T result = call.get();
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(elapsed.compareTo(GIVE_UP_WITHIN) < 0, "gave up after " + elapsed);
        return result;
    }

    // --- buying ---

    @Test
    void aSaleGivesTheOrderIdTheNumberAndTheExactPrice() {
        Purchase.Got got = bought();

        assertEquals(new Purchase.Got("500000001", PhoneNumber.of("+79123450001").orElseThrow(), 210_000L), got);
        Request asked = onlyRequest(BUY);
        assertEquals("GET", asked.method());
        assertEquals("/v1/user/buy/activation/russia/any/telegram", asked.path(), "5sim names, operator any");
        assertEquals("0.50", asked.param("maxPrice"));
    }

    @Test
    void theKeyTravelsAsABearerHeaderAndNeverInTheAddress() {
        bought();

        Request asked = onlyRequest(BUY);
        assertEquals("Bearer " + KEY, asked.authorization());
        assertEquals("application/json", asked.accept());
        assertFalse(asked.path().contains("k3y") || asked.query().toString().contains("k3y"), asked.toString());
    }

    @Test
    void aNamedOperatorAndTheMaxPriceTravelInTheRequest() {
        Order order = new Order("wa", RUSSIA, "MegaFon", 1_250_000, List.of());

        assertInstanceOf(Purchase.Got.class, provider().buy(order));

        Request asked = onlyRequest(BUY);
        assertEquals(List.of("russia", "megafon", "whatsapp"), asked.arguments(), "5sim spells operators in lowercase");
        assertEquals("1.25", asked.param("maxPrice"));
    }

    @Test
    void aSaleWithStringIdAndPriceIsReadTheSame() {
        upstream.answer(BUY, Answer.json("""
                {"id":"123","phone":"+79081234567","operator":"mts","product":"telegram","price":"0.0044",\
                "status":"RECEIVED","expires":"2026-01-01T10:15:00Z","sms":null,"created_at":"2026-01-01T10:00:00Z","country":"russia"}"""));

        assertEquals(new Purchase.Got("123", PhoneNumber.of("79081234567").orElseThrow(), 4_400L), provider().buy(telegramInRussia()));
    }

    @Test
    void aSaleWithoutAReadablePriceIsTakenAtTheMaxPrice() {
        upstream.answer(BUY, Answer.json("{\"id\":124,\"phone\":\"+79081234567\",\"price\":\"about a dollar\"}"));

        Purchase.Got got = assertInstanceOf(Purchase.Got.class, provider().buy(telegramInRussia()));

        assertEquals(500_000L, got.costMicros(), "the most the upstream may have charged");
    }

    @Test
    void noFreePhonesWithHttp200IsAnEmptyShelfNotAFailure() {
        FiveSimProvider provider = provider();
        upstream.answer(BUY, Answer.text("no free phones"));
        assertEquals(new Purchase.Empty(), provider.buy(telegramInRussia()));

        upstream.answer(BUY, Answer.text("No free phones\r\n").withStatus(400));
        assertEquals(new Purchase.Empty(), provider.buy(telegramInRussia()), "also as a 4xx, in another case");

        upstream.answer(BUY, Answer.json("\"no free phones\""));
        assertEquals(new Purchase.Empty(), provider.buy(telegramInRussia()), "also quoted as a JSON string");
    }

    @Test
    void anEmptyBalanceUpstreamIsAFailure() {
        upstream.answer(BUY, Answer.text("not enough user balance").withStatus(400));

        assertEquals(new Purchase.Failed("not enough user balance"), provider().buy(telegramInRussia()));
    }

    @Test
    void theProfileGivesOurBalanceThereOrSaysWhyNot() {
        FiveSimProvider provider = provider();
        upstream.answer("user/profile", Answer.json("{\"id\":1,\"email\":\"a@example.com\",\"balance\":12.5,\"rating\":96,\"frozen_balance\":0}"));
        assertEquals(java.util.Optional.of(new Provider.AccountBalance.Known(12_500_000L)), provider.accountBalance());
        assertEquals("Bearer " + KEY, onlyRequest("user/profile").authorization());
        upstream.answer("user/profile", Answer.json("{\"id\":1}"));
        assertEquals(java.util.Optional.of(new Provider.AccountBalance.Unknown("a profile without a balance")), provider.accountBalance());
        upstream.answer("user/profile", Answer.text("server offline").withStatus(400));
        assertEquals(java.util.Optional.of(new Provider.AccountBalance.Unknown("server offline")), provider.accountBalance());
    }

    @Test
    void catalogueRefusalsAreFailuresThatCarryTheirText() {
        FiveSimProvider provider = provider();
        for (String message : List.of("bad country", "bad operator", "no product", "select operator", "server offline")) {
            upstream.answer(BUY, Answer.text(message).withStatus(400));
            assertEquals(new Purchase.Failed(message), provider.buy(telegramInRussia()), message);
        }
        String prose = "We are moving to a new data centre tonight, please come back in an hour or two.";
        upstream.answer(BUY, Answer.text(prose));
        assertEquals(new Purchase.Failed("garbage: " + prose.substring(0, 60)), provider.buy(telegramInRussia()),
                "prose is not a protocol message");
    }

    @Test
    void aWrongKeyIsAnUnauthorizedFailure() {
        Purchase purchase = provider(upstream.url(), "not-the-key", Duration.ofSeconds(5)).buy(telegramInRussia());

        assertEquals(new Purchase.Failed("unauthorized"), purchase);
        assertEquals("Bearer not-the-key", onlyRequest(BUY).authorization());
    }

    @Test
    void aServiceOrCountryWithout5simNamesIsFailedWithoutAsking() {
        FiveSimProvider provider = provider();
        Country nameless = new Country(99, "Atlantis", "AQ", "AQ", 672, null);

        assertEquals(new Purchase.Failed("no 5sim product for service zz"), provider.buy(new Order("zz", RUSSIA, "any", 500_000, List.of())));
        assertEquals(new Purchase.Failed("no 5sim name for country 99"), provider.buy(new Order("tg", nameless, "any", 500_000, List.of())));
        assertEquals(new Purchase.Failed("operator not a 5sim name: ../../cancel"),
                provider.buy(new Order("tg", RUSSIA, "../../cancel", 500_000, List.of())));
        assertTrue(upstream.requests().isEmpty(), upstream.requests().toString());
    }

    @Test
    void aServerErrorIsAFailure() {
        FiveSimProvider provider = provider();
        upstream.answer(BUY, Answer.html(500, "<h1>Internal Server Error</h1>"));
        assertEquals(new Purchase.Failed("http 500"), provider.buy(telegramInRussia()));

        upstream.answer(BUY, Answer.text("no free phones").withStatus(503));
        assertEquals(new Purchase.Failed("http 503"), provider.buy(telegramInRussia()), "a 5xx is trouble whatever it says");

        upstream.answer(BUY, Answer.empty(302));
        assertEquals(new Purchase.Failed("http 302"), provider.buy(telegramInRussia()), "redirects are not followed");
    }

    @Test
    void anUpstreamThatDoesNotAnswerFailsWithinTheTimeout() {
        upstream.answer(BUY, Answer.text("no free phones").after(SLOW_ANSWER));
        FiveSimProvider provider = impatientProvider();

        assertEquals(new Purchase.Failed("timeout"), withinTheTimeout(() -> provider.buy(telegramInRussia())));
    }

    @Test
    void anUpstreamThatStallsMidAnswerFailsWithinTheTimeout() {
        upstream.answer(BUY, Answer.json("{\"id\":1,\"phone\":\"+79123456789\",\"price\":0.2}").stallingMidBody(SLOW_ANSWER));
        FiveSimProvider provider = impatientProvider();

        assertEquals(new Purchase.Failed("timeout"), withinTheTimeout(() -> provider.buy(telegramInRussia())));
    }

    @Test
    void aDroppedConnectionIsAFailure() {
        upstream.answer(BUY, Answer.dropConnection());

        Purchase.Failed failed = assertInstanceOf(Purchase.Failed.class, provider().buy(telegramInRussia()));

        assertTrue(failed.reason().startsWith("connection failed"), failed.reason());
        assertFalse(failed.reason().contains("k3y"), "the key never travels in a reason");
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
        upstream.answer(BUY, Answer.html(200, page));

        assertEquals(new Purchase.Failed("garbage: " + page.replace('\n', ' ').substring(0, 60)), provider().buy(telegramInRussia()));
    }

    @Test
    void brokenJsonOrAnOrderWithoutAnIdIsGarbage() {
        FiveSimProvider provider = provider();
        upstream.answer(BUY, Answer.json("{\"id\":12"));
        assertEquals(new Purchase.Failed("garbage: {\"id\":12"), provider.buy(telegramInRussia()));

        upstream.answer(BUY, Answer.json("{\"phone\":\"+79123456789\",\"price\":0.2}"));
        assertEquals(new Purchase.Failed("garbage: {\"phone\":\"+79123456789\",\"price\":0.2}"), provider.buy(telegramInRussia()));

        upstream.answer(BUY, Answer.text(""));
        assertEquals(new Purchase.Failed("empty answer"), provider.buy(telegramInRussia()));
        assertTrue(upstream.requests(CANCEL).isEmpty(), "nothing identifiable was sold, so nothing is cancelled");
    }

    @Test
    void anAnswerOverOneMebibyteIsRefusedUnread() {
        upstream.answer(BUY, Answer.text("no free phones" + " ".repeat(2 * FiveSimProvider.MAX_BODY_BYTES)));

        assertEquals(new Purchase.Failed("answer over 1048576 bytes"), provider().buy(telegramInRussia()));
    }

    @Test
    void anInvalidNumberIsCancelledUpstreamAndFailed() {
        upstream.answer(BUY, Answer.json("{\"id\":777,\"phone\":\"+70000000000\",\"price\":0.21}"));

        assertEquals(new Purchase.Failed("invalid number from provider"), provider().buy(telegramInRussia()));
        assertEquals("/v1/user/cancel/777", onlyRequest(CANCEL).path());
    }

    @Test
    void aNumberOfAnotherCountryIsCancelledUpstreamAndFailed() {
        upstream.answer(BUY, Answer.json("{\"id\":778,\"phone\":\"+447400123456\",\"price\":0.21}"));

        assertEquals(new Purchase.Failed("number from another country"), provider().buy(telegramInRussia()));
        assertEquals("778", onlyRequest(CANCEL).lastArgument());
    }

    @Test
    void aPriceAboveTheMaxPriceIsCancelledUpstreamAndFailed() {
        upstream.price("0.51");

        assertEquals(new Purchase.Failed("cost above maxPrice"), provider().buy(telegramInRussia()));
        assertEquals(Optional.of("CANCELED"), upstream.status(onlyRequest(CANCEL).lastArgument()));
    }

    @Test
    void aNumberInAnExcludedPrefixIsCancelledUpstreamAndFailed() {
        Order order = new Order("tg", RUSSIA, "any", 500_000, List.of("7912"));

        assertEquals(new Purchase.Failed("number with an excluded prefix"), provider().buy(order));
        assertEquals(Optional.of("CANCELED"), upstream.status("500000001"));
    }

    // --- status reports ---

    @Test
    void aUsedCodeFinishesTheOrderUpstream() {
        Purchase.Got got = bought();

        assertEquals(new Confirmation.Confirmed(), provider().release(got.providerRef(), Release.CODE_USED));

        assertEquals("/v1/user/finish/" + got.providerRef(), onlyRequest(FINISH).path());
        assertEquals(Optional.of("FINISHED"), upstream.status(got.providerRef()));
    }

    @Test
    void anUnusedNumberIsCancelledUpstream() {
        Purchase.Got got = bought();

        assertEquals(new Confirmation.Confirmed(), provider().release(got.providerRef(), Release.NOT_USED));

        assertEquals("/v1/user/cancel/" + got.providerRef(), onlyRequest(CANCEL).path());
        assertEquals(Optional.of("CANCELED"), upstream.status(got.providerRef()));
    }

    @Test
    void anUnknownOrderIsRefusedForGood() {
        FiveSimProvider provider = provider();
        assertEquals(new Confirmation.Refused("order not found"), provider.release("999", Release.NOT_USED));
        assertEquals(new Confirmation.Refused("order not found"), provider.release("999", Release.CODE_USED));

        upstream.answer(CANCEL, Answer.text("order not found").withStatus(404));
        assertEquals(new Confirmation.Refused("order not found"), provider.release("999", Release.NOT_USED), "as a 404 too");
    }

    @Test
    void anExpiredOrderIsRefusedForGood() {
        FiveSimProvider provider = provider();
        upstream.answer(CANCEL, Answer.text("order expired").withStatus(400));
        upstream.answer(FINISH, Answer.text("order expired").withStatus(400));

        assertEquals(new Confirmation.Refused("order expired"), provider.release("500000001", Release.NOT_USED));
        assertEquals(new Confirmation.Refused("order expired"), provider.release("500000001", Release.CODE_USED));
    }

    @Test
    void cancellingAnOrderThatReceivedAnSmsIsRefusedForGood() {
        Purchase.Got got = bought();
        upstream.receive(got.providerRef(), new Sms("2026-01-01T10:01:00Z", "Telegram", "Telegram code 12345", "12345"));

        assertEquals(new Confirmation.Refused("order has sms"), provider().release(got.providerRef(), Release.NOT_USED));
        assertEquals(Optional.of("RECEIVED"), upstream.status(got.providerRef()));
    }

    @Test
    void anIdThatCannotBeA5simOrderIsRefusedWithoutAsking() {
        assertEquals(new Confirmation.Refused("not a 5sim order id"), provider().release("../profile", Release.NOT_USED));
        assertTrue(upstream.requests().isEmpty());
    }

    @Test
    void aRefusedKeyLeavesTheReleaseToBeRetriedOnceAnOperatorFixesIt() {
        Purchase.Got got = bought();

        assertEquals(new Confirmation.Unavailable("unauthorized"),
                provider(upstream.url(), "revoked", Duration.ofSeconds(5)).release(got.providerRef(), Release.NOT_USED));
        assertEquals(Optional.of("RECEIVED"), upstream.status(got.providerRef()));
    }

    @Test
    void aSlowUpstreamLeavesTheReleaseToBeRetried() {
        Purchase.Got got = bought();
        upstream.answer(CANCEL, Answer.json("{}").after(SLOW_ANSWER));
        FiveSimProvider provider = impatientProvider();

        assertEquals(new Confirmation.Unavailable("timeout"), withinTheTimeout(() -> provider.release(got.providerRef(), Release.NOT_USED)));
    }

    @Test
    void aServerErrorOrGarbageLeavesTheReleaseToBeRetried() {
        Purchase.Got got = bought();
        FiveSimProvider provider = provider();
        upstream.answer(FINISH, Answer.html(502, "<html>Bad Gateway</html>"));
        assertEquals(new Confirmation.Unavailable("http 502"), provider.release(got.providerRef(), Release.CODE_USED));

        upstream.answer(FINISH, Answer.html(200, "<html>maintenance</html>"));
        assertEquals(new Confirmation.Unavailable("garbage: <html>maintenance</html>"), provider.release(got.providerRef(), Release.CODE_USED));

        upstream.answer(FINISH, Answer.dropConnection());
        assertInstanceOf(Confirmation.Unavailable.class, provider.release(got.providerRef(), Release.CODE_USED));

        upstream.answer(FINISH, Answer.text("server offline"));
        assertEquals(new Confirmation.Unavailable("server offline"), provider.release(got.providerRef(), Release.CODE_USED),
                "a message that is not about the order's state may pass");
    }

    @Test
    void anotherCodeNeedsNoRequestBecauseTheOrderKeepsReceiving() {
        Purchase.Got got = bought();

        assertEquals(new Confirmation.Confirmed(), provider().requestAnotherCode(got.providerRef()));

        assertEquals(List.of(BUY), upstream.requests().stream().map(Request::route).toList());
    }

    // --- polling ---

    @Test
    void oneHistoryRequestAnswersForAPageOfOrdersWithTheirSms() {
        FiveSimProvider provider = provider();
        List<String> refs = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            refs.add(assertInstanceOf(Purchase.Got.class, provider.buy(telegramInRussia())).providerRef());
        }
        upstream.receive(refs.get(42), new Sms("2026-01-01T10:01:00Z", "Telegram", "Telegram code: 24680", "24680"));
        upstream.receive(refs.get(43), new Sms("2026-01-01T10:02:00Z", "Telegram", "Telegram code: 13579", "13579"));
        assertEquals(new Confirmation.Confirmed(), provider.release(refs.get(43), Release.CODE_USED));

        Provider.Sweep.Listed pass = assertInstanceOf(Provider.Sweep.Listed.class, provider.sweep(10));

        assertEquals(2, pass.requests(), "150 orders are two pages of 100");
        assertTrue(pass.passEnded());
        assertEquals(149, pass.listed(), "the finished order is not read");
        assertEquals(provider.poll(List.of(refs.get(42))), pass.received(), "the same SMS with the same id as a check gives it");
        Request first = upstream.requests(FakeFiveSimUpstream.ORDERS).getFirst();
        assertEquals(Map.of("category", "activation", "limit", "100", "offset", "0", "order", "id", "reverse", "true"), first.query());
        assertEquals("100", upstream.requests(FakeFiveSimUpstream.ORDERS).get(1).param("offset"));
        assertEquals(1, upstream.requests(CHECK).size(), "only the check this test made itself");
    }

    @Test
    void aPassEndsAtTheFirstPageThatReachesOrdersTooOldToBeLive() {
        FiveSimProvider buyer = provider();
        for (int i = 0; i < 150; i++) {
            assertInstanceOf(Purchase.Got.class, buyer.buy(telegramInRussia()));
        }
        FiveSimProvider later = new FiveSimProvider("fivesim-a", upstream.url(), KEY, Duration.ofSeconds(5),
                Clock.fixed(NOW.plus(Duration.ofHours(2)), ZoneOffset.UTC), SERVICES, COUNTRIES);
        providers.add(later);

        Provider.Sweep.Listed pass = assertInstanceOf(Provider.Sweep.Listed.class, later.sweep(10));

        assertEquals(1, pass.requests());
        assertTrue(pass.passEnded());
    }

    @Test
    void anUpstreamWithoutTheHistoryIsCheckedPerOrderAndNotAskedForItAgain() {
        upstream.answer(FakeFiveSimUpstream.ORDERS, Answer.text("404 page not found").withStatus(404));
        FiveSimProvider provider = provider();

        assertEquals(new Provider.Sweep.Unsupported("http 404", 1), provider.sweep(10));
        assertEquals(0, provider.sweep(10).requests());
        assertEquals(1, upstream.requests(FakeFiveSimUpstream.ORDERS).size());

        upstream.answer(FakeFiveSimUpstream.ORDERS, Answer.json("{\"orders\":[]}"));
        assertInstanceOf(Provider.Sweep.Unsupported.class, provider().sweep(10), "an answer that is no order list");
    }

    @Test
    void aRefusedKeyOrAnOutageEndsTheStepWithoutGivingUpTheHistory() {
        bought();
        upstream.answer(FakeFiveSimUpstream.ORDERS, Answer.html(502, "bad gateway"));
        FiveSimProvider provider = provider();

        assertEquals(new Provider.Sweep.Listed(List.of(), 1, false, 0), provider.sweep(10));
        upstream.answer(FakeFiveSimUpstream.ORDERS, request -> upstream.byDefaultFor(request));
        assertEquals(1, assertInstanceOf(Provider.Sweep.Listed.class, provider.sweep(10)).listed());
    }

    @Test
    void everySmsOfAnOrderIsPolledWithTheSameMessageIdsEachTime() {
        Purchase.Got got = bought();
        String ref = got.providerRef();
        upstream.receive(ref, new Sms("2026-01-01T10:01:00.123456Z", "Telegram", "Telegram code: 12345. Do not give it to anyone", "12345"));
        upstream.receive(ref, new Sms("2026-01-01T10:03:30Z", "Telegram", "Telegram code: 67890", "67890"));
        FiveSimProvider provider = provider();

        List<InboundSms> first = provider.poll(List.of(ref));
        List<InboundSms> second = provider.poll(List.of(ref));

        assertEquals(List.of(
                new InboundSms("fivesim-a", ref, "Telegram", "Telegram code: 12345. Do not give it to anyone",
                        ref + ":2026-01-01T10:01:00.123456Z:12345", Instant.parse("2026-01-01T10:01:00.123456Z"), java.util.Optional.of("12345")),
                new InboundSms("fivesim-a", ref, "Telegram", "Telegram code: 67890",
                        ref + ":2026-01-01T10:03:30Z:67890", Instant.parse("2026-01-01T10:03:30Z"), java.util.Optional.of("67890"))), first);
        assertEquals(first, second, "a repeat carries the same message ids, so intake dedupes it");
        assertEquals("/v1/user/check/" + ref, upstream.requests(CHECK).getFirst().path());
    }

    @Test
    void aSecondSmsWithTheSameCodeAtAnotherTimeIsANewMessage() {
        Purchase.Got got = bought();
        upstream.receive(got.providerRef(), new Sms("2026-01-01T10:01:00Z", "Google", "G-424242 is your code", "424242"));
        upstream.receive(got.providerRef(), new Sms("2026-01-01T10:02:00Z", "Google", "G-424242 is your code", "424242"));

        List<InboundSms> received = provider().poll(List.of(got.providerRef()));

        assertEquals(2, received.size());
        assertNotEquals(received.get(0).messageId(), received.get(1).messageId());
    }

    @Test
    void anSmsWithoutTextArrivesAsItsCodeAndAnUnreadableTimeAsOurs() {
        Purchase.Got got = bought();
        upstream.receive(got.providerRef(), new Sms("yesterday", "", "", "4242"));

        List<InboundSms> received = provider().poll(List.of(got.providerRef()));

        assertEquals(List.of(new InboundSms("fivesim-a", got.providerRef(), "", "4242", got.providerRef() + ":yesterday:4242", NOW,
                java.util.Optional.of("4242"))), received);
    }

    @Test
    void anOrderStillWaitingYieldsNoSms() {
        Purchase.Got got = bought();
        FiveSimProvider provider = provider();
        assertEquals(List.of(), provider.poll(List.of(got.providerRef())));

        upstream.answer(CHECK, Answer.json("{\"id\":1,\"status\":\"PENDING\",\"sms\":null}"));
        assertEquals(List.of(), provider.poll(List.of(got.providerRef())), "sms is null until the first one");
    }

    @Test
    void anOrderTheUpstreamDoesNotKnowDoesNotStopThePollOfTheOthers() {
        Purchase.Got got = bought();
        upstream.receive(got.providerRef(), new Sms("2026-01-01T10:01:00Z", "Telegram", "code 777", "777"));

        List<InboundSms> received = provider().poll(List.of("999", got.providerRef()));

        assertEquals(List.of(got.providerRef()), received.stream().map(InboundSms::providerRef).toList());
        assertEquals(2, upstream.requests(CHECK).size());
    }

    @Test
    void aSlowUpstreamEndsThePollRoundAfterOneTimeout() {
        upstream.answer(CHECK, Answer.json("{\"id\":1,\"sms\":[]}").after(SLOW_ANSWER));
        FiveSimProvider provider = impatientProvider();

        List<InboundSms> received = withinTheTimeout(() -> provider.poll(List.of("1", "2", "3")));

        assertEquals(List.of(), received);
        assertEquals(1, upstream.requests(CHECK).size(), "the others wait for the next round");
    }

    @Test
    void aServerErrorGarbageOrARefusedKeyEndsThePollRound() {
        FiveSimProvider provider = provider();
        for (Answer trouble : List.of(Answer.html(500, "oops"), Answer.html(200, "<html></html>"), Answer.json("{\"id\":"), Answer.empty(401))) {
            int before = upstream.requests(CHECK).size();
            upstream.answer(CHECK, trouble);
            assertEquals(List.of(), provider.poll(List.of("1", "2", "3")), trouble.toString());
            assertEquals(before + 1, upstream.requests(CHECK).size(), trouble.toString());
        }
    }

    @Test
    void moreOrdersThanOnePollMayCarryAreABug() {
        List<String> refs = IntStream.rangeClosed(1, Provider.MAX_REFS_PER_POLL + 1).mapToObj(Integer::toString).toList();

        assertThrows(IllegalArgumentException.class, () -> provider().poll(refs));
        assertTrue(upstream.requests().isEmpty());
    }

    // --- prices ---

    @Test
    void pricesAreReadExactlyPerOperatorWithAnyAsTheCheapestInStock() {
        Fetched.Quotes quotes = assertInstanceOf(Fetched.Quotes.class, provider().fetchQuotes());

        assertEquals(List.of(
                new OfferQuote("tg", 0, "beeline", 180_000L, 0),
                new OfferQuote("tg", 0, "mts", 210_000L, 900),
                new OfferQuote("tg", 0, "virtual21", 90_000L, 35),
                new OfferQuote("tg", 0, "any", 90_000L, 935),
                new OfferQuote("wa", 0, "megafon", 400_000L, 3),
                new OfferQuote("wa", 0, "any", 500_000L, 7),
                new OfferQuote("tg", 16, "virtual4", 1_000_000L, 12),
                new OfferQuote("tg", 16, "any", 1_000_000L, 12)), quotes.quotes());
        assertEquals("/v1/guest/prices", onlyRequest(PRICES).path());
    }

    @Test
    void anOfferWithNoOperatorInStockHasNoAnyQuote() {
        upstream.answer(PRICES, Answer.json("{\"usa\":{\"google\":{\"tmobile\":{\"cost\":0.3,\"count\":0},\"att\":{\"cost\":0.2,\"count\":0}}}}"));

        Fetched.Quotes quotes = assertInstanceOf(Fetched.Quotes.class, provider().fetchQuotes());

        assertEquals(List.of(new OfferQuote("go", 187, "tmobile", 300_000L, 0), new OfferQuote("go", 187, "att", 200_000L, 0)), quotes.quotes());
    }

    @Test
    void unknownNamesAndEntriesThatAreNotExactNonNegativeNumbersAreSkipped() {
        upstream.answer(PRICES, Answer.json("""
                {"russia":{"telegram":{"neg":{"cost":-0.1,"count":5},"word":{"cost":"abc","count":5},
                                       "huge":{"cost":1e999999999,"count":5},"tiny":{"cost":0.0000001,"count":5},
                                       "minus":{"cost":"0.10","count":-1},"many":{"cost":0.1,"count":"many"},
                                       "Bad Name":{"cost":0.1,"count":5},"flat":"0.1","ok":{"cost":"1e-2","count":" 7 "}},
                           "tg":{"mts":{"cost":0.1,"count":5}},
                           "unknownproduct":{"mts":{"cost":0.1,"count":5}},
                           "whatsapp":[1,2,3]},
                 "atlantis":{"telegram":{"mts":{"cost":0.1,"count":5}}},
                 "0":{"telegram":{"mts":{"cost":0.1,"count":5}}},
                 "england":"closed",
                 "usa":{"google":{"att":{"cost":0.25,"count":3,"rate":null}}}}"""));

        Fetched.Quotes quotes = assertInstanceOf(Fetched.Quotes.class, provider().fetchQuotes());

        assertEquals(List.of(
                new OfferQuote("tg", 0, "ok", 10_000L, 7),
                new OfferQuote("tg", 0, "any", 10_000L, 7),
                new OfferQuote("go", 187, "att", 250_000L, 3),
                new OfferQuote("go", 187, "any", 250_000L, 3)), quotes.quotes());
    }

    @Test
    void anEmptyPriceTableIsNoQuotes() {
        upstream.answer(PRICES, Answer.json("{}"));

        assertEquals(new Fetched.Quotes(List.of()), provider().fetchQuotes());
    }

    @Test
    void troubleFailsTheQuoteFetch() {
        FiveSimProvider provider = provider();
        upstream.answer(PRICES, Answer.html(503, "busy"));
        assertEquals(new Fetched.Failed("http 503"), provider.fetchQuotes());

        upstream.answer(PRICES, Answer.html(200, "<html></html>"));
        assertEquals(new Fetched.Failed("garbage: <html></html>"), provider.fetchQuotes());

        upstream.answer(PRICES, Answer.json("{\"russia\":{\"telegram\":{\"mts\":{\"cost\":0.1,\"count\":5}}}"));
        assertEquals(new Fetched.Failed("garbage: {\"russia\":{\"telegram\":{\"mts\":{\"cost\":0.1,\"count\":5}}}"), provider.fetchQuotes(),
                "a table cut short is not half a table");

        upstream.answer(PRICES, Answer.json("{} {}"));
        assertEquals(new Fetched.Failed("garbage: {} {}"), provider.fetchQuotes());

        upstream.answer(PRICES, Answer.empty(401));
        assertEquals(new Fetched.Failed("unauthorized"), provider.fetchQuotes());

        upstream.answer(PRICES, Answer.json("{}").after(SLOW_ANSWER));
        FiveSimProvider impatient = impatientProvider();
        assertEquals(new Fetched.Failed("timeout"), withinTheTimeout(impatient::fetchQuotes));
    }

    @Test
    void aPriceTableOfSeveralMegabytesIsRead() {
        StringBuilder table = new StringBuilder("{\"russia\":{\"telegram\":{\"mts\":{\"cost\":0.21,\"count\":9}}}");
        for (int i = 0; table.length() < 3 * FiveSimProvider.MAX_BODY_BYTES; i++) {
            table.append(",\"country").append(i).append("\":{\"product").append(i).append("\":{\"op\":{\"cost\":0.1,\"count\":1}}}");
        }
        upstream.answer(PRICES, Answer.json(table.append('}').toString()));

        assertEquals(new Fetched.Quotes(List.of(new OfferQuote("tg", 0, "mts", 210_000L, 9), new OfferQuote("tg", 0, "any", 210_000L, 9))),
                provider().fetchQuotes());
    }

    // --- configuration ---

    @Test
    void anApiRootGivenWithItsVersionIsTakenAsMeant() {
        FiveSimProvider provider = provider(URI.create(upstream.url() + "/v1/"), KEY, Duration.ofSeconds(5));

        assertInstanceOf(Purchase.Got.class, provider.buy(telegramInRussia()));
        assertEquals("/v1/user/buy/activation/russia/any/telegram", onlyRequest(BUY).path());
    }

    @Test
    void aKeyThatCannotTravelInAHeaderIsRefusedAtStart() {
        assertThrows(IllegalArgumentException.class, () -> provider(upstream.url(), "key\n", Duration.ofSeconds(5)));
        assertThrows(IllegalArgumentException.class, () -> provider(URI.create("ftp://127.0.0.1"), KEY, Duration.ofSeconds(5)));
    }

    @Test
    void anUpstreamOfThisProtocolIsPolledNotInProcess() {
        FiveSimProvider provider = provider();

        assertEquals("fivesim-a", provider.name());
        assertFalse(provider.inProcess());
        assertTrue(provider.quote("tg", RUSSIA, "any").isEmpty(), "quotes come from the refresher's snapshot");
    }
}
