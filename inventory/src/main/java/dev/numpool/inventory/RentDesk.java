package dev.numpool.inventory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Numbers rented for hours to weeks (issue 18): the rental offers (a price per period, the stock),
 * renting from the cheapest provider that rents, failing over to the next, and extensions. The
 * providers that rent today are in-process (the simulator, the pool of own numbers), so their
 * quotes are asked live; giving a rented number back is an ordinary {@link Provider#release}.
 */
final class RentDesk {
    private static final Logger LOG = Logger.getLogger(RentDesk.class.getName());
    private static final int MAX_ATTEMPTS = 3;

    private final Catalogue catalogue;
    private final Providers providers;
    private final TestSeparation separation;
    private final Controls controls;
    private final Duration period;

    RentDesk(Catalogue catalogue, Providers providers, TestSeparation separation, Controls controls, Duration period) {
        if (period.isNegative() || period.isZero() || period.toSeconds() > Integer.MAX_VALUE / 100_000) {
            throw new IllegalArgumentException("inventory.rental-period-minutes must be positive and at most a few weeks");
        }
        this.catalogue = catalogue;
        this.providers = providers;
        this.separation = separation;
        this.controls = controls;
        this.period = period;
    }

    Duration period() {
        return period;
    }

    /** One provider's rental offer, priced. */
    private record Quoted(Provider provider, String service, Country country, long costMicros, long priceMicros, int stock) {
    }

    /** See {@link Inventory#rentOffers}. */
    List<Inventory.RentOffer> offers(Optional<String> service, Optional<Country> country, Mode mode) {
        Map<String, Inventory.RentOffer> best = new LinkedHashMap<>();
        for (Quoted q : quoted(service, country, mode)) {
            best.merge(q.service() + ":" + q.country().id(),
                    new Inventory.RentOffer(q.service(), q.country(), q.priceMicros(), catalogue.currency(), q.stock()),
                    (a, b) -> new Inventory.RentOffer(a.service(), a.country(), Math.min(a.priceMicros(), b.priceMicros()), a.currency(),
                            a.stock() + b.stock()));
        }
        List<Inventory.RentOffer> offers = new ArrayList<>(best.values());
        offers.sort(Comparator.comparing((Inventory.RentOffer o) -> o.service().equals(Inventory.ANY_SERVICE) ? "" : o.service())
                .thenComparingInt(o -> o.country().id()));
        return offers;
    }

    /** Every rentable offer of every provider this mode may reach (paused ones left out), with stock. */
    private List<Quoted> quoted(Optional<String> service, Optional<Country> country, Mode mode) {
        Controls.InForce inForce = controls.current();
        List<String> services = service.map(List::of).orElseGet(() -> Stream.concat(Stream.of(Inventory.ANY_SERVICE),
                catalogue.services().stream().map(Service::code)).toList());
        List<Country> countries = country.map(List::of).orElseGet(catalogue::countries);
        List<Quoted> quoted = new ArrayList<>();
        for (Provider p : providers.all()) {
            if (inForce.paused().containsKey(p.name())) {
                continue;
            }
            List<String> allowed = services.stream().filter(s -> separation.allows(p.name(), s, mode)).toList();
            if (allowed.isEmpty()) {
                continue;
            }
            for (Provider.OfferQuote q : p.rentQuotes(allowed, countries)) {
                boolean wanted = q.stock() > 0 && catalogue.sellsCountry(q.country()) && allowed.contains(q.service())
                        && (q.service().equals(Inventory.ANY_SERVICE) || catalogue.sellsService(q.service()));
                Optional<Country> c = catalogue.country(q.country());
                if (wanted && c.isPresent()) {
                    quoted.add(new Quoted(p, q.service(), c.get(), q.costMicros(),
                            inForce.pricing().sellPriceMicros(q.costMicros(), p.name(), q.service(), q.country()), q.stock()));
                }
            }
        }
        return quoted;
    }

    /** See {@link Inventory#rent}. */
    Inventory.RentResult rent(Inventory.RentRequest request) {
        List<Quoted> candidates = new ArrayList<>(quoted(Optional.of(request.service()), Optional.of(request.country()), request.mode()));
        if (candidates.isEmpty()) {
            return new Inventory.RentResult.NoNumbers();
        }
        candidates.sort(Comparator.comparingLong(Quoted::priceMicros));
        long max = request.maxPricePerPeriodMicros().orElse(Long.MAX_VALUE);
        if (candidates.getFirst().priceMicros() > max) {
            return new Inventory.RentResult.PriceAboveMax(candidates.getFirst().priceMicros());
        }
        int attempts = 0;
        for (Quoted q : candidates) {
            if (q.priceMicros() > max || attempts++ >= MAX_ATTEMPTS) {
                break;
            }
            Provider.Purchase got;
            try {
                got = q.provider().rent(new Provider.RentOrder(request.service(), request.country(), request.until(), q.costMicros()));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "renting from " + q.provider().name() + " failed", e);
                continue;
            }
            if (got instanceof Provider.Purchase.Got g) {
                long price = controls.current().pricing().sellPriceMicros(g.costMicros(), q.provider().name(), request.service(),
                        request.country().id());
                return new Inventory.RentResult.Rented(new Lease(q.provider().name(), g.providerRef(), g.phone(), g.costMicros(), price));
            }
        }
        return new Inventory.RentResult.NoNumbers();
    }

    /** See {@link Inventory#extendRental}. */
    Inventory.Upstream extend(String provider, String providerRef, Instant until) {
        Provider p = providers.named(provider);
        if (p == null) {
            return Inventory.Upstream.REFUSED;
        }
        try {
            return Inventory.Upstream.of(p.extendRental(providerRef, until));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "extending a rental at " + provider + " failed", e);
            return Inventory.Upstream.UNAVAILABLE;
        }
    }
}
