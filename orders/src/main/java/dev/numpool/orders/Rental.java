package dev.numpool.orders;

import dev.numpool.inventory.PhoneNumber;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A number rented for a whole number of periods, for one service or for every service
 * ({@code service} {@value dev.numpool.inventory.Inventory#ANY_SERVICE}), with every SMS it received
 * while rented. Each paid period is one hold: {@code chargedPeriods} have been posted (the money is
 * spent), {@code refundedPeriods} voided (given back), and the rest are held until their period
 * begins. {@code refundableUntil} ends the window in which it may be cancelled for a full refund,
 * as long as no SMS arrived.
 */
public record Rental(int id, AccountId owner, String service, int country, PhoneNumber phone, RentalStatus status,
                     long periodPriceMicros, Duration period, int periods, int chargedPeriods, int refundedPeriods, String currency,
                     Instant createdAt, Instant refundableUntil, Instant endsAt, Optional<Instant> endedAt, boolean test,
                     List<Message> messages) {
    public Rental {
        messages = List.copyOf(messages);
    }

    /** What every paid period together cost, refunds not deducted. */
    public long paidMicros() {
        return periodPriceMicros * periods;
    }

    /** Whether {@link Rentals#cancel} could still refund it at {@code now}. */
    public boolean refundable(Instant now) {
        return status == RentalStatus.ACTIVE && now.isBefore(refundableUntil) && messages.isEmpty();
    }

    /** The latest SMS, if any came. */
    public Optional<Message> lastMessage() {
        return messages.isEmpty() ? Optional.empty() : Optional.of(messages.getLast());
    }

    /** One SMS the rented number received while rented; {@code code} when one was read in it. */
    public record Message(long id, String sender, String text, Optional<String> code, Instant receivedAt) {
    }
}
