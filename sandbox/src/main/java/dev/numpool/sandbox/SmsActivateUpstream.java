package dev.numpool.sandbox;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import dev.numpool.sandbox.HttpFront.Answer;
import dev.numpool.sandbox.HttpFront.Request;

import java.math.BigDecimal;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * An upstream of the sms-activate protocol at {@code /stubs/handler_api.php}: the actions
 * Numpool's client sends (getPrices, getNumberV2 and getNumber, getStatus, getFullSms, setStatus,
 * getActiveActivations, the reuse pair, and the rent API: getRentServicesAndCountries,
 * getRentNumber, getRentStatus, continueRentNumber, setRentStatus) and the few a console reads
 * (getBalance, getNumbersStatus, getStatusV2), answered with the protocol's plain tokens with
 * HTTP 200, or JSON (the rent API's errors as {@code {"status":"error","message":TOKEN}}).
 */
final class SmsActivateUpstream implements HttpFront.Protocol {
    static final String PATH = "/stubs/handler_api.php";
    private static final JsonMapper JSON = new JsonMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    /** The most rows one getActiveActivations page holds, as HeroSMS documents. */
    private static final int MAX_LIST_LIMIT = 100;

    /** The rent API's dates: {@code 2020-01-31T12:01:52}, UTC. */
    private static final DateTimeFormatter RENT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    private final Market market;
    private final RentMarket rents;
    private final String apiKey;

    SmsActivateUpstream(Market market, RentMarket rents, String apiKey) {
        this.market = market;
        this.rents = rents;
        this.apiKey = apiKey;
    }

    @Override
    public Answer answer(Request request) {
        String key = request.param("api_key");
        if (key == null || key.isEmpty()) {
            return Answer.text("NO_KEY");
        }
        if (!key.equals(apiKey)) {
            return Answer.text("BAD_KEY");
        }
        String action = String.valueOf(request.param("action"));
        return switch (action) {
            case "getBalance" -> Answer.text("ACCESS_BALANCE:" + decimal(market.balanceMicros()));
            case "getPrices" -> prices(request);
            case "getNumbersStatus" -> numbersStatus(request);
            case "getNumber", "getNumberV2" -> buy(request, action.equals("getNumberV2"));
            case "getStatus" -> withActivation(request, a -> Answer.text(status(a)));
            case "getStatusV2" -> withActivation(request, this::statusV2);
            case "getFullSms" -> withActivation(request, a -> a.last().map(s -> Answer.text("FULL_SMS:" + s.text()))
                    .orElseGet(() -> Answer.text(status(a))));
            case "setStatus" -> setStatus(request);
            case "getActiveActivations" -> activeActivations(request);
            case "checkExtraActivation" -> number(request.param("activationId")).map(this::reuseCost).orElse(Answer.text("WRONG_ACTIVATION_ID"));
            case "getExtraActivation" -> number(request.param("activationId"))
                    .map(id -> switch (market.sellAgain(id)) {
                        case Market.Sale.Sold(Market.View a, List<Market.Sms> planned) -> Answer.text("ACCESS_NUMBER:" + a.id() + ":" + a.phone());
                        case Market.Sale.Failed failed -> Answer.text("ERROR_SQL");
                        default -> Answer.text("RENEW_ACTIVATION_NOT_AVAILABLE");
                    })
                    .orElse(Answer.text("WRONG_ACTIVATION_ID"));
            case "getRentServicesAndCountries" -> rentPrices(request);
            case "getRentNumber" -> rent(request);
            case "getRentStatus" -> rentStatus(request);
            case "continueRentNumber" -> extendRent(request);
            case "setRentStatus" -> endRent(request);
            default -> Answer.text("BAD_ACTION");
        };
    }

    // Rent --------------------------------------------------------------------------------------

    /** {@code {"countries":{"0":0},"operators":{"0":"any"},"services":{"full":{"cost":2.4,"quant":5},"tg":{…}},"currency":840}}, for {@code rent_time} hours. */
    private Answer rentPrices(Request request) {
        Optional<Integer> hours = rentHours(request.param("rent_time"));
        Optional<Integer> country = number(Optional.ofNullable(request.param("country")).orElse("0")).map(Long::intValue);
        if (hours.isEmpty() || country.isEmpty()) {
            return rentError("BAD_TIME");
        }
        ObjectNode answer = JSON.createObjectNode();
        answer.putObject("countries").put("0", country.get());
        answer.putObject("operators").put("0", "any");
        ObjectNode services = answer.putObject("services");
        long cost = rentCost(hours.get());
        for (String service : Stream.concat(Stream.of("full"), market.settings().services().stream()).toList()) {
            rents.stock(service, country.get()).ifPresent(quant -> services.putObject(service).put("cost", new BigDecimal(decimal(cost))).put("quant", quant));
        }
        return Answer.json(answer.put("currency", 840).toString());
    }

    /** {@code {"status":"success","phone":{"id":1049,"endDate":"2020-01-31T12:01:52","number":"79959707564"}}}. */
    private Answer rent(Request request) {
        Optional<Integer> hours = rentHours(request.param("rent_time"));
        String service = String.valueOf(request.param("service"));
        Optional<Integer> country = number(Optional.ofNullable(request.param("country")).orElse("0")).map(Long::intValue);
        if (!service.equals("full") && Names.service(service).isEmpty()) {
            return rentError("BAD_SERVICE");
        }
        if (hours.isEmpty() || country.isEmpty()) {
            return rentError("BAD_TIME");
        }
        if (market.failsNow()) {
            return rentError("ERROR_SQL");
        }
        return rents.rent(service, country.get(), hours.get()).map(this::rented).orElse(rentError("NO_NUMBERS"));
    }

    /** {@code {"status":"success","quantity":"2","values":{"0":{"phoneFrom","text","service","date"},…}}}, newest first. */
    private Answer rentStatus(Request request) {
        return withRental(request, r -> {
            if (r.arrived().isEmpty()) {
                return rentError(switch (r.state()) {
                    case RENTED -> "STATUS_WAIT_CODE";
                    case FINISHED -> "STATUS_FINISH";
                    case CANCELLED -> "STATUS_CANCEL";
                });
            }
            ObjectNode answer = JSON.createObjectNode().put("status", "success").put("quantity", Integer.toString(r.arrived().size()));
            ObjectNode values = answer.putObject("values");
            List<Market.Sms> newestFirst = r.arrived().reversed();
            for (int i = 0; i < newestFirst.size(); i++) {
                Market.Sms sms = newestFirst.get(i);
                values.putObject(Integer.toString(i)).put("phoneFrom", sms.sender()).put("text", sms.text()).put("service", r.service())
                        .put("date", TIME.format(sms.at()));
            }
            return Answer.json(answer.toString());
        });
    }

    private Answer extendRent(Request request) {
        Optional<Integer> hours = rentHours(request.param("rent_time"));
        if (hours.isEmpty()) {
            return rentError("BAD_TIME");
        }
        return withRental(request, r -> rents.extend(r.id(), hours.get()).map(this::rented).orElse(rentError("RENT_DIE")));
    }

    /** {@code status} 1 finishes the rental (paid), 2 cancels it (refunded). */
    private Answer endRent(Request request) {
        RentMarket.State to = switch (String.valueOf(request.param("status"))) {
            case "1" -> RentMarket.State.FINISHED;
            case "2" -> RentMarket.State.CANCELLED;
            default -> null;
        };
        if (to == null) {
            return rentError("INCORECT_STATUS");
        }
        return withRental(request, r -> switch (rents.end(r.id(), to)) {
            case RentMarket.Ending.Ended ended -> Answer.json("{\"status\":\"success\"}");
            case RentMarket.Ending.NotFound none -> rentError("INVALID_PHONE");
            case RentMarket.Ending.AlreadyEnded(RentMarket.State state) -> rentError(state == RentMarket.State.CANCELLED ? "ALREADY_CANCEL" : "ALREADY_FINISH");
        });
    }

    private Answer rented(RentMarket.View r) {
        ObjectNode answer = JSON.createObjectNode().put("status", "success");
        answer.putObject("phone").put("id", r.id()).put("endDate", RENT_TIME.format(r.endsAt())).put("number", r.phone());
        return Answer.json(answer.toString());
    }

    private Answer withRental(Request request, java.util.function.Function<RentMarket.View, Answer> then) {
        if (request.param("id") == null || request.param("id").isEmpty()) {
            return rentError("NO_ID_RENT");
        }
        return number(request.param("id")).flatMap(rents::find).map(then).orElse(rentError("INVALID_PHONE"));
    }

    /** The price of {@code hours}: the upstream's four-hour price for every four hours begun. */
    private long rentCost(int hours) {
        return Math.multiplyExact(rents.minRentCostMicros(), (hours + RentMarket.MIN_HOURS - 1) / RentMarket.MIN_HOURS);
    }

    private static Optional<Integer> rentHours(String text) {
        return number(text).filter(h -> h >= RentMarket.MIN_HOURS && h <= RentMarket.MAX_HOURS).map(Long::intValue);
    }

    private static Answer rentError(String token) {
        return Answer.json(JSON.createObjectNode().put("status", "error").put("message", token).toString());
    }

    private Answer prices(Request request) {
        ObjectNode table = JSON.createObjectNode();
        for (Market.Offer o : market.offers()) {
            if (matches(request.param("service"), o.service()) && matches(request.param("country"), Integer.toString(o.country()))) {
                ObjectNode country = table.has(Integer.toString(o.country())) ? (ObjectNode) table.get(Integer.toString(o.country()))
                        : table.putObject(Integer.toString(o.country()));
                country.putObject(o.service()).put("cost", new BigDecimal(decimal(o.costMicros()))).put("count", o.stock());
            }
        }
        return Answer.json(table.toString());
    }

    private Answer numbersStatus(Request request) {
        ObjectNode counts = JSON.createObjectNode();
        for (Market.Offer o : market.offers()) {
            if (matches(request.param("country"), Integer.toString(o.country()))) {
                counts.put(o.service() + "_0", counts.path(o.service() + "_0").asInt(0) + o.stock());
            }
        }
        return Answer.json(counts.toString());
    }

    private Answer buy(Request request, boolean v2) {
        String service = request.param("service");
        if (Names.service(service).isEmpty()) {
            return Answer.text("BAD_SERVICE");
        }
        Optional<Integer> country = number(request.param("country")).map(Long::intValue).filter(c -> Names.country(c).isPresent());
        if (country.isEmpty()) {
            return Answer.text("BAD_COUNTRY");
        }
        if (!market.sells(service, country.get())) {
            return Answer.text("NO_NUMBERS");
        }
        long max = Optional.ofNullable(request.param("maxPrice")).flatMap(SmsActivateUpstream::micros).orElse(Long.MAX_VALUE);
        List<String> excluded = request.param("phoneException") == null ? List.of()
                : Arrays.stream(request.param("phoneException").split(",")).map(String::strip).filter(p -> p.matches("[0-9]{1,15}")).limit(50).toList();
        return switch (market.sell(service, country.get(), max, excluded)) {
            case Market.Sale.Sold(Market.View a, List<Market.Sms> planned) -> v2 ? Answer.json(JSON.createObjectNode()
                    .put("activationId", a.id()).put("phoneNumber", a.phone()).put("activationCost", decimal(a.costMicros()))
                    .put("currency", 840).put("countryCode", Integer.toString(a.country()))
                    .put("countryPhoneCode", callingCode(a.country()))
                    .put("canGetAnotherSms", "1").put("activationTime", TIME.format(a.boughtAt()))
                    .put("activationEndTime", TIME.format(a.endsAt())).put("activationOperator", "any").toString())
                    : Answer.text("ACCESS_NUMBER:" + a.id() + ":" + a.phone());
            case Market.Sale.NoNumbers none -> Answer.text("NO_NUMBERS");
            case Market.Sale.TooCheap(long cost) -> Answer.text("WRONG_MAX_PRICE:" + decimal(cost));
            // What sms-activate itself answers when its backend trips.
            case Market.Sale.Failed failed -> Answer.text("ERROR_SQL");
        };
    }

    /** {@code checkExtraActivation}: the price of the number again, in the documented JSON, or why not. */
    private Answer reuseCost(long id) {
        Optional<Market.View> parent = market.find(id);
        Optional<Long> cost = market.reuseCost(id);
        if (parent.isEmpty()) {
            return Answer.text("WRONG_ACTIVATION_ID");
        }
        if (cost.isEmpty()) {
            return Answer.text("RENEW_ACTIVATION_NOT_AVAILABLE");
        }
        return Answer.json(JSON.createObjectNode().put("status", "success").put("cost", new BigDecimal(decimal(cost.get())))
                .put("service", parent.get().service()).put("phone", Long.parseLong(parent.get().phone()))
                .put("country", parent.get().country()).toString());
    }

    private Answer setStatus(Request request) {
        Optional<Long> id = number(request.param("id"));
        if (id.isEmpty()) {
            return Answer.text("WRONG_ACTIVATION_ID");
        }
        return switch (String.valueOf(request.param("status"))) {
            case "1" -> market.find(id.get()).map(a -> Answer.text(a.state() == Market.State.WAITING ? "ACCESS_READY" : "BAD_STATUS"))
                    .orElse(Answer.text("NO_ACTIVATION"));
            case "3" -> market.anotherCode(id.get()).map(a -> Answer.text("ACCESS_RETRY_GET"))
                    .orElseGet(() -> Answer.text(market.find(id.get()).isPresent() ? "BAD_STATUS" : "NO_ACTIVATION"));
            case "6" -> ending(market.end(id.get(), Market.State.FINISHED), "ACCESS_ACTIVATION");
            case "8", "-1" -> ending(market.end(id.get(), Market.State.CANCELLED), "ACCESS_CANCEL");
            default -> Answer.text("BAD_STATUS");
        };
    }

    private static Answer ending(Market.Ending ending, String done) {
        return switch (ending) {
            case Market.Ending.Ended ended -> Answer.text(done);
            case Market.Ending.NotFound none -> Answer.text("NO_ACTIVATION");
            // A code arrived (no cancel), none arrived (nothing to finish), or it ended otherwise.
            case Market.Ending.Refused refused -> Answer.text("BAD_STATUS");
        };
    }

    /** Live activations, a page of {@code limit} (at most 100) from {@code start}, oldest first; {@code NO_ACTIVATIONS} when none. */
    private Answer activeActivations(Request request) {
        List<Market.View> live = market.live();
        int start = number(request.param("start")).map(n -> (int) Math.min(n, Integer.MAX_VALUE)).orElse(0);
        int limit = number(request.param("limit")).map(n -> (int) Math.min(n, MAX_LIST_LIMIT)).orElse(MAX_LIST_LIMIT);
        if (live.isEmpty()) {
            return Answer.text("NO_ACTIVATIONS");
        }
        ObjectNode answer = JSON.createObjectNode().put("status", "success");
        ArrayNode rows = answer.putArray("activeActivations");
        for (Market.View a : live.subList(Math.min(start, live.size()), Math.min(live.size(), start + limit))) {
            ObjectNode row = rows.addObject().put("activationId", Long.toString(a.id())).put("serviceCode", a.service())
                    .put("phoneNumber", a.phone()).put("activationCost", decimal(a.costMicros()))
                    .put("activationStatus", a.arrived().isEmpty() ? "4" : "2")
                    .put("activationTime", TIME.format(a.boughtAt())).put("countryCode", Integer.toString(a.country()))
                    .put("canGetAnotherSms", "1").put("currency", 840);
            // null until a code came, a string for one, an array once another code was asked for.
            if (a.arrived().isEmpty()) {
                row.putNull("smsCode");
                row.putNull("smsText");
            } else if (a.arrived().size() == 1) {
                row.put("smsCode", a.arrived().getFirst().code()).put("smsText", a.arrived().getFirst().text());
            } else {
                ArrayNode codes = row.putArray("smsCode");
                ArrayNode texts = row.putArray("smsText");
                a.arrived().forEach(s -> {
                    codes.add(s.code());
                    texts.add(s.text());
                });
            }
        }
        return Answer.json(answer.toString());
    }

    private Answer statusV2(Market.View a) {
        ObjectNode answer = JSON.createObjectNode().put("verificationType", 0);
        a.last().ifPresentOrElse(
                s -> answer.putObject("sms").put("dateTime", TIME.format(s.at())).put("code", s.code()).put("text", s.text()),
                () -> answer.putNull("sms"));
        answer.putNull("call");
        return Answer.json(answer.toString());
    }

    private static String status(Market.View a) {
        return switch (a.state()) {
            case WAITING -> a.anotherCodeAsked() ? "STATUS_WAIT_RETRY:" + a.last().map(Market.Sms::code).orElse("")
                    : a.last().map(s -> "STATUS_OK:" + s.code()).orElse("STATUS_WAIT_CODE");
            case FINISHED -> a.last().map(s -> "STATUS_OK:" + s.code()).orElse("STATUS_CANCEL");
            case CANCELLED, TIMEOUT, BANNED -> "STATUS_CANCEL";
        };
    }

    private Answer withActivation(Request request, java.util.function.Function<Market.View, Answer> then) {
        Optional<Long> id = number(request.param("id"));
        if (id.isEmpty()) {
            return Answer.text("WRONG_ACTIVATION_ID");
        }
        return market.find(id.get()).map(then).orElse(Answer.text("NO_ACTIVATION"));
    }

    private static boolean matches(String wanted, String value) {
        return wanted == null || wanted.isEmpty() || wanted.equals(value);
    }

    private static int callingCode(int country) {
        return PhoneNumberUtil.getInstance().getCountryCodeForRegion(Names.country(country).orElseThrow().region());
    }

    private static Optional<Long> number(String text) {
        return text != null && text.matches("[0-9]{1,18}") ? Optional.of(Long.parseLong(text)) : Optional.empty();
    }

    private static Optional<Long> micros(String decimal) {
        try {
            BigDecimal value = new BigDecimal(decimal.strip());
            return value.signum() < 0 ? Optional.empty() : Optional.of(value.movePointRight(6).setScale(0, java.math.RoundingMode.DOWN).longValueExact());
        } catch (NumberFormatException | ArithmeticException e) {
            return Optional.empty();
        }
    }

    static String decimal(long micros) {
        return BigDecimal.valueOf(micros, 6).stripTrailingZeros().toPlainString();
    }
}
