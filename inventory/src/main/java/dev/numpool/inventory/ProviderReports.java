package dev.numpool.inventory;

import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What Numpool tells a provider about its numbers after the sale (given back, or one more code
 * wanted), and what reconciliation asks it: which activations it counts as live with us.
 */
final class ProviderReports {
    private static final Logger LOG = Logger.getLogger(ProviderReports.class.getName());

    private final Providers providers;

    ProviderReports(Providers providers) {
        this.providers = providers;
    }

    /** See {@link Inventory#release}. */
    Inventory.Upstream release(String provider, String providerRef, Release how) {
        Provider p = providers.named(provider);
        return p == null ? Inventory.Upstream.REFUSED : Inventory.Upstream.of(p.release(providerRef, how));
    }

    Inventory.Upstream requestAnotherCode(String provider, String providerRef) {
        Provider p = providers.named(provider);
        return p == null ? Inventory.Upstream.REFUSED : Inventory.Upstream.of(p.requestAnotherCode(providerRef));
    }

    /** See {@link Inventory#liveAtProvider}. */
    Optional<List<Inventory.LiveSale>> liveAtProvider(String provider) {
        Provider p = providers.named(provider);
        if (p == null || !providers.circuit(provider).notOpen()) {
            return Optional.empty();
        }
        try {
            return p.liveAtProvider().map(list -> list.stream().map(l -> new Inventory.LiveSale(l.providerRef(), l.service())).toList());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, provider + " threw listing its live activations", e);
            return Optional.empty();
        }
    }
}
