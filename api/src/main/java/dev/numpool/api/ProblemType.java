package dev.numpool.api;

/**
 * The one table from an outcome to its answer on the native API (and the operator, money and
 * inbound routes that answer in problem+json): each constant is one reason a request did not do
 * what it asked, with its HTTP status, its problem type (served as {@code /problems/<type>}) and
 * its title. The compatible protocols answer the same outcomes in their own words, each in its
 * adapter ({@link SmsActivateApi}, {@link FiveSimApi}).
 *
 * <p>A type slug may stand in more than one row when one word names two situations a client must
 * tell apart by status or title; such rows say why they differ.
 */
enum ProblemType {
    // The request itself.
    INVALID_REQUEST(400, "invalid-request", "The request is not valid"),
    UNKNOWN_SERVICE(400, "unknown-service", "Unknown service"),
    UNKNOWN_COUNTRY(400, "unknown-country", "Unknown country"),
    IDEMPOTENCY_KEY_REQUIRED(400, "idempotency-key-required", "Idempotency-Key required"),
    NOT_FOUND(404, "not-found", "Not found"),
    BODY_TOO_LARGE(413, "body-too-large", "Request body too large"),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "Unsupported media type"),

    // Credentials: a customer's API key and the operator's token are different secrets, so the
    // titles say which one was missing.
    UNAUTHORIZED(401, "unauthorized", "Missing or invalid API key"),
    OPERATOR_UNAUTHORIZED(401, "unauthorized", "Missing or invalid operator token"),

    // Idempotency, for orders, top-ups and operator adjustments alike.
    IDEMPOTENCY_KEY_REUSED(422, "idempotency-key-reused", "Idempotency-Key reused"),
    IDEMPOTENCY_KEY_IN_USE(409, "idempotency-key-in-use", "Request in progress"),

    // Buying a number (PlaceResult) and reading a late SMS (LateSmsPurchase).
    NO_NUMBERS(409, "no-numbers", "No numbers available"),
    PRICE_ABOVE_MAX(409, "price-above-max", "Price above maxPrice"),
    /** A customer's purchase the wallet cannot cover: 402, the customer pays by topping up. */
    INSUFFICIENT_BALANCE(402, "insufficient-balance", "Insufficient balance"),
    TOO_MANY_LIVE_ACTIVATIONS(409, "too-many-live-activations", "Too many live activations"),
    TOO_MANY_STREAMS(429, "too-many-streams", "Too many live streams"),

    // The activation's state machine (ActivationChange).
    EARLY_CANCEL_DENIED(409, "early-cancel-denied", "Too early to cancel"),
    CODE_ALREADY_RECEIVED(409, "code-already-received", "Code already received"),
    NO_CODE_YET(409, "no-code-yet", "No code yet"),
    ACTIVATION_ENDED(409, "activation-ended", "Activation already ended"),
    NOT_REUSABLE(409, "not-reusable", "Number not available again"),

    // Rentals (Rentals: RentOutcome, ExtendOutcome, RentalChange); no numbers, price and balance as for orders.
    RENTAL_ENDED(409, "rental-ended", "Rental already ended"),
    REFUND_WINDOW_CLOSED(409, "refund-window-closed", "Too late for a refund"),
    SMS_ALREADY_RECEIVED(409, "sms-already-received", "SMS already received"),
    TOO_MANY_PERIODS(422, "too-many-periods", "Too many periods"),
    NOT_EXTENDABLE(409, "not-extendable", "Cannot be extended"),
    TOO_MANY_ACTIVE_RENTALS(409, "too-many-active-rentals", "Too many active rentals"),

    // Sandbox, test keys and webhook endpoints.
    NOT_SIMULATED(409, "not-simulated", "Not a sandbox number"),
    /**
     * Play money and real money would meet: a test key asked for a card top-up or a live key, an
     * operator adjusted a test account, or a live key on a production node simulated an SMS.
     */
    TEST_MODE_MISMATCH(403, "test-mode-mismatch", "Not in this mode"),
    WEBHOOK_ENDPOINT_REFUSED(400, "webhook-endpoint-refused", "Webhook endpoint refused"),
    ROTATION_IN_PROGRESS(409, "rotation-in-progress", "Rotation in progress"),

    // Money: top-ups, Stripe's webhook, the operator's adjustments.
    AMOUNT_OUT_OF_BOUNDS(422, "amount-out-of-bounds", "Amount out of bounds"),
    TOPUPS_DISABLED(503, "topups-disabled", "Top-ups are not available"),
    /** Stripe's own webhook, on a node without a webhook secret: the title speaks to whoever set Stripe up. */
    STRIPE_WEBHOOKS_DISABLED(503, "topups-disabled", "Stripe webhooks are not configured"),
    PAYMENT_PROCESSOR_UNAVAILABLE(502, "payment-processor-unavailable", "Payment processor unavailable"),
    STRIPE_EVENT_TOO_LARGE(413, "payload-too-large", "Payload too large"),
    STRIPE_SIGNATURE_INVALID(400, "invalid-signature", "Event refused"),
    /**
     * An operator's debit that would take an account below zero. The same word as a customer's
     * {@link #INSUFFICIENT_BALANCE}, but 409, not 402: the operator is not the one who would pay,
     * so "Payment Required" would tell it to do something it cannot; the debit conflicts with the
     * account's balance as it stands. PROTOCOLS.md does not fix this case; MoneyApiTest holds it.
     */
    OPERATOR_DEBIT_REFUSED(409, "insufficient-balance", "Insufficient balance"),

    // The operator's code review and templates.
    NOT_UNDER_REVIEW(409, "not-under-review", "Not under review"),
    /** An operator marked or dismissed an SMS of an activation that has ended: the title reads from the SMS's side. */
    REVIEWED_ACTIVATION_ENDED(409, "activation-ended", "Activation ended"),
    CODE_NOT_IN_TEXT(422, "code-not-in-text", "Code not in the SMS"),
    INVALID_TEMPLATE(422, "invalid-template", "Not a template"),
    TEMPLATE_EXISTS(409, "template-exists", "Template exists"),
    POOL_IMPORT_REFUSED(422, "pool-import-refused", "Pool import refused"),

    // The node's own state.
    RATE_LIMITED(429, "rate-limited", "Too many requests"),
    SATURATED(503, "saturated", "Busy, try again"),
    TRY_AGAIN(503, "try-again", "Try again"),
    SERVER_ERROR(500, "server-error", "Internal server error");

    private final int status;
    private final String slug;
    private final String title;

    ProblemType(int status, String slug, String title) {
        this.status = status;
        this.slug = slug;
        this.title = title;
    }

    int status() {
        return status;
    }

    /** The problem type as served: {@code /problems/<slug>}. */
    String slug() {
        return slug;
    }

    String title() {
        return title;
    }
}
