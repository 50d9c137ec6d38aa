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

/**
 * An upstream of the sms-activate protocol at {@code /stubs/handler_api.php}: the actions
 * Numpool's client sends (getPrices, getNumberV2 and getNumber, getStatus, getFullSms, setStatus,
 * getActiveActivations) and the few a console reads (getBalance, getNumbersStatus,
 * getStatusV2), answered with the protocol's plain tokens with HTTP 200, or JSON.
 */
final class SmsActivateUpstream implements HttpFront.Protocol {
    static final String PATH = "/stubs/handler_api.php";
    private static final JsonMapper JSON = new JsonMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    /** The most rows one getActiveActivations page holds, as HeroSMS documents. */
    private static final int MAX_LIST_LIMIT = 100;

    private final Market market;
    private final String apiKey;

    SmsActivateUpstream(Market market, String apiKey) {
        this.market = market;
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
            default -> Answer.text("BAD_ACTION");
        };
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
