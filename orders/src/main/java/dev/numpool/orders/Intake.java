package dev.numpool.orders;

import dev.numpool.inventory.InboundSms;
import dev.numpool.inventory.Inventory;
import io.helidon.metrics.api.Counter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The intake of every SMS, pushed by a provider, found by a poll or injected in the sandbox: one
 * short transaction per SMS that stores it, reads its code and, for a live activation's first code,
 * posts the hold and queues its webhooks; an SMS for an order not yet committed is parked and
 * applied once it is. {@link IntakeGate} bounds how many are taken in at once.
 */
final class Intake {
    private static final Logger LOG = Logger.getLogger(Intake.class.getName());

    private final Stores stores;
    private final LiveEvents events;
    private final Inventory inventory;
    private final Clock clock;
    private final Ledger.Transfers transfers;
    private final CodeReader reader;
    private final IntakeGate gate;
    private final Counter codesReceived;
    private volatile java.util.function.BooleanSupplier overloaded = () -> false;
    private volatile SandboxRelay relay = SandboxRelay.NONE;

    private final Rentals rentals;

    Intake(Stores stores, LiveEvents events, Inventory inventory, Clock clock, Ledger.Transfers transfers, CodeReader reader, IntakeGate gate,
           Counter codesReceived, Rentals rentals) {
        this.rentals = rentals;
        this.stores = stores;
        this.events = events;
        this.inventory = inventory;
        this.clock = clock;
        this.transfers = transfers;
        this.reader = reader;
        this.gate = gate;
        this.codesReceived = codesReceived;
    }

    private static final int MAX_TEXT_LENGTH = 4096;

    private static final java.util.regex.Pattern CONTROL = java.util.regex.Pattern.compile("[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]");

    /** Parts of one long SMS arrive within seconds of each other; a minute is generous. */
    private static final Duration PART_WINDOW = Duration.ofSeconds(60);


    /**
     * Wiring: while {@code overloaded} says so, pushed SMS are turned away as when every intake
     * slot is taken (503, try again). {@code Numpool} passes {@link Webhooks#behind}, so a node
     * whose webhooks fall behind stops accepting codes it could not deliver in time, instead of
     * building a backlog that grows for as long as the flood lasts. Polling is never turned away.
     */
    void shedIntakeWhen(java.util.function.BooleanSupplier overloaded) {
        this.overloaded = overloaded;
    }

    void relaySandboxSms(SandboxRelay relay) {
        this.relay = relay;
    }

    /**
     * Takes in an SMS a provider pushed (its listener), failing fast when the node is saturated:
     * an {@link OrdersException} with reason {@code SATURATED}, thrown before anything was written,
     * which the HTTP intakes answer with 503 and Retry-After.
     */
    SmsIntake receiveSms(InboundSms sms) {
        if (overloaded.getAsBoolean() || !gate.tryEnter()) {
            throw new OrdersException(OrdersException.Reason.SATURATED, "taking in as many SMS as this node can; try again");
        }
        try {
            return receive(sms);
        } finally {
            gate.exit();
        }
    }

    /**
     * The one intake path for SMS, whether a provider pushed it, a poll found it or the sandbox
     * injected it. The first code of a live activation moves it to code received and posts its
     * hold, in one short transaction that locks only the activation's own row (held money is the
     * sum of open holds, so the post touches no account-wide row); a message seen before is
     * acknowledged and ignored. Nothing after the commit can turn it into a failure.
     */
    private SmsIntake receive(InboundSms sms) {
        Received received = Received.of(sms);
        Applied applied = stores.transaction(s -> {
            Optional<ActivationStore.ActivationRow> row = s.activations().activationByProviderRefForUpdate(sms.provider(), sms.providerRef());
            if (row.isEmpty()) {
                // A rented number's SMS goes to its rental (found by the same provider names).
                Optional<RentalStore.RentalRow> rental = s.rentals().rentalByProviderRefForUpdate(sms.provider(), sms.providerRef());
                if (rental.isPresent()) {
                    return rentals.applySms(s, rental.get(), received.dedupeKey(), received.sender(), received.text(), received.providerCode(),
                            received.receivedAt());
                }
                // The order that bought this number may not have committed yet: park the SMS for
                // it rather than drop a code; applyParkedSms delivers it once the order committed.
                s.intake().parkSms(sms.provider(), sms.providerRef(), received.dedupeKey(), received.sender(), received.text(), sms.receivedAt());
                return new Applied(new SmsIntake.Parked(), null);
            }
            return apply(s, row.get(), received);
        });
        afterApplied(applied);
        return applied.intake();
    }

