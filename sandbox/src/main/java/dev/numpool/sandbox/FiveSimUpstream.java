package dev.numpool.sandbox;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.sandbox.HttpFront.Answer;
import dev.numpool.sandbox.HttpFront.Request;

import java.math.BigDecimal;
import java.net.URLDecoder;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * An upstream of 5sim's REST v1: the guest price table and products, and under {@code /v1/user}
 * (a Bearer key, else a bare 401) the profile, purchases, check, finish, cancel, ban and the
 * order history Numpool's client sweeps. Errors are plain text, {@code no free phones} with
 * HTTP 200 as 5sim has it.
 */
final class FiveSimUpstream implements HttpFront.Protocol {
    private static final JsonMapper JSON = new JsonMapper();
    /** The one operator each offer is sold through; buying with {@code any} gets it too. */
    static final String OPERATOR = "virtual21";

    private final Market market;
    private final String apiKey;

    FiveSimUpstream(Market market, String apiKey) {
        this.market = market;
        this.apiKey = apiKey;
    }

    @Override
    public Answer answer(Request request) {
        List<String> path = Arrays.stream(request.path().split("/")).filter(s -> !s.isEmpty())
                .map(s -> URLDecoder.decode(s, UTF_8)).limit(8).toList();
        if (path.size() < 3 || !path.get(0).equals("v1") || !request.method().equals("GET")) {
            return notFound();
        }
        String area = path.get(1);
        String action = path.get(2);
        List<String> arguments = path.subList(3, path.size());
        if (area.equals("guest")) {
            return switch (action) {
                case "prices" -> prices(request.param("country"), request.param("product"));
                case "products" -> arguments.size() == 2 ? products(arguments.get(0)) : notFound();
                default -> notFound();
            };
        }
        if (!area.equals("user")) {
            return notFound();
        }
        if (!("Bearer " + apiKey).equals(request.authorization())) {
            return new Answer(401, "text/plain", "");
        }
        return switch (action) {
            case "profile" -> Answer.json(JSON.createObjectNode().put("id", 1).put("email", "sandbox@numpool.invalid")
                    .put("vendor", "").put("balance", new BigDecimal(SmsActivateUpstream.decimal(market.balanceMicros())))
                    .put("rating", 96).put("frozen_balance", 0).toString());
            case "buy" -> arguments.size() == 4 && arguments.get(0).equals("activation")
                    ? buy(arguments.get(1), arguments.get(2), arguments.get(3), request.param("maxPrice"))
                    : Answer.text("no product").withStatus(400);
            case "check" -> order(arguments).map(a -> Answer.json(json(a))).orElse(Answer.text("order not found").withStatus(404));
            case "finish" -> end(arguments, Market.State.FINISHED);
            case "cancel" -> end(arguments, Market.State.CANCELLED);
            case "ban" -> end(arguments, Market.State.BANNED);
            case "orders" -> history(request);
            case "reuse" -> arguments.size() == 2 ? reuse(arguments.get(0), arguments.get(1)) : notFound();
            default -> notFound();
        };
    }

    private static Answer notFound() {
        return Answer.text("404 page not found").withStatus(404);
    }

    /** {@code country → product → operator → {cost, count, rate}}, {@code rate} being the delivery success in percent. */
    private Answer prices(String countryWanted, String productWanted) {
        ObjectNode table = JSON.createObjectNode();
        for (Market.Offer o : market.offers()) {
            Names.Country country = Names.country(o.country()).orElseThrow();
            Names.Service service = Names.service(o.service()).orElseThrow();
            if ((countryWanted != null && !countryWanted.equals(country.fiveSim())) || (productWanted != null && !productWanted.equals(service.fiveSim()))) {
                continue;
            }
            ObjectNode products = table.has(country.fiveSim()) ? (ObjectNode) table.get(country.fiveSim()) : table.putObject(country.fiveSim());
            products.putObject(service.fiveSim()).putObject(OPERATOR).put("cost", new BigDecimal(SmsActivateUpstream.decimal(o.costMicros())))
                    .put("count", o.stock()).put("rate", Math.round(market.settings().deliveryRate() * 1000) / 10.0);
        }
        return Answer.json(table.toString());
    }

    private Answer products(String countryName) {
        Optional<Names.Country> country = Names.countryNamed(countryName);
        if (country.isEmpty()) {
            return Answer.text("bad country").withStatus(400);
        }
        ObjectNode products = JSON.createObjectNode();
        for (Market.Offer o : market.offers()) {
            if (o.country() == country.get().id()) {
                products.putObject(Names.service(o.service()).orElseThrow().fiveSim()).put("Category", "activation")
                        .put("Qty", o.stock()).put("Price", new BigDecimal(SmsActivateUpstream.decimal(o.costMicros())));
            }
        }
        return Answer.json(products.toString());
    }

    /** {@code /v1/user/reuse/{product}/{number}}: the number of the latest finished order for the product, sold again. */
    private Answer reuse(String product, String number) {
        Optional<Names.Service> service = Names.product(product);
        if (service.isEmpty()) {
            return Answer.text("no product").withStatus(400);
        }
        String digits = number.startsWith("+") ? number.substring(1) : number;
        Optional<Market.View> latest = market.all().stream()
                .filter(a -> a.phone().equals(digits) && a.service().equals(service.get().code()))
                .reduce((first, second) -> second);
        if (latest.isEmpty()) {
            return Answer.text("reuse not possible").withStatus(400);
        }
        return switch (market.sellAgain(latest.get().id())) {
            case Market.Sale.Sold sold -> Answer.json(json(sold.activation()));
            case Market.Sale.Failed failed -> Answer.text("server offline").withStatus(503);
            default -> Answer.text("reuse not possible").withStatus(400);
        };
    }

