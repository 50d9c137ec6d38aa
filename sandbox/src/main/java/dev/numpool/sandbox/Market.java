package dev.numpool.sandbox;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The back office of one simulated upstream, whatever protocol it speaks: its stock per offer,
 * the activations it sold, the SMS each will receive, and its account balance. Every protocol
 * front reads and changes it through these few operations.
 *
 * <p>Whether and when a number receives its code is drawn at the sale (and again when another
 * code is asked for); an SMS exists from its time on, read lazily, so polled protocols need no
 * thread. An activation's window ends the same way, when it is next looked at. At most
 * {@code maxActivations} are kept: past that the oldest is forgotten (as a real upstream forgets
 * old orders), its number and stock given back if it was still live.
 *
 * <p>One lock guards it all: a sandbox serves a handful of requests at a time, and one lock
 * keeps stock, numbers and activations consistent without thought.
 */
final class Market {
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    private static final int MAX_NUMBER_TRIES = 64;
    /** Another code may be asked for a few times per activation; more would be a runaway client. */
    private static final int MAX_SMS_PER_ACTIVATION = 10;
    /** The SMS a number keeps, planned and received: an agent numbers them {@code id * 16 + index}. */
    private static final int MAX_SMS_KEPT = 16;
    private static final Pattern NAIVE_CODE = Pattern.compile("(?<![0-9])[0-9]{4,8}(?![0-9])");

    enum State { WAITING, FINISHED, CANCELLED, TIMEOUT, BANNED }

    /** One SMS: when it reaches the number, its sender, text and code. */
    record Sms(Instant at, String sender, String text, String code) {
    }

    /** An activation as it stands now, with only the SMS that have arrived. */
    record View(long id, String service, int country, String phone, long costMicros, Instant boughtAt, Instant endsAt, State state,
                List<Sms> arrived, boolean anotherCodeAsked) {
        /** The newest code, or empty before the first. */
        Optional<Sms> last() {
            return arrived.isEmpty() ? Optional.empty() : Optional.of(arrived.getLast());
        }
    }

    /** What a purchase came to. */
    sealed interface Sale {
        /** Sold: {@code planned} are the SMS the number will receive, arrived or not (the agent pushes them). */
        record Sold(View activation, List<Sms> planned) implements Sale {
        }

        record NoNumbers() implements Sale {
        }

        /** The offer costs more than the buyer's maximum. */
        record TooCheap(long costMicros) implements Sale {
        }

        /** The simulated failure rate struck: the upstream's own error, nothing sold. */
        record Failed() implements Sale {
        }
    }

    /** What ending an activation came to. */
    sealed interface Ending {
        record Ended(View activation) implements Ending {
        }

        record NotFound() implements Ending {
        }

        /** Refused: {@code reason} is {@code has sms}, {@code no sms} or {@code ended}. */
        record Refused(String reason, View activation) implements Ending {
        }
    }

    private static final class Activation {
        final long id;
        final String service;
        final int country;
        final String phone;
        final long costMicros;
        final Instant boughtAt;
        final Instant endsAt;
        final List<Sms> sms = new ArrayList<>();
        State state = State.WAITING;
        boolean anotherCodeAsked;

        Activation(long id, String service, int country, String phone, long costMicros, Instant boughtAt, Instant endsAt) {
            this.id = id;
            this.service = service;
            this.country = country;
            this.phone = phone;
            this.costMicros = costMicros;
            this.boughtAt = boughtAt;
            this.endsAt = endsAt;
        }
    }

    private final Settings.Upstream settings;
    private final int maxActivations;
    private final Clock clock;
    private final RandomGenerator random;
    private final Map<String, Integer> stock = new HashMap<>();
    /** Insertion order is id order: the eldest entry is the oldest sale. */
    private final LinkedHashMap<Long, Activation> activations = new LinkedHashMap<>();
    private final Set<String> liveNumbers = new HashSet<>();
    private long nextId;
    /** What our account there has left to spend ({@code balance}, 1,000.00 of its currency unless configured). */
    private long balanceMicros;

