package dev.numpool.inventory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The offers on sale: for each service and country, the lowest sell price among the providers
 * that report stock and are not paused, their stock together, and the best delivery rate.
 */
final class Offers {
    private final Catalogue catalogue;
    private final Providers providers;
    private final TestSeparation separation;
    private final Controls controls;
    private final DeliveryStats deliveries;

    Offers(Catalogue catalogue, Providers providers, TestSeparation separation, Controls controls, DeliveryStats deliveries) {
        this.catalogue = catalogue;
        this.providers = providers;
        this.separation = separation;
        this.controls = controls;
        this.deliveries = deliveries;
    }

    /** See {@link Inventory#offers}. */
    List<Offer> offers(Optional<Service> service, Optional<Country> country, Mode mode) {
        record Best(long priceMicros, int stock) {
        }
        Map<String, Best> best = new LinkedHashMap<>();
        Controls.InForce controls = this.controls.current();
        Map<String, String> paused = controls.paused();
        Pricing pricing = controls.pricing();
        for (Service s : service.map(List::of).orElseGet(catalogue::services)) {
            for (Country c : country.map(List::of).orElseGet(catalogue::countries)) {
                for (Provider p : providers.all()) {
                    if (p.inProcess() && !paused.containsKey(p.name()) && separation.allows(p.name(), s.code(), mode)) {
                        p.quote(s.code(), c, "any").filter(q -> q.stock() > 0).ifPresent(q -> best.merge(s.code() + ":" + c.id(),
                                new Best(pricing.sellPriceMicros(q.costMicros(), p.name(), s.code(), c.id()), q.stock()),
                                (a, b) -> new Best(Math.min(a.priceMicros(), b.priceMicros()), a.stock() + b.stock())));
                    }
                }
            }
        }
        QuoteBook quotes = providers.book();
        for (Provider p : providers.all()) {
            if (p.inProcess() || paused.containsKey(p.name())) {
                continue;
            }
            // One offer (the order path's price check) is one HGET; a listing reads the whole book.
            List<Provider.OfferQuote> book = service.isPresent() && country.isPresent()
                    ? quotes.quote(p.name(), service.get().code(), country.get().id(), "any")
                            .map(q -> List.of(new Provider.OfferQuote(service.get().code(), country.get().id(), "any", q.costMicros(), q.stock())))
                            .orElse(List.of())
                    : quotes.all(p.name());
            for (Provider.OfferQuote q : book) {
                boolean wanted = q.operator().equals("any") && q.stock() > 0 && catalogue.sellsCountry(q.country())
                        && catalogue.sellsService(q.service()) && separation.allows(p.name(), q.service(), mode)
                        && service.map(s -> s.code().equals(q.service())).orElse(true)
                        && country.map(c -> c.id() == q.country()).orElse(true);
                if (wanted) {
                    best.merge(q.service() + ":" + q.country(),
                            new Best(pricing.sellPriceMicros(q.costMicros(), p.name(), q.service(), q.country()), q.stock()),
                            (a, b) -> new Best(Math.min(a.priceMicros(), b.priceMicros()), a.stock() + b.stock()));
                }
            }
        }
        List<Offer> offers = new ArrayList<>(best.size());
        best.forEach((key, b) -> {
            int colon = key.indexOf(':');
            offers.add(new Offer(catalogue.service(key.substring(0, colon)).orElseThrow(),
                    catalogue.country(Integer.parseInt(key.substring(colon + 1))).orElseThrow(), b.priceMicros(), catalogue.currency(), b.stock()));
        });
        offers.sort(Comparator.comparing((Offer o) -> o.service().code()).thenComparingInt(o -> o.country().id()));
        return offers;
    }

