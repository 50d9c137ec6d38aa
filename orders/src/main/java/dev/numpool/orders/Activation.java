package dev.numpool.orders;

import dev.numpool.inventory.PhoneNumber;
import dev.numpool.inventory.RoutingTrace;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One number for one service, as its owner sees it. {@code messages} holds every SMS received,
 * with the code found in it (if any) and the full text; {@code awaitingAnotherCode} is true after
 * the owner asked for another code until the next one arrives; {@code test} when it was bought
 * with play money (a test key, or any key of a sandbox node), from a simulated provider.
 */
public record Activation(int id, AccountId owner, String service, int country, String operator, PhoneNumber phone,
                         ActivationStatus status, long priceMicros, String currency, Instant createdAt,
                         Instant cancellableAt, Instant expiresAt, Optional<Instant> endedAt,
                         boolean awaitingAnotherCode, List<Message> messages, RoutingTrace routing, boolean test) {
    public Activation {
        messages = List.copyOf(messages);
    }

    /** Whether {@link Orders#finish} would finish it: a code arrived and it is still live. */
    public boolean canFinish() {
        return status == ActivationStatus.CODE_RECEIVED;
    }

    /** Whether {@link Orders#requestAnotherCode} would ask for another code: as {@link #canFinish}. */
    public boolean canRequestAnotherCode() {
        return status == ActivationStatus.CODE_RECEIVED;
    }

    /** Whether {@link Orders#cancel} would cancel it at {@code now}: no code yet and the early-cancel window is over. */
    public boolean canCancel(Instant now) {
        return status == ActivationStatus.WAITING_CODE && !now.isBefore(cancellableAt);
    }

    /** Messages whose code was found and that arrived while the activation was live. */
    public List<Message> codes() {
        return messages.stream().filter(m -> m.code().isPresent() && !m.late()).toList();
    }

    public Optional<Message> lastCode() {
        List<Message> codes = codes();
        return codes.isEmpty() ? Optional.empty() : Optional.of(codes.getLast());
    }

    /** Messages that arrived while the activation was live, with a code or not (a customer reads them all). */
    public List<Message> liveMessages() {
        return messages.stream().filter(m -> !m.late()).toList();
    }

    /** The latest message that arrived while the activation was live, code or not. */
    public Optional<Message> lastMessage() {
        List<Message> live = liveMessages();
        return live.isEmpty() ? Optional.empty() : Optional.of(live.getLast());
    }

    /** Messages that came after a refund and are not paid for: shown only as "an SMS arrived", see {@link Orders#buyLateSms}. */
    public List<Message> withheld() {
        return messages.stream().filter(Message::withheld).toList();
    }

    /**
     * An SMS received for the activation; {@code late} when it came after the activation ended.
     * A late SMS on an activation that ended with a refund is {@code withheld} until its owner
     * pays for it: its code and text are not here at all (empty), so no view can show them.
     */
    public record Message(long id, Optional<String> code, String text, String sender, Instant receivedAt, boolean late, boolean withheld) {
        public Message {
            if (withheld && (code.isPresent() || !text.isEmpty() || !late)) {
                throw new IllegalArgumentException("a withheld message is late and carries neither code nor text");
            }
        }

        /**
         * Whether a late SMS is withheld: its activation ended with a refund (cancelled, or
         * expired without a code, which may still be {@code waiting_code} until the reaper runs)
         * and nobody paid for it. After a code the owner has paid, so later SMS are theirs.
         */
        static boolean withheld(ActivationStatus status, boolean late, boolean bought) {
            return late && !bought && status != ActivationStatus.CODE_RECEIVED && status != ActivationStatus.FINISHED;
        }
    }
}