    /** An SMS as stored: bounded text and sender, a bounded dedupe key, the code found in it. */
    private record Received(String text, String sender, String dedupeKey, Optional<String> providerCode, Instant receivedAt) {
        static Received of(InboundSms sms) {
            // PostgreSQL text cannot hold NUL, and no control character but line breaks and tabs
            // belongs in an SMS: one provider's odd byte must not make a message unstorable.
            String clean = CONTROL.matcher(sms.text()).replaceAll("");
            String text = clean.length() > MAX_TEXT_LENGTH ? clean.substring(0, MAX_TEXT_LENGTH) : clean;
            String dedupeKey = sms.messageId().length() <= 128 && !CONTROL.matcher(sms.messageId()).find()
                    ? sms.messageId() : sha256Hex(sms.messageId());
            String sender = sms.sender() == null ? "" : CONTROL.matcher(sms.sender()).replaceAll("");
            sender = sender.substring(0, Math.min(64, sender.length()));
            Optional<String> providerCode = sms.providerCode()
                    .map(c -> CodeReader.normalize(c).strip().replaceAll("[- ]", "").toUpperCase(java.util.Locale.ROOT))
                    .filter(c -> c.matches("[0-9A-Z]{4,10}"));
            return new Received(text, sender, dedupeKey, providerCode, sms.receivedAt());
        }
    }

    /** A code as stored with its SMS: the code and how it was read ({@code rules}, {@code template}, {@code provider}). */
    private record Found(String code, String source) {
    }

    /**
     * The code of an SMS on activation {@code a}: read from the text with what the activation
     * tells (its service, the sender, the number it went to); the provider's own reading counts when the text shows no
     * code (an upstream that gives the code but not the text), if it looks like one.
     */
    private Optional<Found> codeOf(ActivationStore.ActivationRow a, String text, String sender, Optional<String> providerCode) {
        return reader.read(text, CodeReader.Context.of(a.service(), sender).to(a.phone())).map(r -> new Found(r.code(), r.source()))
                .or(() -> providerCode.map(c -> new Found(c, "provider")));
    }

    /**
     * Delivers parked SMS (those that arrived before their order committed) whose activation
     * exists now, at most {@code limit}; any number of nodes may run it. Returns how many.
     */
    int applyParkedSms(int limit) {
        List<Applied> applied = stores.transaction(s -> {
            List<Applied> done = new ArrayList<>();
            for (IntakeStore.ParkedSms p : s.intake().matchedParkedSmsForUpdate(limit)) {
                Optional<ActivationStore.ActivationRow> row = s.activations().activationByProviderRefForUpdate(p.provider(), p.providerRef());
                if (row.isPresent()) {
                    done.add(apply(s, row.get(), new Received(p.text(), p.sender(), p.dedupeKey(), Optional.empty(), p.receivedAt())));
                } else {
                    RentalStore.RentalRow rental = s.rentals().rentalByProviderRefForUpdate(p.provider(), p.providerRef()).orElseThrow();
                    done.add(rentals.applySms(s, rental, p.dedupeKey(), p.sender(), p.text(), Optional.empty(), p.receivedAt()));
                }
                s.intake().deleteParkedSms(p.id());
            }
            return done;
        });
        applied.forEach(this::afterApplied);
        return applied.size();
    }