    /**
     * See {@link Inventory#operatorOffers}: the offers through a named mobile operator, as the
     * upstreams that sell by operator quote them (5sim's price table, an agent's operator map),
     * merged across providers per service, country and operator. The in-process providers (the
     * simulator, and the pool's own numbers) sell by no operator.
     */
    List<Inventory.OperatorOffer> operatorOffers(Optional<Service> service, Optional<Country> country, Mode mode) {
        Map<String, Inventory.OperatorOffer> best = new LinkedHashMap<>();
        Controls.InForce inForce = controls.current();
        for (Provider p : providers.all()) {
            if (p.inProcess() || inForce.paused().containsKey(p.name())) {
                continue;
            }
            for (Provider.OfferQuote q : providers.book().all(p.name())) {
                Optional<Service> s = catalogue.service(q.service());
                Optional<Country> c = catalogue.country(q.country());
                boolean wanted = !q.operator().equals("any") && q.stock() > 0 && s.isPresent() && c.isPresent()
                        && catalogue.sellsService(q.service()) && catalogue.sellsCountry(q.country()) && separation.allows(p.name(), q.service(), mode)
                        && service.map(x -> x.code().equals(q.service())).orElse(true) && country.map(x -> x.id() == q.country()).orElse(true);
                if (wanted) {
                    Inventory.OperatorOffer offer = new Inventory.OperatorOffer(s.get(), c.get(), q.operator(),
                            inForce.pricing().sellPriceMicros(q.costMicros(), p.name(), q.service(), q.country()), catalogue.currency(), q.stock());
                    best.merge(q.service() + ":" + q.country() + ":" + q.operator(), offer, (a, b) -> new Inventory.OperatorOffer(a.service(),
                            a.country(), a.operator(), Math.min(a.priceMicros(), b.priceMicros()), a.currency(), a.stock() + b.stock()));
                }
            }
        }
        List<Inventory.OperatorOffer> offers = new ArrayList<>(best.values());
        offers.sort(Comparator.comparing((Inventory.OperatorOffer o) -> o.service().code()).thenComparingInt(o -> o.country().id())
                .thenComparing(Inventory.OperatorOffer::operator));
        return offers;
    }

    /** See {@link Inventory#previewMarkups}: every provider's offers priced now and under {@code next}. */
    List<Inventory.PricePreview> preview(Pricing next, Optional<Service> service, int limit) {
        Pricing now = controls.current().pricing();
        List<Inventory.PricePreview> rows = new ArrayList<>();
        for (Provider p : providers.all()) {
            List<Provider.OfferQuote> quotes = new ArrayList<>();
            if (p.inProcess()) {
                for (Service s : service.map(List::of).orElseGet(catalogue::services)) {
                    for (Country c : catalogue.countries()) {
                        p.quote(s.code(), c, "any").ifPresent(q -> quotes.add(new Provider.OfferQuote(s.code(), c.id(), "any", q.costMicros(), q.stock())));
                    }
                }
            } else {
                quotes.addAll(providers.book().all(p.name()));
            }
            for (Provider.OfferQuote q : quotes) {
                // Live offers: markups price what customers pay; test orders' play money has none to preview.
                if (q.operator().equals("any") && q.stock() > 0 && catalogue.sellsService(q.service()) && catalogue.sellsCountry(q.country())
                        && service.map(q.service()::equals).orElse(true) && separation.allows(p.name(), q.service(), Mode.LIVE)) {
                    rows.add(new Inventory.PricePreview(q.service(), q.country(), p.name(), q.costMicros(),
                            now.sellPriceMicros(q.costMicros(), p.name(), q.service(), q.country()),
                            next.sellPriceMicros(q.costMicros(), p.name(), q.service(), q.country())));
                }
            }
        }
        rows.sort(Comparator.comparing(Inventory.PricePreview::service).thenComparingInt(Inventory.PricePreview::country)
                .thenComparing(Inventory.PricePreview::provider));
        return List.copyOf(rows.subList(0, Math.min(limit, rows.size())));
    }

    /** See {@link Inventory#deliveryPercent}. */
    double deliveryPercent(String service, int country) {
        Optional<Country> sold = catalogue.country(country);
        double best = 0;
        for (Provider p : providers.all()) {
            if (sold.isPresent() && providers.quote(p, service, sold.get(), "any").filter(q -> q.stock() > 0).isPresent()) {
                best = Math.max(best, deliveries.rate(p.name(), service, country));
            }
        }
        return Math.round(best * 1000) / 10.0;
    }
}
