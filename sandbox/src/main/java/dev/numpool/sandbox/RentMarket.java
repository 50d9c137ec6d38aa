package dev.numpool.sandbox;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * What one simulated upstream rents out: numbers for hours, for one service or for any
 * ({@code full}), each receiving every SMS sent to it while rented. A rental's number comes from
 * the upstream's {@link Market}, so no number is rented and sold at once. Like activations, a
 * rental receives a code by itself after a while at the upstream's delivery rate, and whatever the
 * sandbox's user sends it ({@link #receive}).
 */
final class RentMarket {
    /** The fewest hours one rental or extension buys, as sms-activate rents. */
    static final int MIN_HOURS = 4;
    /** The most hours one rental or extension may buy (four weeks). */
    static final int MAX_HOURS = 24 * 28;
    /** Four hours of a number cost as much as this many of the upstream's activations. */
    private static final int ACTIVATIONS_PER_MIN_RENT = 10;
    /** The SMS one rental keeps; more are dropped, as the number's memory is full. */
    private static final int MAX_SMS = 100;
    /** Numbers per service and country the upstream rents out at once. */
    private static final int STOCK = 20;

    enum State { RENTED, FINISHED, CANCELLED }

    /** A rental as the protocol shows it: its SMS arrived by now, oldest first. */
    record View(long id, String service, int country, String phone, Instant endsAt, State state, List<Market.Sms> arrived) {
    }

    /** How a rental ended, or why it did not: unknown, or ended already ({@code state}). */
    sealed interface Ending {
        record Ended() implements Ending {
        }

        record NotFound() implements Ending {
        }

        record AlreadyEnded(State state) implements Ending {
        }
    }

    private static final class Rental {
        final long id;
        final String service;
        final int country;
        final String phone;
        Instant endsAt;
        State state = State.RENTED;
        final List<Market.Sms> sms = new ArrayList<>();

        Rental(long id, String service, int country, String phone, Instant endsAt) {
            this.id = id;
            this.service = service;
            this.country = country;
            this.phone = phone;
            this.endsAt = endsAt;
        }
    }

    private final Settings.Upstream settings;
    private final Market numbers;
    private final int maxRentals;
    private final Clock clock;
    private final RandomGenerator random;
    /** Insertion order is id order: the eldest entry is the oldest rental. */
    private final LinkedHashMap<Long, Rental> rentals = new LinkedHashMap<>();
    private final Map<String, Integer> rented = new HashMap<>();
    private long nextId;

    RentMarket(Settings.Upstream settings, Market numbers, int maxRentals, Clock clock, RandomGenerator random, long firstId) {
        this.settings = settings;
        this.numbers = numbers;
        this.maxRentals = maxRentals;
        this.clock = clock;
        this.random = random;
        this.nextId = firstId;
    }

    /** The price of {@link #MIN_HOURS} hours of a number, whichever service. */
    long minRentCostMicros() {
        return Math.multiplyExact(settings.costMicros(), ACTIVATIONS_PER_MIN_RENT);
    }

    /** Numbers free to rent for the service ({@code full}: any) in the country; empty when the upstream does not rent it there. */
    synchronized Optional<Integer> stock(String service, int country) {
        if (!settings.countries().contains(country) || !service.equals("full") && !settings.services().contains(service)) {
            return Optional.empty();
        }
        expireDue(clock.instant());
        return Optional.of(STOCK - rented.getOrDefault(key(service, country), 0));
    }

    /** Rents a number for {@code hours}; empty when none is free (or the upstream does not rent that). */
    synchronized Optional<View> rent(String service, int country, int hours) {
        if (stock(service, country).orElse(0) <= 0) {
            return Optional.empty();
        }
        Optional<String> phone = numbers.takeNumber(country);
        if (phone.isEmpty()) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Rental r = new Rental(nextId++, service, country, phone.get(), now.plus(Duration.ofHours(hours)));
        rented.merge(key(service, country), 1, Integer::sum);
        planSms(r, now);
        rentals.put(r.id, r);
        forgetOldest();
        return Optional.of(view(r, now));
    }

