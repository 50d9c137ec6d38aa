package dev.numpool.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import dev.numpool.inventory.SmsActivateWire.Said;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

import static dev.numpool.inventory.SmsActivateWire.isActivationId;
import static dev.numpool.inventory.SmsActivateWire.messageId;
import static dev.numpool.inventory.SmsActivateWire.params;
import static dev.numpool.inventory.SmsActivateWire.receivedAt;
import static dev.numpool.inventory.UpstreamHttp.clip;
import static dev.numpool.inventory.UpstreamHttp.micros;
import static dev.numpool.inventory.UpstreamHttp.scalar;

/**
 * Renting numbers from an upstream of the sms-activate protocol, as its rent API does it:
 * {@code getRentServicesAndCountries} for prices (per country, cached: a catalogue listing must not
 * cost a request per country), {@code getRentNumber}, {@code continueRentNumber},
 * {@code setRentStatus} (1 finish, 2 cancel) and {@code getRentStatus} for the SMS, which are
 * polled. A rented number's ref is {@code rent-<id>}, so that it is never taken for an activation.
 *
 * <p>The upstream rents by the hour, at least {@link #MIN_HOURS}; Numpool by its own period
 * ({@code inventory.rental-period-minutes}): a period costs the upstream's hourly price for the
 * minimum rent times the period's hours, and a rental is rented upstream for its whole length,
 * rounded up to whole hours and to the minimum.
 */
final class SmsActivateRenting {
    static final String REF_PREFIX = "rent-";
    /** The shortest rent the protocol sells (its Java SDK's {@code MINIMAL_RENT_TIME}). */
    static final int MIN_HOURS = 4;
    /** How long a country's rent prices are used before they are asked again. */
    static final Duration QUOTE_TTL = Duration.ofSeconds(60);
    /** Countries whose prices one listing may ask for; the others are answered from the cache only. */
    static final int MAX_COUNTRIES_ASKED = 2;

    private final String name;
    private final Clock clock;
    private final Duration period;
    private final BiFunction<String, Map<String, String>, Said> ask;
    private final Map<Integer, Priced> prices = new ConcurrentHashMap<>();
    /** Where each rental we extended or rented ends upstream, so an extension asks for the hours missing. */
    private final Map<String, Instant> endsAt = new ConcurrentHashMap<>();

    /** One country's rent prices, per service code ({@value Inventory#ANY_SERVICE} for the whole number), as asked at {@code at}. */
    private record Priced(Map<String, Provider.OfferQuote> byService, Instant at) {
    }

    SmsActivateRenting(String name, Clock clock, Duration period, BiFunction<String, Map<String, String>, Said> ask) {
        this.name = name;
        this.clock = clock;
        this.period = period;
        this.ask = ask;
    }

    static boolean isRental(String providerRef) {
        return providerRef.startsWith(REF_PREFIX);
    }

    List<Provider.OfferQuote> quotes(List<String> services, List<Country> countries) {
        List<Provider.OfferQuote> quotes = new ArrayList<>();
        int asked = 0;
        for (Country country : countries) {
            Priced priced = prices.get(country.id());
            boolean stale = priced == null || priced.at().plus(QUOTE_TTL).isBefore(clock.instant());
            if (stale && asked < MAX_COUNTRIES_ASKED) {
                asked++;
                priced = fetch(country.id()).orElse(priced);
            }
            if (priced != null) {
                for (String service : services) {
                    Optional.ofNullable(priced.byService().get(service)).ifPresent(quotes::add);
                }
            }
        }
        return quotes;
    }

    /** {@code {"countries":…,"operators":…,"services":{"full":{"cost":42.93,"quant":20},"tg":{…}},"currency":840}}. */
    private Optional<Priced> fetch(int country) {
        Said said = ask.apply("getRentServicesAndCountries", params("rent_time", Integer.toString(MIN_HOURS), "country", Integer.toString(country)));
        if (!(said instanceof Said.Json(JsonNode answer)) || !answer.path("services").isObject()) {
            return Optional.empty();
        }
        Map<String, Provider.OfferQuote> byService = new ConcurrentHashMap<>();
        for (Map.Entry<String, JsonNode> s : answer.get("services").properties()) {
            String service = s.getKey().equals("full") ? Inventory.ANY_SERVICE : s.getKey();
            var cost = micros(s.getValue().get("cost"));
            String quant = scalar(s.getValue().get("quant"));
            if ((service.equals(Inventory.ANY_SERVICE) || service.matches("[a-z0-9]{2}")) && cost.isPresent() && quant != null
                    && quant.matches("[0-9]{1,9}")) {
                byService.put(service, new Provider.OfferQuote(service, country, "any", perPeriod(cost.getAsLong()), Integer.parseInt(quant)));
            }
        }
        Priced priced = new Priced(Map.copyOf(byService), clock.instant());
        prices.put(country, priced);
        return Optional.of(priced);
    }

    /** The upstream's price for {@link #MIN_HOURS} hours, as the price of one of our periods (at least a micro-unit). */
    private long perPeriod(long minRentMicros) {
        return Math.max(1, Math.multiplyExact(minRentMicros, period.toMinutes()) / (MIN_HOURS * 60L));
    }

