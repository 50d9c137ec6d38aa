package dev.numpool.orders;

import dev.numpool.db.ConstraintViolation;
import dev.numpool.inventory.Inventory;
import io.helidon.metrics.api.Counter;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The activation state machine after an order: cancel, finish, another code, a late SMS bought,
 * expiry. Each change locks the activation's row, writes its money through {@link Ledger.Transfers},
 * its webhooks and its status report to the provider in one transaction, and only after the commit
 * tells live streams and the provider.
 */
final class ActivationLifecycle {
    private static final Logger LOG = Logger.getLogger(ActivationLifecycle.class.getName());

    private final Stores stores;
    private final LiveEvents events;
    private final Inventory inventory;
    private final Clock clock;
    private final Ledger.Transfers transfers;
    private final UpstreamReports upstream;
    private final CodeReviews reviews;
    private final Counter refunds;

    ActivationLifecycle(Stores stores, LiveEvents events, Inventory inventory, Clock clock, Ledger.Transfers transfers,
                        UpstreamReports upstream, CodeReviews reviews, Counter refunds) {
        this.stores = stores;
        this.events = events;
        this.inventory = inventory;
        this.clock = clock;
        this.transfers = transfers;
        this.upstream = upstream;
        this.reviews = reviews;
        this.refunds = refunds;
    }


    /** Cancels a waiting activation after the early window; the hold is voided (refunded). */
    ActivationChange cancel(AccountId owner, int id) {
        return changeLive(owner, id, (s, a, status, now) -> {
            if (status == ActivationStatus.CODE_RECEIVED) {
                return Optional.of(new ActivationChange.CodeAlreadyReceived());
            }
            if (now.isBefore(a.cancellableAt())) {
                return Optional.of(new ActivationChange.EarlyCancelDenied(a.cancellableAt()));
            }
            end(s, a, ActivationStatus.CANCELLED, now);
            return Optional.empty();
        }, a -> afterEnd(a, false));
    }

    /** Finishes an activation that received its code; the hold was posted when the code came. */
    ActivationChange finish(AccountId owner, int id) {
        boolean[] learned = {false};
        ActivationChange change = changeLive(owner, id, (s, a, status, now) -> {
            if (status == ActivationStatus.WAITING_CODE) {
                return Optional.of(new ActivationChange.NoCodeYet());
            }
            // Finishing confirms the codes: those only the provider could read teach us their SMS's shape.
            for (CodeStore.ConfirmedCode c : s.codes().providerCodes(a.id())) {
                learned[0] |= CodeReviews.learn(s, a.service(), c.sender(), CodeReader.normalize(c.text()), c.code(), now);
            }
            end(s, a, ActivationStatus.FINISHED, now);
            return Optional.empty();
        }, a -> afterEnd(a, true));
        if (learned[0]) {
            reviews.reloadTemplatesQuietly();
        }
        return change;
    }

    /** Asks for another code (free) on an activation whose code already arrived. */
    ActivationChange requestAnotherCode(AccountId owner, int id) {
        return changeLive(owner, id, (s, a, status, now) -> {
            if (status == ActivationStatus.WAITING_CODE) {
                return Optional.of(new ActivationChange.NoCodeYet());
            }
            s.activations().setRetryRequested(a.id(), now);
            if (!s.upstream().upstreamOpPending(a.id(), UpstreamKinds.Report.ANOTHER_CODE)) {
                s.upstream().insertUpstreamOp(a, UpstreamKinds.Report.ANOTHER_CODE, now); // asking twice before it is delivered asks once
            }
            return Optional.empty();
        }, a -> upstream.deliverSoon(a.id()));
    }

    /**
     * Pays for an SMS that arrived after the activation ended with a refund, so that the owner
     * may read it: the activation's price is held and posted at once (charged exactly once, see
     * V20), and the activation is answered with the SMS shown. Without this, cancelling after the
     * early window and reading the late code would be a code for free.
     */
    LateSmsPurchase buyLateSms(AccountId owner, int activationId, long smsId) {
        try {
            return stores.transaction(s -> {
                Optional<ActivationStore.ActivationRow> a = s.activations().activationForUpdate(owner, activationId);
                Optional<IntakeStore.SmsRow> sms = a.flatMap(row -> s.intake().smsForUpdate(row.id(), smsId));
                if (sms.isEmpty()) {
                    return new LateSmsPurchase.NotFound();
                }
                if (!Activation.Message.withheld(a.get().status(), sms.get().late(), sms.get().bought())) {
                    return new LateSmsPurchase.AlreadyShown(s.activations().activation(owner, activationId).orElseThrow());
                }
                Instant now = clock.instant();
                long price = a.get().priceMicros();
                long hold = transfers.hold(s, owner, price, "late-sms:" + smsId, now);
                transfers.post(s, owner, hold, price, a.get().currency(), "late-sms:" + smsId, now);
                s.intake().markSmsBought(smsId, hold);
                return new LateSmsPurchase.Bought(s.activations().activation(owner, activationId).orElseThrow(), price);
            });
        } catch (ConstraintViolation e) {
            if (!LedgerStore.noMoney(e)) {
                throw e;
            }
            Balance balance = stores.ledger().balance(owner);
            long price = stores.activations().activation(owner, activationId).map(Activation::priceMicros).orElse(0L);
            return new LateSmsPurchase.InsufficientBalance(balance.availableMicros(), price, balance.debtMicros());
        }
    }