    Market(Settings.Upstream settings, int maxActivations, Clock clock, RandomGenerator random, long firstId) {
        this.settings = settings;
        this.maxActivations = maxActivations;
        this.clock = clock;
        this.random = random;
        this.nextId = firstId;
        this.balanceMicros = settings.balanceMicros();
        for (String service : settings.services()) {
            for (int country : settings.countries()) {
                stock.put(key(service, country), settings.stock());
            }
        }
    }

    Settings.Upstream settings() {
        return settings;
    }

    /** True when the offer exists here, in stock or not. */
    synchronized boolean sells(String service, int country) {
        return stock.containsKey(key(service, country));
    }

    /** Every offer with its stock now: service, country, count. */
    synchronized List<Offer> offers() {
        List<Offer> offers = new ArrayList<>();
        for (String service : settings.services()) {
            for (int country : settings.countries()) {
                offers.add(new Offer(service, country, settings.costMicros(), stock.get(key(service, country))));
            }
        }
        return offers;
    }

    record Offer(String service, int country, long costMicros, int stock) {
    }

    synchronized long balanceMicros() {
        return balanceMicros;
    }

    /** Draws the configured failure rate: true when this purchase is to fail with the protocol's error. */
    boolean failsNow() {
        return settings.failureRate() > 0 && random.nextDouble() < settings.failureRate();
    }

    synchronized Sale sell(String service, int country, long maxCostMicros, List<String> excludedPrefixes) {
        if (failsNow()) {
            return new Sale.Failed();
        }
        String offer = key(service, country);
        Integer left = stock.get(offer);
        if (left == null || left <= 0) {
            return new Sale.NoNumbers();
        }
        if (settings.costMicros() > maxCostMicros) {
            return new Sale.TooCheap(settings.costMicros());
        }
        Optional<String> phone = freshNumber(country, excludedPrefixes);
        if (phone.isEmpty()) {
            return new Sale.NoNumbers();
        }
        stock.put(offer, left - 1);
        return open(service, country, phone.get());
    }

    /** A new activation of {@code phone} (already marked live), paid from our balance here, its code planned. */
    private Sale.Sold open(String service, int country, String phone) {
        Instant now = clock.instant();
        Activation a = new Activation(nextId++, service, country, phone, settings.costMicros(), now, now.plus(settings.window()));
        balanceMicros -= a.costMicros;
        planCode(a, now);
        activations.put(a.id, a);
        forgetOldest();
        return new Sale.Sold(view(a, now), List.copyOf(a.sms));
    }

