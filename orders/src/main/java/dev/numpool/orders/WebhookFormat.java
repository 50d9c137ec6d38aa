package dev.numpool.orders;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The body a webhook endpoint receives. Every format is signed alike, per Standard Webhooks
 * ({@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature}); only the JSON differs.
 */
public enum WebhookFormat {
    /** {@code {"type","timestamp","livemode","data":{…}}}, for every event type. */
    STANDARD("standard", Webhooks.EVENT_TYPES),
    /**
     * The flat body the sms-activate family (sms-activate, HeroSMS and their clones) pushes, which
     * bots written for them already parse (PROTOCOLS.md §1):
     * {@code {"activationId":123,"service":"tg","text":"…","code":"…","country":0,"receivedAt":"2026-01-01 10:01:00"}}.
     * That body only says an SMS arrived, so such an endpoint takes only the events that carry one:
     * an activation's code ({@code activation.code_received}) and a rented number's SMS
     * ({@code rental.sms_received}, its {@code activationId} the rental's id).
     */
    SMS_ACTIVATE("sms-activate", Set.of("activation.code_received", "rental.sms_received"));

    private final String wire;
    private final Set<String> eventTypes;

    WebhookFormat(String wire, Set<String> eventTypes) {
        this.wire = wire;
        // Sorted: an endpoint made without a list gets these, and shows them in the same order every time.
        this.eventTypes = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(eventTypes));
    }

    /** The name the API, the website and the database use. */
    public String wire() {
        return wire;
    }

    /** The event types an endpoint in this format may take. */
    public Set<String> eventTypes() {
        return eventTypes;
    }

    public static Optional<WebhookFormat> fromWire(String wire) {
        return Arrays.stream(values()).filter(f -> f.wire.equals(wire)).findFirst();
    }

    /** Every format's name, for a refusal that lists them. */
    public static List<String> names() {
        return Arrays.stream(values()).map(WebhookFormat::wire).toList();
    }
}