    private Answer buy(String countryName, String operator, String product, String maxPrice) {
        Optional<Names.Country> country = Names.countryNamed(countryName);
        if (country.isEmpty()) {
            return Answer.text("bad country").withStatus(400);
        }
        if (!operator.equals("any") && !operator.equals(OPERATOR)) {
            return Answer.text("bad operator").withStatus(400);
        }
        Optional<Names.Service> service = Names.product(product);
        if (service.isEmpty()) {
            return Answer.text("no product").withStatus(400);
        }
        if (!market.sells(service.get().code(), country.get().id())) {
            return Answer.text("no free phones");
        }
        long max = Long.MAX_VALUE;
        if (maxPrice != null) {
            try {
                max = new BigDecimal(maxPrice.strip()).movePointRight(6).setScale(0, java.math.RoundingMode.DOWN).longValueExact();
            } catch (NumberFormatException | ArithmeticException e) {
                return Answer.text("bad max price").withStatus(400);
            }
        }
        return switch (market.sell(service.get().code(), country.get().id(), max, List.of())) {
            case Market.Sale.Sold sold -> Answer.json(json(sold.activation()));
            // 5sim says this with HTTP 200, also when maxPrice is below every offer.
            case Market.Sale.NoNumbers none -> Answer.text("no free phones");
            case Market.Sale.TooCheap cheap -> Answer.text("no free phones");
            case Market.Sale.Failed failed -> Answer.text("server offline").withStatus(503);
        };
    }

    private Answer end(List<String> arguments, Market.State to) {
        Optional<Long> id = id(arguments);
        if (id.isEmpty()) {
            return Answer.text("order not found").withStatus(400);
        }
        return switch (market.end(id.get(), to)) {
            case Market.Ending.Ended(Market.View a) -> Answer.json(json(a));
            case Market.Ending.NotFound none -> Answer.text("order not found").withStatus(400);
            case Market.Ending.Refused(String reason, Market.View a) -> switch (reason) {
                case "has sms" -> Answer.text("order has sms").withStatus(400);
                case "no sms" -> Answer.text("order no sms").withStatus(400);
                // Reported already, or ended some other way: the order as it stands, as 5sim answers.
                default -> a.state() == Market.State.TIMEOUT ? Answer.text("order expired").withStatus(400) : Answer.json(json(a));
            };
        };
    }

    /** {@code {"Data":[orders],"ProductNames":[],"Statuses":[],"Total":n}}: activations by id, newest first with {@code reverse=true}. */
    private Answer history(Request request) {
        if (!"activation".equals(request.param("category")) && !"hosting".equals(request.param("category"))) {
            return Answer.text("bad category").withStatus(400);
        }
        List<Market.View> all = "hosting".equals(request.param("category")) ? List.of() : market.all();
        if ("true".equals(request.param("reverse"))) {
            all = all.reversed();
        }
        int offset = count(request.param("offset"), 0);
        int limit = Math.min(count(request.param("limit"), 15), 100);
        ObjectNode answer = JSON.createObjectNode();
        ArrayNode data = answer.putArray("Data");
        all.subList(Math.min(offset, all.size()), Math.min(all.size(), offset + limit)).forEach(a -> data.add(node(a)));
        answer.putArray("ProductNames");
        answer.putArray("Statuses");
        answer.put("Total", all.size());
        return Answer.json(answer.toString());
    }

    private Optional<Market.View> order(List<String> arguments) {
        return id(arguments).flatMap(market::find);
    }

    private static Optional<Long> id(List<String> arguments) {
        return arguments.size() == 1 && arguments.getFirst().matches("[0-9]{1,18}") ? Optional.of(Long.parseLong(arguments.getFirst())) : Optional.empty();
    }

    private static int count(String text, int otherwise) {
        return text != null && text.matches("[0-9]{1,9}") ? Integer.parseInt(text) : otherwise;
    }

    private static String json(Market.View a) {
        return node(a).toString();
    }

    private static ObjectNode node(Market.View a) {
        ObjectNode n = JSON.createObjectNode().put("id", a.id()).put("phone", "+" + a.phone()).put("operator", OPERATOR)
                .put("product", Names.service(a.service()).orElseThrow().fiveSim())
                .put("price", new BigDecimal(SmsActivateUpstream.decimal(a.costMicros())))
                .put("status", switch (a.state()) {
                    case WAITING -> "RECEIVED";
                    case FINISHED -> "FINISHED";
                    case CANCELLED -> "CANCELED";
                    case TIMEOUT -> "TIMEOUT";
                    case BANNED -> "BANNED";
                })
                .put("expires", a.endsAt().toString());
        ArrayNode sms = n.putArray("sms");
        for (Market.Sms s : a.arrived()) {
            sms.addObject().put("created_at", s.at().toString()).put("date", s.at().toString())
                    .put("sender", s.sender()).put("text", s.text()).put("code", s.code());
        }
        n.put("created_at", a.boughtAt().toString()).put("forwarding", false).put("forwarding_number", "")
                .put("country", Names.country(a.country()).orElseThrow().fiveSim());
        return n;
    }
}