    /** Rents a live rental's number {@code hours} longer; empty when it is unknown or no longer rented. */
    synchronized Optional<View> extend(long id, int hours) {
        Rental r = rentals.get(id);
        Instant now = clock.instant();
        if (r == null || expireIfDue(r, now) != State.RENTED) {
            return Optional.empty();
        }
        r.endsAt = r.endsAt.plus(Duration.ofHours(hours));
        return Optional.of(view(r, now));
    }

    synchronized Optional<View> find(long id) {
        Rental r = rentals.get(id);
        if (r == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        expireIfDue(r, now);
        return Optional.of(view(r, now));
    }

    /** Ends a rental: finished (paid) or cancelled; its number goes back. */
    synchronized Ending end(long id, State to) {
        Rental r = rentals.get(id);
        if (r == null) {
            return new Ending.NotFound();
        }
        if (expireIfDue(r, clock.instant()) != State.RENTED) {
            return new Ending.AlreadyEnded(r.state);
        }
        close(r, to, clock.instant());
        return new Ending.Ended();
    }

    /**
     * An SMS sent to a rented number by the sandbox's user: it arrives now. Empty when the rental
     * is unknown, no longer rented, or its number keeps no more SMS.
     */
    synchronized Optional<Market.Sms> receive(long id, String sender, String text) {
        Rental r = rentals.get(id);
        if (r == null || expireIfDue(r, clock.instant()) != State.RENTED || r.sms.size() >= MAX_SMS) {
            return Optional.empty();
        }
        Market.Sms sms = new Market.Sms(clock.instant(), sender, text, Market.naiveCode(text));
        r.sms.add(sms);
        return Optional.of(sms);
    }

    /** Draws whether the rented number gets a code by itself, from the service rented (any of the upstream's for {@code full}), and when. */
    private void planSms(Rental r, Instant now) {
        if (random.nextDouble() >= settings.deliveryRate()) {
            return;
        }
        long min = settings.codeDelayMin().toMillis();
        long spread = settings.codeDelayMax().toMillis() - min;
        Instant at = now.plusMillis(min + (spread <= 0 ? 0 : random.nextLong(spread + 1)));
        String service = r.service.equals("full") ? settings.services().get(random.nextInt(settings.services().size())) : r.service;
        Names.service(service).ifPresent(s -> {
            String code = Integer.toString(100_000 + random.nextInt(900_000));
            r.sms.add(new Market.Sms(at, s.display(), Market.text(s, code), code));
        });
    }

    private State expireIfDue(Rental r, Instant now) {
        if (r.state == State.RENTED && !now.isBefore(r.endsAt)) {
            close(r, State.FINISHED, now);
        }
        return r.state;
    }

    private void expireDue(Instant now) {
        rentals.values().forEach(r -> expireIfDue(r, now));
    }

    private void close(Rental r, State to, Instant now) {
        r.state = to;
        r.sms.removeIf(s -> s.at().isAfter(now)); // a number given back receives nothing more
        rented.merge(key(r.service, r.country), -1, Integer::sum);
        numbers.giveBack(r.phone);
    }

    private void forgetOldest() {
        Iterator<Rental> oldest = rentals.values().iterator();
        while (rentals.size() > maxRentals && oldest.hasNext()) {
            Rental r = oldest.next();
            if (r.state == State.RENTED) {
                close(r, State.FINISHED, clock.instant());
            }
            oldest.remove();
        }
    }

    private static View view(Rental r, Instant now) {
        List<Market.Sms> arrived = r.sms.stream().filter(s -> !s.at().isAfter(now)).sorted(java.util.Comparator.comparing(Market.Sms::at)).toList();
        return new View(r.id, r.service, r.country, r.phone, r.endsAt, r.state, arrived);
    }

    private static String key(String service, int country) {
        return service + ":" + country;
    }
}