    /**
     * Applies one SMS to its (locked) activation. It is late, stored but never charged, when the
     * activation ended or its window passed by our clock, even if the expiry worker has not run
     * yet: whether a customer pays must not depend on how far behind a worker is.
     */
    private Applied apply(Stores s, ActivationStore.ActivationRow a, Received sms) {
        ActivationStatus status = a.status();
        boolean live = status.live() && clock.instant().isBefore(a.expiresAt());
        Optional<IntakeStore.OpenPart> head = s.intake().openPart(a.id(), sms.sender(), sms.receivedAt(), PART_WINDOW);
        String text = sms.text();
        Optional<Found> found;
        if (head.isPresent()) {
            // A long SMS arrives in parts (split mid-word, so joined without a separator); the code
            // is looked for in the whole text, which the first part's row shows from now on.
            if (!s.intake().insertSmsPart(a.id(), sms.dedupeKey(), sms.sender(), sms.text(), !live, sms.receivedAt(), head.get().id())) {
                return new Applied(new SmsIntake.Duplicate(a.id()), null);
            }
            String whole = head.get().text() + sms.text();
            text = whole.length() > MAX_TEXT_LENGTH ? whole.substring(0, MAX_TEXT_LENGTH) : whole;
            found = codeOf(a, text, sms.sender(), sms.providerCode());
            s.intake().joinSms(head.get().id(), text, found.map(Found::code), found.map(Found::source), live && found.isEmpty());
        } else {
            found = codeOf(a, text, sms.sender(), sms.providerCode());
            // An SMS on a live activation with no code goes to the operators' review queue.
            if (!s.intake().insertSms(a.id(), sms.dedupeKey(), sms.sender(), text, found.map(Found::code), found.map(Found::source),
                    live && found.isEmpty(), !live, sms.receivedAt())) {
                return new Applied(new SmsIntake.Duplicate(a.id()), null);
            }
        }
        if (!live) {
            return new Applied(new SmsIntake.Late(a.id()), null);
        }
        Optional<String> code = found.map(Found::code);
        ActivationStore.ActivationRow firstCode = code.isPresent() ? deliverCode(s, a, status, code.get(), text) : null;
        return new Applied(new SmsIntake.Accepted(a.id(), code), firstCode, a.accountId(), Optional.of(text));
    }

    /**
     * A code reached a live activation: the first one moves it to code received and posts its
     * hold; any clears a request for another code; each goes out by webhook. Returns the
     * activation when this was its first code (for the provider's delivery rate), else null.
     */
    ActivationStore.ActivationRow deliverCode(Stores s, ActivationStore.ActivationRow a, ActivationStatus status, String code, String text) {
        ActivationStore.ActivationRow firstCode = null;
        if (status == ActivationStatus.WAITING_CODE) {
            s.activations().setStatus(a.id(), ActivationStatus.CODE_RECEIVED, clock.instant());
            transfers.post(s, new AccountId(a.accountId()), a.holdId(), a.priceMicros(), a.currency(),
                    "activation:" + a.id(), clock.instant());
            firstCode = a;
        }
        if (a.retryRequested()) {
            s.activations().setRetryRequested(a.id(), null); // the other code asked for has come
        }
        Webhooks.queueActivationEvent(s, a, "activation.code_received", ActivationStatus.CODE_RECEIVED, Optional.of(code), Optional.of(text),
                clock.instant());
        return firstCode;
    }

    /**
     * An intake's outcome; when it brought an activation its first code, that activation; and
     * the owner and code of an accepted SMS with a code, for live streams.
     */
    record Applied(SmsIntake intake, ActivationStore.ActivationRow firstCode, long accountId, Optional<String> text, boolean rental) {
        Applied(SmsIntake intake, ActivationStore.ActivationRow firstCode, long accountId, Optional<String> text) {
            this(intake, firstCode, accountId, text, false);
        }