    /** One step of the state machine on a live activation, inside its transaction. */
    @FunctionalInterface
    private interface LiveChange {
        /** Either refuses (the refusal is returned and nothing is written) or writes the change and returns empty. */
        Optional<ActivationChange> apply(Stores s, ActivationStore.ActivationRow a, ActivationStatus status, Instant now);
    }

    /**
     * Locks the owner's activation, answers for unknown and ended ones, lets {@code change} refuse
     * or write, and runs {@code afterCommit} (provider calls) only once the change is committed.
     */
    private ActivationChange changeLive(AccountId owner, int id, LiveChange change, Consumer<ActivationStore.ActivationRow> afterCommit) {
        Instant now = clock.instant();
        record Outcome(ActivationChange change, ActivationStore.ActivationRow changed) {
        }
        Outcome outcome = stores.transaction(s -> {
            Optional<ActivationStore.ActivationRow> row = s.activations().activationForUpdate(owner, id);
            if (row.isEmpty()) {
                return new Outcome(new ActivationChange.NotFound(), null);
            }
            ActivationStatus status = row.get().status();
            if (!status.live()) {
                return new Outcome(new ActivationChange.AlreadyEnded(status), null);
            }
            Optional<ActivationChange> refused = change.apply(s, row.get(), status, now);
            return refused.map(r -> new Outcome(r, null))
                    .orElseGet(() -> new Outcome(new ActivationChange.Changed(s.activations().activation(owner, id).orElseThrow()), row.get()));
        });
        if (outcome.changed() != null) {
            if (outcome.change() instanceof ActivationChange.Changed c) {
                events.publish(owner.value(), new LiveEvent("status", id, c.activation().status(), Optional.empty(), Optional.empty(), now));
            }
            afterCommit.accept(outcome.changed());
        }
        return outcome.change();
    }

    /**
     * Ends every live activation whose window has passed, at most {@code limit} per call: without
     * a code it expires and its hold is voided; with a code it finishes. Rows another node is
     * working on are skipped, so any number of nodes may run this at once. Returns how many
     * activations this call ended.
     */
    int expireDue(int limit) {
        Instant now = clock.instant();
        List<ActivationStore.ActivationRow> ended = stores.transaction(s -> {
            List<ActivationStore.ActivationRow> due = s.activations().dueForUpdate(now, limit);
            for (ActivationStore.ActivationRow a : due) {
                end(s, a, a.status() == ActivationStatus.WAITING_CODE ? ActivationStatus.EXPIRED : ActivationStatus.FINISHED, now);
            }
            return due;
        });
        for (ActivationStore.ActivationRow a : ended) {
            boolean hadCode = a.status() == ActivationStatus.CODE_RECEIVED;
            events.publish(a.accountId(), new LiveEvent("status", a.id(), hadCode ? ActivationStatus.FINISHED : ActivationStatus.EXPIRED,
                    Optional.empty(), Optional.empty(), now));
            afterEnd(a, hadCode);
        }
        return ended.size();
    }

    /** Ends a live activation; a waiting one gets its hold voided (the code-received one was posted). */
    private void end(Stores s, ActivationStore.ActivationRow a, ActivationStatus to, Instant now) {
        if (a.status() == ActivationStatus.WAITING_CODE) {
            transfers.release(s, new AccountId(a.accountId()), a.holdId(), a.priceMicros(), "activation:" + a.id(), now);
            refunds.increment();
        }
        s.activations().setStatus(a.id(), to, now);
        s.codes().dropReviews(a.id(), now); // nothing to deliver a code to any more
        // Stamped when written, under the row lock: an SMS's event written while this change waited stays earlier.
        Webhooks.queueActivationEvent(s, a, "activation." + to.wire(), to, Optional.empty(), Optional.empty(), clock.instant());
        s.upstream().insertUpstreamOp(a, a.status() == ActivationStatus.CODE_RECEIVED
                ? UpstreamKinds.Report.RELEASE_USED : UpstreamKinds.Report.RELEASE_UNUSED, now);
    }

    /**
     * After an activation ended: its status report goes to the provider at once (and, if that
     * fails, from the worker later), and an activation that ended without a code counts against
     * the provider's delivery rate (the code, when it came, counted for it already).
     */
    private void afterEnd(ActivationStore.ActivationRow a, boolean hadCode) {
        if (!hadCode) {
            try {
                inventory.recordNoCode(a.provider(), a.service(), a.country());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "delivery statistics not updated", e);
            }
        }
        upstream.deliverSoon(a.id());
    }
}
