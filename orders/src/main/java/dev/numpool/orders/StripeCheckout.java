package dev.numpool.orders;

import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import com.stripe.model.checkout.Session;
import com.stripe.net.RequestOptions;
import com.stripe.param.checkout.SessionCreateParams;

import java.time.Duration;

/**
 * The one call Numpool makes to Stripe: create a Checkout Session for a top-up. One
 * {@link StripeClient} per node. Bounded: connect and read timeouts, and the client's own retries
 * (on network errors, 409 and 5xx, with backoff) all under the same Idempotency-Key, so however
 * often it is sent Stripe makes one session.
 */
final class StripeCheckout {
    static final int MAX_RETRIES = 2;
    /** Stripe answers a connect in milliseconds; waiting long for one only holds the customer's request. */
    static final int CONNECT_TIMEOUT_MILLIS = 5_000;

    private final StripeClient client;

    StripeCheckout(String secretKey, String apiBase, Duration timeout) {
        StripeClient.StripeClientBuilder builder = StripeClient.builder()
                .setApiKey(secretKey)
                .setConnectTimeout((int) Math.min(timeout.toMillis(), CONNECT_TIMEOUT_MILLIS))
                .setReadTimeout((int) timeout.toMillis())
                .setMaxNetworkRetries(MAX_RETRIES);
        if (apiBase != null) {
            builder.setApiBase(apiBase);
        }
        this.client = builder.build();
    }

    record Created(String sessionId, String url) {
    }

    /**
     * A payment-mode session for {@code amountMinor} of {@code currency}. The Idempotency-Key is
     * derived from the top-up alone (its id and random token), so a retry of this call is the
     * same request to Stripe, and no other Numpool's top-up with the same id ever is.
     */
    Created create(long topupId, String token, long amountMinor, String currency, String successUrl, String cancelUrl) throws StripeException {
        SessionCreateParams params = SessionCreateParams.builder()
                .setMode(SessionCreateParams.Mode.PAYMENT)
                .setClientReferenceId(String.valueOf(topupId))
                .putMetadata("topup_id", String.valueOf(topupId))
                .putMetadata("topup_token", token)
                .setPaymentIntentData(SessionCreateParams.PaymentIntentData.builder()
                        .putMetadata("topup_id", String.valueOf(topupId)).putMetadata("topup_token", token).build())
                .setSuccessUrl(successUrl)
                .setCancelUrl(cancelUrl)
                .addLineItem(SessionCreateParams.LineItem.builder()
                        .setQuantity(1L)
                        .setPriceData(SessionCreateParams.LineItem.PriceData.builder()
                                .setCurrency(currency.toLowerCase(java.util.Locale.ROOT))
                                .setUnitAmount(amountMinor)
                                .setProductData(SessionCreateParams.LineItem.PriceData.ProductData.builder()
                                        .setName("Numpool balance top-up").build())
                                .build())
                        .build())
                .build();
        Session session = client.v1().checkout().sessions().create(params,
                RequestOptions.builder().setIdempotencyKey(idempotencyKey(topupId, token)).build());
        return new Created(session.getId(), session.getUrl());
    }

    static String idempotencyKey(long topupId, String token) {
        return "numpool-topup-" + topupId + "-" + token;
    }
}