    /**
     * What selling the number of a finished activation again for its service costs (sms-activate's
     * {@code checkExtraActivation}, 5sim's reuse): empty when it cannot be, because the activation is
     * unknown, not finished with a code, or its number is live again.
     */
    synchronized Optional<Long> reuseCost(long parentId) {
        Activation parent = activations.get(parentId);
        if (parent == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        expireIfDue(parent, now);
        return parent.state == State.FINISHED && !liveNumbers.contains(parent.phone) ? Optional.of(settings.costMicros()) : Optional.empty();
    }

    /** Sells the number of a finished activation again for its service: a new activation of the same number. */
    synchronized Sale sellAgain(long parentId) {
        if (reuseCost(parentId).isEmpty()) {
            return new Sale.NoNumbers();
        }
        Activation parent = activations.get(parentId);
        liveNumbers.add(parent.phone);
        return open(parent.service, parent.country, parent.phone);
    }

    synchronized Optional<View> find(long id) {
        Activation a = activations.get(id);
        if (a == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        expireIfDue(a, now);
        return Optional.of(view(a, now));
    }

    /**
     * Ends a live activation: {@code FINISHED} needs a code (refused with {@code no sms} before
     * one), {@code CANCELLED} needs none ({@code has sms} after one), {@code BANNED} is always
     * taken. Ending an ended one again answers it as it stands ({@code ended}).
     */
    synchronized Ending end(long id, State to) {
        Activation a = activations.get(id);
        if (a == null) {
            return new Ending.NotFound();
        }
        Instant now = clock.instant();
        expireIfDue(a, now);
        boolean hasSms = !arrived(a, now).isEmpty();
        if (a.state != State.WAITING) {
            return a.state == to ? new Ending.Ended(view(a, now)) : new Ending.Refused("ended", view(a, now));
        }
        if (to == State.CANCELLED && hasSms) {
            return new Ending.Refused("has sms", view(a, now));
        }
        if (to == State.FINISHED && !hasSms) {
            return new Ending.Refused("no sms", view(a, now));
        }
        close(a, to, now);
        return new Ending.Ended(view(a, now));
    }

    /**
     * An SMS sent to a live number by the sandbox's user (Numpool's {@code POST /v1/sandbox/sms}):
     * it arrives now, with the code this upstream reads in it ({@link #naiveCode}). Empty when the activation is unknown, no longer
     * live, or has all the SMS it may keep; the caller then has no upstream path for it.
     */
    synchronized Optional<Received> receive(long id, String sender, String text) {
        Activation a = activations.get(id);
        if (a == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        expireIfDue(a, now);
        if (a.state != State.WAITING || a.sms.size() >= MAX_SMS_KEPT) {
            return Optional.empty();
        }
        Sms sms = new Sms(now, sender, text, naiveCode(text));
        a.sms.add(sms);
        return Optional.of(new Received(a.id, a.sms.size() - 1, sms));
    }

    /** The code an upstream reads in a text, as marketplaces do: the first run of 4 to 8 digits; empty when there is none. */
    static String naiveCode(String text) {
        Matcher digits = NAIVE_CODE.matcher(text);
        return digits.find() ? digits.group() : "";
    }

    /** An SMS received by {@link #receive}: its activation, its place among that activation's SMS, the SMS. */
    record Received(long activationId, int index, Sms sms) {
    }

    /** Asks for another SMS on a live activation that has had its code; the new one may never come. */
    synchronized Optional<View> anotherCode(long id) {
        Activation a = activations.get(id);
        if (a == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        expireIfDue(a, now);
        if (a.state != State.WAITING || arrived(a, now).isEmpty()) {
            return Optional.empty();
        }
        if (a.sms.size() < MAX_SMS_PER_ACTIVATION && a.sms.stream().allMatch(s -> !s.at().isAfter(now))) {
            a.anotherCodeAsked = true;
            planCode(a, now);
        }
        return Optional.of(view(a, now));
    }

    /** The live activations, oldest first. */
    synchronized List<View> live() {
        Instant now = clock.instant();
        List<View> live = new ArrayList<>();
        for (Activation a : activations.values()) {
            expireIfDue(a, now);
            if (a.state == State.WAITING) {
                live.add(view(a, now));
            }
        }
        return live;
    }

    /** Every activation still kept, live or ended, oldest first. */
    synchronized List<View> all() {
        Instant now = clock.instant();
        List<View> all = new ArrayList<>(activations.size());
        for (Activation a : activations.values()) {
            expireIfDue(a, now);
            all.add(view(a, now));
        }
        return all;
    }

    /**
     * True while an SMS of the activation may still be pushed: it is live, or it was sold (a push
     * that arrived before the finish is retried until the hub takes it). A cancelled, banned or
     * timed-out number receives nothing more.
     */
    synchronized boolean deliverable(long id) {
        Activation a = activations.get(id);
        if (a == null) {
            return false;
        }
        expireIfDue(a, clock.instant());
        return a.state == State.WAITING || a.state == State.FINISHED;
    }

    /** Draws whether the number gets a(nother) code and when; none is planned past the window. */
    private void planCode(Activation a, Instant now) {
        if (random.nextDouble() >= settings.deliveryRate()) {
            return; // like a real number, sometimes no SMS ever comes
        }
        long min = settings.codeDelayMin().toMillis();
        long spread = settings.codeDelayMax().toMillis() - min;
        Instant at = now.plusMillis(min + (spread <= 0 ? 0 : random.nextLong(spread + 1)));
        if (at.isBefore(a.endsAt)) {
            Names.Service service = Names.service(a.service).orElseThrow();
            String code = Integer.toString(100_000 + random.nextInt(900_000));
            a.sms.add(new Sms(at, service.display(), text(service, code), code));
        }
    }

    /** A verification text in the shapes the big senders use. */
    static String text(Names.Service service, String code) {
        return switch (service.code()) {
            case "go" -> "G-" + code + " is your Google verification code.";
            case "wa" -> "Your WhatsApp code: " + code + "\nDon't share this code with others";
            case "tg" -> "Telegram code: " + code + "\n\nDo not give this code to anyone, even if they say they are from Telegram!";
            default -> service.display() + " code: " + code + ". Do not share it with anyone.";
        };
    }

    private void expireIfDue(Activation a, Instant now) {
        if (a.state == State.WAITING && !now.isBefore(a.endsAt)) {
            // A code in the window makes it sold; none makes it a timeout, and the number returns.
            close(a, arrived(a, now).isEmpty() ? State.TIMEOUT : State.FINISHED, now);
        }
    }

    private void close(Activation a, State to, Instant now) {
        a.state = to;
        liveNumbers.remove(a.phone);
        if (to == State.CANCELLED || to == State.TIMEOUT) {
            stock.merge(key(a.service, a.country), 1, Integer::sum);
            balanceMicros += a.costMicros; // no code, no charge
        }
        if (to == State.CANCELLED || to == State.TIMEOUT || to == State.BANNED) {
            a.sms.removeIf(s -> s.at().isAfter(now)); // a number given back receives nothing more
        }
    }

    private void forgetOldest() {
        Iterator<Activation> oldest = activations.values().iterator();
        while (activations.size() > maxActivations && oldest.hasNext()) {
            Activation a = oldest.next();
            if (a.state == State.WAITING) {
                close(a, State.TIMEOUT, clock.instant());
            }
            oldest.remove();
        }
    }

    /** The SMS that have reached the number by {@code now}, oldest first (one sent by the user may come before a planned one). */
    private static List<Sms> arrived(Activation a, Instant now) {
        return a.sms.stream().filter(s -> !s.at().isAfter(now)).sorted(Comparator.comparing(Sms::at)).toList();
    }

    private static View view(Activation a, Instant now) {
        List<Sms> arrived = arrived(a, now);
        boolean waitingForAnother = a.anotherCodeAsked && arrived.size() < a.sms.size();
        return new View(a.id, a.service, a.country, a.phone, a.costMicros, a.boughtAt, a.endsAt, a.state, arrived, waitingForAnother);
    }

    /** A fresh number of the country for a rental, marked live until {@link #giveBack}; empty when none could be drawn. */
    synchronized Optional<String> takeNumber(int country) {
        return freshNumber(country, List.of());
    }

    /** A rented number back: free to be sold or rented again. */
    synchronized void giveBack(String phone) {
        liveNumbers.remove(phone);
    }

    /**
     * A valid mobile number of the country (digits with the country code, no {@code +}), not
     * live here already (an agent's SMS names only the number), without an excluded prefix.
     */
    private Optional<String> freshNumber(int countryId, List<String> excludedPrefixes) {
        Names.Country country = Names.country(countryId).orElseThrow();
        Phonenumber.PhoneNumber example = PHONES.getExampleNumberForType(country.region(), PhoneNumberUtil.PhoneNumberType.MOBILE);
        if (example == null) {
            return Optional.empty();
        }
        String national = PHONES.getNationalSignificantNumber(example);
        int vary = Math.min(6, national.length() - 2);
        for (int i = 0; i < MAX_NUMBER_TRIES; i++) {
            StringBuilder digits = new StringBuilder(national.substring(0, national.length() - vary));
            for (int d = 0; d < vary; d++) {
                digits.append((char) ('0' + random.nextInt(10)));
            }
            Phonenumber.PhoneNumber candidate = new Phonenumber.PhoneNumber()
                    .setCountryCode(example.getCountryCode()).setNationalNumber(Long.parseLong(digits.toString()));
            String e164 = example.getCountryCode() + digits.toString();
            if (PHONES.isValidNumber(candidate) && excludedPrefixes.stream().noneMatch(e164::startsWith) && liveNumbers.add(e164)) {
                return Optional.of(e164);
            }
        }
        return Optional.empty();
    }

    private static String key(String service, int country) {
        return service + ":" + country;
    }
}