        Applied(SmsIntake intake, ActivationStore.ActivationRow firstCode) {
            this(intake, firstCode, 0, Optional.empty());
        }

        /** An SMS a rental accepted: its live event goes to the owner's rental streams. */
        static Applied rental(SmsIntake.Accepted accepted, long accountId, String text) {
            return new Applied(accepted, null, accountId, Optional.of(text), true);
        }
    }

    /**
     * After commit: count the code, tell live streams, and credit the provider's delivery rate on
     * a first code. Best effort: the SMS is committed, so nothing here may fail the intake.
     */
    void afterApplied(Applied applied) {
        try {
            announce(applied);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "after-commit work of an SMS failed; the SMS itself is stored", e);
        }
    }

    private void announce(Applied applied) {
        if (applied.rental()) {
            if (applied.intake() instanceof SmsIntake.Accepted accepted) {
                events.publishRental(applied.accountId(), accepted.activationId(), "sms", RentalStatus.ACTIVE,
                        Optional.of(new LiveEvents.RentalSms(accepted.code(), applied.text().orElse(""))), clock.instant());
            }
            return;
        }
        if (applied.intake() instanceof SmsIntake.Accepted accepted && accepted.code().isPresent()) {
            codesReceived.increment();
            events.publish(applied.accountId(), new LiveEvent("code", accepted.activationId(), ActivationStatus.CODE_RECEIVED,
                    accepted.code(), applied.text(), clock.instant()));
        }
        if (applied.firstCode() != null) {
            ActivationStore.ActivationRow a = applied.firstCode();
            try {
                inventory.recordCode(a.provider(), a.service(), a.country(),
                        Duration.between(a.createdAt(), clock.instant()));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "delivery statistics not updated", e);
            }
        }
    }

    /**
     * Injects an SMS into one of the owner's simulated activations (the sandbox's test helper for
     * bot authors): through the simulated upstream that sold the number, if one did (see
     * {@link SandboxRelay}), or else through {@link #receive}, as a provider would deliver it.
     */
    SandboxSms injectSandboxSms(AccountId owner, int activationId, String sender, String text) {
        Optional<ActivationStore.NumberSource> number = stores.activations().numberSource(owner, activationId);
        if (number.isEmpty()) {
            return new SandboxSms.NotFound();
        }
        if (!inventory.isSimulated(number.get().provider())) {
            return new SandboxSms.NotSimulated();
        }
        int shown = readBack(owner, activationId).map(a -> a.messages().size()).orElse(0);
        if (relayToUpstream(number.get().provider(), number.get().providerRef(), sender, text,
                () -> readBack(owner, activationId).map(a -> a.messages().size() > shown).orElse(false))) {
            return new SandboxSms.Relayed(number.get().provider(), readBack(owner, activationId).filter(a -> a.messages().size() > shown));
        }
        if (overloaded.getAsBoolean() || !gate.tryEnter()) {
            return new SandboxSms.Busy();
        }
        try {
            SmsIntake taken = receive(new InboundSms(number.get().provider(), number.get().providerRef(), sender, text,
                    "sandbox-" + UUID.randomUUID(), clock.instant()));
            return new SandboxSms.Delivered(readBack(owner, activationId), taken);
        } finally {
            gate.exit();
        }
    }

    /**
     * Takes in an SMS through {@link #receive} if an intake slot is free now (the sandbox's
     * injection into a rental); empty when the node is saturated and nothing was written.
     */
    Optional<SmsIntake> receiveIfFree(InboundSms sms) {
        if (overloaded.getAsBoolean() || !gate.tryEnter()) {
            return Optional.empty();
        }
        try {
            return Optional.of(receive(sms));
        } finally {
            gate.exit();
        }
    }

    /** The longest an injected SMS is waited for on its way back from a simulated upstream. */
    private static final Duration RELAY_WAIT = Duration.ofSeconds(3);

    /**
     * Hands an SMS injected in the sandbox to the simulated upstream that sold or rented the number
     * (see {@link SandboxRelay}); false when none took it. It comes back as that upstream delivers:
     * a polled one is asked at once (as its next poll would), an agent pushes it. Waits until
     * {@code arrived} says it is here, bounded by {@link #RELAY_WAIT}. False too while the node
     * sheds SMS: the relayed one would come back through this intake, so the caller's own
     * intake path answers busy before the upstream keeps an SMS it cannot deliver.
     */
    boolean relayToUpstream(String provider, String providerRef, String sender, String text, java.util.function.BooleanSupplier arrived) {
        if (overloaded.getAsBoolean() || !relay.relay(provider, providerRef, sender, text)) {
            return false;
        }
        if (inventory.polledProviders().contains(provider)) {
            takeIn(provider, inventory.poll(provider, List.of(providerRef)));
        }
        long deadline = System.nanoTime() + RELAY_WAIT.toNanos();
        while (!arrived.getAsBoolean() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return true;
    }

    /** The activation after a committed SMS; empty if it cannot be read now (the SMS stands). */
    private Optional<Activation> readBack(AccountId owner, int activationId) {
        try {
            return stores.activations().activation(owner, activationId);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "activation " + activationId + " not read back after its SMS was stored", e);
            return Optional.empty();
        }
    }

    /**
     * Polls each polling provider for the SMS of its live activations that are due (at most
     * {@code limitPerProvider} each, and no more than its request budget), or sweeps the list of
     * live activations of a provider that can list them (see {@link Inventory#sweep}), and takes
     * every SMS through {@link #receive}. Returns how many codes were accepted.
     */
    int pollProviders(int limitPerProvider) {
        int codes = 0;
        for (String provider : inventory.polledProviders()) {
            try {
                // Rented numbers first: no list of live activations names them. Their polls share
                // the provider's request budget.
                int rentBudget = inventory.pollBudget(provider, limitPerProvider);
                if (rentBudget > 0) {
                    List<String> rented = stores.transaction(s -> s.rentals().claimDuePolls(provider, clock.instant(), rentBudget));
                    inventory.unusedPollBudget(provider, rentBudget - rented.size());
                    if (!rented.isEmpty()) {
                        takeIn(provider, inventory.poll(provider, rented));
                    }
                }
                // A provider that lists all its live activations, a page per request, is swept
                // instead (a step a tick, within its request budget): one request answers for a
                // page of activations, so nothing needs claiming. Empty when it cannot list.
                Optional<List<InboundSms>> swept = inventory.sweep(provider);
                if (swept.isPresent()) {
                    codes += takeIn(provider, swept.get());
                    continue;
                }
                // Each activation is due on its own schedule (fast at first, slower later; see
                // claimDuePolls), and a tick claims as many due ones as the provider's request
                // budget allows right now, most overdue first; nodes claim disjoint sets.
                int budget = inventory.pollBudget(provider, limitPerProvider);
                if (budget == 0) {
                    continue;
                }
                List<UpstreamStore.LiveRef> page = stores.transaction(s -> s.upstream().claimDuePolls(provider, clock.instant(), budget));
                inventory.unusedPollBudget(provider, budget - page.size());
                codes += takeIn(provider, inventory.poll(provider, page.stream().map(UpstreamStore.LiveRef::providerRef).toList()));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "polling " + provider + " failed; the next tick goes on", e);
            }
        }
        return codes;
    }

    /** Takes polled SMS through {@link #receive}, each on its own; returns how many brought a code. */
    private int takeIn(String provider, List<InboundSms> polled) {
        int codes = 0;
        for (InboundSms sms : polled) {
            gate.enter(); // a poll waits its turn rather than be refused
            try {
                if (receive(sms) instanceof SmsIntake.Accepted a && a.code().isPresent()) {
                    codes++;
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "SMS from " + provider + " for " + sms.providerRef() + " not taken in", e);
            } finally {
                gate.exit();
            }
        }
        return codes;
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
