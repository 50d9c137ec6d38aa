package dev.numpool.inventory;

import dev.numpool.db.ConstraintViolation;

import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The operator's side of the pool of own numbers: importing numbers (or renewing their leases),
 * listing them, and releasing those whose lease has ended. The {@link PoolProvider} sells them.
 */
final class Pool {
    private static final Logger LOG = Logger.getLogger(Pool.class.getName());

    private final Optional<PoolProvider> provider;
    private final Catalogue catalogue;
    private final InventoryStore store;
    private final Clock clock;

    Pool(Optional<PoolProvider> provider, Catalogue catalogue, InventoryStore store, Clock clock) {
        this.provider = provider;
        this.catalogue = catalogue;
        this.store = store;
        this.clock = clock;
    }

    /** See {@link Inventory#importPool}. */
    Inventory.PoolImportResult importPool(List<Inventory.PoolImport> entries) {
        if (provider.isEmpty()) {
            return new Inventory.PoolImportResult.Refused(List.of("the pool is disabled (inventory.pool.enabled)"));
        }
        if (entries.isEmpty() || entries.size() > 10_000) {
            return new Inventory.PoolImportResult.Refused(List.of("an import has 1 to 10000 numbers"));
        }
        List<String> problems = new ArrayList<>();
        List<InventoryStore.PoolEntry> valid = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            Inventory.PoolImport e = entries.get(i);
            String at = "entry " + (i + 1) + ": ";
            Optional<PhoneNumber> phone = Optional.ofNullable(e.phone()).map(String::strip).flatMap(PhoneNumber::of);
            if (phone.isEmpty()) {
                problems.add(at + "'" + UpstreamHttp.clip(String.valueOf(e.phone())) + "' is not a valid phone number");
                continue;
            }
            Optional<Country> country = catalogue.countryIn(phone.get().region());
            if (country.isEmpty()) {
                problems.add(at + phone.get() + " is from a country the catalogue does not sell");
                continue;
            }
            if (!seen.add(phone.get().e164())) {
                problems.add(at + phone.get() + " appears twice");
                continue;
            }
            String from = e.rentedFrom() == null ? "" : e.rentedFrom().strip();
            if (from.isEmpty() || from.length() > 64) {
                problems.add(at + "rentedFrom must be 1 to 64 characters");
                continue;
            }
            Instant ends;
            try {
                ends = Instant.parse(String.valueOf(e.leaseEndsAt()).strip());
            } catch (DateTimeParseException ex) {
                problems.add(at + "leaseEndsAt must be an ISO-8601 instant such as 2027-01-31T00:00:00Z");
                continue;
            }
            if (e.gatewayDevice().isPresent() != e.gatewaySim().isPresent()
                    || e.gatewayDevice().filter(d -> d.isBlank() || d.length() > 64).isPresent()
                    || e.gatewaySim().filter(s -> s < 1 || s > 8).isPresent()) {
                problems.add(at + "gatewayDevice (1-64 characters) and gatewaySim (1-8) come together or not at all");
                continue;
            }
            valid.add(new InventoryStore.PoolEntry(phone.get(), country.get().id(), from, ends, e.gatewayDevice().map(String::strip),
                    e.gatewaySim()));
        }
        if (!problems.isEmpty()) {
            return new Inventory.PoolImportResult.Refused(problems.size() > 100 ? problems.subList(0, 100) : problems);
        }
        try {
            return new Inventory.PoolImportResult.Imported(store.upsertPoolNumbers(valid, clock.instant()));
        } catch (ConstraintViolation ex) {
            if (ex.unique()) {
                return new Inventory.PoolImportResult.Refused(List.of("a gateway device and SIM slot already belong to another pool number"));
            }
            throw ex;
        }
    }

    /** See {@link Inventory#poolNumbers}. */
    List<Inventory.PoolNumberView> poolNumbers(int limit) {
        return store.poolNumbers(Math.max(1, Math.min(10_000, limit)));
    }

    /** See {@link Inventory#releaseEndedPoolLeases}. */
    List<Inventory.ReleasedNumber> releaseEndedPoolLeases(int limit) {
        if (provider.isEmpty()) {
            return List.of();
        }
        List<Inventory.ReleasedNumber> released = store.releaseEndedLeases(clock.instant(), limit);
        released.forEach(r -> LOG.info(() -> "pool number " + r.phone() + " released: its lease from " + r.rentedFrom() + " ended"));
        return released;
    }
}
