package dev.numpool.orders;

import dev.numpool.inventory.Country;
import dev.numpool.inventory.Money;
import dev.numpool.inventory.Service;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a customer asks to rent: a number for {@code service} (empty: every service) in
 * {@code country}, for {@code periods} periods, at most {@code maxPricePerPeriodMicros} a period.
 * Built only valid: at least one period and a sane price cap ({@link Rentals#rent} checks the most
 * periods this node rents for).
 */
public record RentalRequest(Optional<Service> service, Country country, int periods, OptionalLong maxPricePerPeriodMicros) {
    public RentalRequest {
        if (periods < 1) {
            throw new IllegalArgumentException("a rental is for at least one period");
        }
        if (maxPricePerPeriodMicros.isPresent() && (maxPricePerPeriodMicros.getAsLong() <= 0 || maxPricePerPeriodMicros.getAsLong() > Money.MAX_MICROS)) {
            throw new IllegalArgumentException("a maximum price is positive and at most " + Money.MAX_MICROS + " micros");
        }
    }

    /** The service as stored and shown: a code, or {@value dev.numpool.inventory.Inventory#ANY_SERVICE}. */
    public String serviceCode() {
        return service.map(Service::code).orElse(dev.numpool.inventory.Inventory.ANY_SERVICE);
    }
}