    /** {@code getRentNumber}: {@code {"status":"success","phone":{"id":1049,"endDate":"2020-01-31T12:01:52","number":"79959707564"}}}. */
    Provider.Purchase rent(Provider.RentOrder order) {
        long costMicros = Optional.ofNullable(prices.get(order.country().id())).map(p -> p.byService().get(order.service()))
                .map(Provider.OfferQuote::costMicros).orElse(order.maxCostMicros());
        if (costMicros > order.maxCostMicros()) {
            return new Provider.Purchase.Empty();
        }
        String service = order.service().equals(Inventory.ANY_SERVICE) ? "full" : order.service();
        Said said = ask.apply("getRentNumber", params("service", service, "rent_time", Integer.toString(hoursUntil(order.until())),
                "country", Integer.toString(order.country().id())));
        return switch (said) {
            case Said.Json(JsonNode answer) when "success".equals(scalar(answer.get("status"))) -> {
                String id = scalar(answer.path("phone").get("id"));
                if (!isActivationId(id)) {
                    yield new Provider.Purchase.Failed("garbage: " + clip(answer.toString()));
                }
                String ref = REF_PREFIX + id;
                endsAt.put(ref, receivedAt(answer.path("phone").get("endDate"), order.until()));
                Provider.Purchase sold = new Provider.Order(order.service(), order.country(), "any", order.maxCostMicros(), List.of())
                        .sold(ref, scalar(answer.path("phone").get("number")), costMicros);
                if (sold instanceof Provider.Purchase.Failed) {
                    setRentStatus(ref, "2"); // not what we asked for: cancelled at once, within the upstream's refund minutes
                }
                yield sold;
            }
            case Said.Json(JsonNode answer) -> new Provider.Purchase.Failed("garbage: " + clip(answer.toString()));
            case Said.Token token when token.name().equals("NO_NUMBERS") || token.name().equals("OUT_OF_STOCK") -> new Provider.Purchase.Empty();
            case Said.Token token -> new Provider.Purchase.Failed(token.text());
            case Said.Trouble(String reason) when reason.equals("connection refused") -> new Provider.Purchase.Failed(reason);
            case Said.Trouble(String reason) -> new Provider.Purchase.Unknown(reason);
        };
    }

    /** {@code continueRentNumber}: the hours from the rental's known end upstream to {@code until}, at least the minimum. */
    Provider.Confirmation extend(String providerRef, Instant until) {
        Instant from = endsAt.getOrDefault(providerRef, clock.instant());
        if (!until.isAfter(from)) {
            return new Provider.Confirmation.Confirmed(); // already rented that long upstream
        }
        int hours = Math.max(MIN_HOURS, (int) Math.ceil(Duration.between(from, until).toSeconds() / 3600.0));
        Said said = ask.apply("continueRentNumber", params("id", id(providerRef), "rent_time", Integer.toString(hours)));
        return switch (said) {
            case Said.Json(JsonNode answer) when "success".equals(scalar(answer.get("status"))) -> {
                endsAt.put(providerRef, receivedAt(answer.path("phone").get("endDate"), until));
                yield new Provider.Confirmation.Confirmed();
            }
            case Said.Token token when token.name().equals("NO_BALANCE") || token.name().equals("SERVER_ERROR") ->
                    new Provider.Confirmation.Unavailable(token.text());
            case Said.Token token -> new Provider.Confirmation.Refused(token.text());
            case Said.Json(JsonNode answer) -> new Provider.Confirmation.Unavailable("garbage: " + clip(answer.toString()));
            case Said.Trouble(String reason) -> new Provider.Confirmation.Unavailable(reason);
        };
    }

    /** {@code setRentStatus}: 1 finishes (paid), 2 cancels (refunded within the upstream's first minutes). */
    Provider.Confirmation release(String providerRef, Release how) {
        endsAt.remove(providerRef);
        return setRentStatus(providerRef, how == Release.CODE_USED ? "1" : "2");
    }

    private Provider.Confirmation setRentStatus(String providerRef, String status) {
        return switch (ask.apply("setRentStatus", params("id", id(providerRef), "status", status))) {
            case Said.Json(JsonNode answer) when "success".equals(scalar(answer.get("status"))) -> new Provider.Confirmation.Confirmed();
            // Already ended there, as we wanted it.
            case Said.Token token when token.name().startsWith("ALREADY_") -> new Provider.Confirmation.Confirmed();
            case Said.Token token when token.name().equals("SERVER_ERROR") -> new Provider.Confirmation.Unavailable(token.text());
            case Said.Token token -> new Provider.Confirmation.Refused(token.text());
            case Said.Json(JsonNode answer) -> new Provider.Confirmation.Unavailable("garbage: " + clip(answer.toString()));
            case Said.Trouble(String reason) -> new Provider.Confirmation.Unavailable(reason);
        };
    }

    /**
     * {@code getRentStatus}: every SMS the rented number received, {@code {"status":"success",
     * "quantity":"2","values":{"0":{"phoneFrom","text","service","date"},…}}}; {@code STATUS_WAIT_CODE}
     * before the first. Each SMS's id is the rental and its text, so a repeat is one SMS to intake.
     */
    List<InboundSms> poll(String providerRef) {
        if (!(ask.apply("getRentStatus", params("id", id(providerRef), "page", "1", "size", "100")) instanceof Said.Json(JsonNode answer))
                || !answer.path("values").isObject()) {
            return List.of();
        }
        List<InboundSms> received = new ArrayList<>();
        for (JsonNode sms : answer.get("values")) {
            String text = scalar(sms.get("text"));
            if (text == null || text.isBlank()) {
                continue;
            }
            Instant at = receivedAt(sms.get("date"), clock.instant());
            String sender = Optional.ofNullable(scalar(sms.get("phoneFrom"))).orElse("");
            received.add(new InboundSms(name, providerRef, sender, text, messageId(providerRef, "", at + "\n" + text), at));
        }
        return received;
    }

    private int hoursUntil(Instant until) {
        return Math.max(MIN_HOURS, (int) Math.ceil(Duration.between(clock.instant(), until).toSeconds() / 3600.0));
    }

    private static String id(String providerRef) {
        return providerRef.substring(REF_PREFIX.length());
    }
}
