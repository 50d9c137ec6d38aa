package dev.numpool.inventory;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The same number again for the same service, for the customer who had it (issue 18's reuse:
 * sms-activate's extra activation, 5sim's reuse). Only the provider that sold the number knows
 * whether it is still its to sell, so it is asked, at its own reuse cost, with our markup on top;
 * no other provider is tried.
 */
final class ReuseDesk {
    private static final Logger LOG = Logger.getLogger(ReuseDesk.class.getName());

    private final Providers providers;
    private final TestSeparation separation;
    private final Controls controls;

    ReuseDesk(Providers providers, TestSeparation separation, Controls controls) {
        this.providers = providers;
        this.separation = separation;
        this.controls = controls;
    }

    /** See {@link Inventory#reuseQuote}. */
    Inventory.ReuseQuote quote(Inventory.ReuseRequest request) {
        Provider provider = providers.named(request.provider());
        if (provider == null || !separation.allows(provider.name(), request.service().code(), request.mode())) {
            return new Inventory.ReuseQuote.Unavailable("the number's provider is gone");
        }
        if (controls.current().paused().containsKey(provider.name())) {
            return new Inventory.ReuseQuote.Unavailable("the number's provider is paused");
        }
        Provider.ReuseCost cost;
        try {
            cost = provider.reuseCost(order(request, Long.MAX_VALUE));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "asking " + provider.name() + " for a reuse price failed", e);
            return new Inventory.ReuseQuote.Unavailable("the number's provider did not answer");
        }
        return switch (cost) {
            case Provider.ReuseCost.Known known -> new Inventory.ReuseQuote.Available(known.costMicros(), price(provider, request, known.costMicros()));
            case Provider.ReuseCost.Unavailable no -> new Inventory.ReuseQuote.Unavailable(no.reason());
        };
    }

    /** See {@link Inventory#reuse}. */
    BuyResult reuse(Inventory.ReuseRequest request) {
        Inventory.ReuseQuote quote = quote(request);
        if (!(quote instanceof Inventory.ReuseQuote.Available available)) {
            String reason = ((Inventory.ReuseQuote.Unavailable) quote).reason();
            return new BuyResult.NoNumbers(trace(request, 0, 0, new RoutingTrace.Attempt(request.provider(), "no_numbers: " + reason, 0),
                    "the number cannot be sold again: " + reason));
        }
        if (available.priceMicros() > request.maxPriceMicros().orElse(Long.MAX_VALUE)) {
            return new BuyResult.PriceAboveMax(available.priceMicros());
        }
        Provider provider = providers.named(request.provider());
        long started = System.nanoTime();
        Provider.Purchase got;
        try {
            got = provider.reuse(order(request, available.costMicros()));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "reusing a number at " + provider.name() + " failed", e);
            got = new Provider.Purchase.Failed(e.getClass().getSimpleName());
        }
        long took = (System.nanoTime() - started) / 1_000_000;
        if (got instanceof Provider.Purchase.Got g && g.phone().equals(request.phone())) {
            long price = price(provider, request, g.costMicros());
            return new BuyResult.Bought(new Lease(provider.name(), g.providerRef(), g.phone(), g.costMicros(), price),
                    trace(request, price, 1, new RoutingTrace.Attempt(provider.name(), "bought", took), "the same number again, from the provider that sold it"));
        }
        if (got instanceof Provider.Purchase.Got other) {
            // Another number is no reuse: it goes back at once, and the customer is told there is none.
            LOG.warning(provider.name() + " answered a reuse with another number; giving it back");
            try {
                provider.release(other.providerRef(), Release.NOT_USED);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "could not give back " + other.providerRef(), e);
            }
        }
        String outcome = switch (got) {
            case Provider.Purchase.Got g -> "failed: another number";
            case Provider.Purchase.Empty e -> "no_numbers";
            case Provider.Purchase.Failed f -> "failed: " + f.reason();
            case Provider.Purchase.Unknown u -> "failed: " + u.reason();
        };
        return new BuyResult.NoNumbers(trace(request, available.priceMicros(), 0, new RoutingTrace.Attempt(provider.name(), outcome, took),
                "the number's provider did not sell it again"));
    }

    private long price(Provider provider, Inventory.ReuseRequest request, long costMicros) {
        return controls.current().pricing().sellPriceMicros(costMicros, provider.name(), request.service().code(), request.country().id());
    }

    private static Provider.ReuseOrder order(Inventory.ReuseRequest request, long maxCostMicros) {
        return new Provider.ReuseOrder(request.providerRef(), request.phone(), request.service().code(), request.country(), maxCostMicros);
    }

    private static RoutingTrace trace(Inventory.ReuseRequest request, long priceMicros, int stock, RoutingTrace.Attempt attempt, String decision) {
        return new RoutingTrace(List.of(new RoutingTrace.Candidate(request.provider(), priceMicros, stock, 0, "closed")), List.of(attempt), decision);
    }
}
