package dev.numpool.api;

import dev.numpool.orders.AccountId;
import dev.numpool.orders.Accounts;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * The one place a presented credential becomes a caller: a customer's API key becomes its
 * account, the operator's token is compared in constant time. Routes that need a caller are
 * wrapped here when the router registers them, so a handler receives the account and never
 * authenticates itself. A refused credential is answered in its protocol's own terms, as each
 * protocol's clients expect: the native API a 401 problem, 5sim a bare 401, operator routes a 401
 * problem naming the operator token. The sms-activate protocol reads its key from its parameters
 * (which may be a form body) and answers {@code NO_KEY} or {@code BAD_KEY} with HTTP 200, so its
 * adapter calls {@link #account} itself and keeps those tokens with its others.
 */
final class Authentication {
    private final Accounts accounts;
    private final Optional<byte[]> operatorToken;

    /** A handler for a request whose key named an account. */
    @FunctionalInterface
    interface AccountHandler {
        void handle(AccountId owner, ServerRequest req, ServerResponse res);
    }

    Authentication(Accounts accounts, Optional<String> operatorToken) {
        this.accounts = accounts;
        this.operatorToken = operatorToken.map(t -> t.getBytes(StandardCharsets.UTF_8));
    }

    /** True when the account is a test account (its keys are test keys): what it sees is the test catalogue. */
    boolean isTest(AccountId account) {
        return accounts.isTest(account);
    }

    /** The account of an API key, if it names a live one. */
    Optional<AccountId> account(String key) {
        return accounts.authenticate(key);
    }

    /** The account, id and settings of an API key, if it names a live one (the compatible APIs' orders need the key's). */
    Optional<Accounts.Caller> caller(String key) {
        return accounts.caller(key);
    }

    /** A native API route: the bearer key's account, else a 401 problem. */
    Handler customer(AccountHandler handler) {
        return (req, res) -> handler.handle(bearerAccount(req).orElseThrow(() -> new Problem(ProblemType.UNAUTHORIZED,
                "Send your API key as 'Authorization: Bearer <key>'.")), req, res);
    }

    /**
     * A route anyone may call, which answers a customer's key in its own way (the catalogue shows
     * a test key its test offers): the key's account if it names one; an unknown key is no caller.
     */
    Handler anyone(OptionalAccountHandler handler) {
        return (req, res) -> handler.handle(bearerAccount(req), req, res);
    }

    /** A handler for a request that may or may not carry a customer's key. */
    @FunctionalInterface
    interface OptionalAccountHandler {
        void handle(Optional<AccountId> caller, ServerRequest req, ServerResponse res);
    }

    /** A 5sim {@code /v1/user/*} route: the bearer key's account, else 401 with an empty body, as 5sim answers. */
    Handler fiveSim(AccountHandler handler) {
        return (req, res) -> {
            Optional<AccountId> owner = bearerAccount(req);
            if (owner.isEmpty()) {
                res.status(401).send();
                return;
            }
            handler.handle(owner.get(), req, res);
        };
    }

    /** A handler for a request whose key named an account, told which key it was. */
    @FunctionalInterface
    interface CallerHandler {
        void handle(Accounts.Caller caller, ServerRequest req, ServerResponse res);
    }

    /** As {@link #fiveSim(AccountHandler)}, for a route that needs the key itself (an order: its duplicate window). */
    Handler fiveSimCaller(CallerHandler handler) {
        return (req, res) -> {
            Optional<Accounts.Caller> caller = bearer(req).flatMap(accounts::caller);
            if (caller.isEmpty()) {
                res.status(401).send();
                return;
            }
            handler.handle(caller.get(), req, res);
        };
    }

    /** An operator route: the operator's token as a bearer token, else a 401 problem. */
    Handler operator(Handler handler) {
        return (req, res) -> {
            if (!isOperator(req)) {
                throw new Problem(ProblemType.OPERATOR_UNAUTHORIZED, "Operator routes take 'Authorization: Bearer <NUMPOOL_OPERATOR_TOKEN>'.");
            }
            handler.handle(req, res);
        };
    }

    /** True when the request carries the operator's token (false when none is configured). */
    boolean isOperator(ServerRequest req) {
        byte[] given = bearer(req).map(b -> b.getBytes(StandardCharsets.UTF_8)).orElse(new byte[0]);
        return operatorToken.isPresent() && MessageDigest.isEqual(given, operatorToken.get());
    }

    boolean hasOperatorToken() {
        return operatorToken.isPresent();
    }

    /** The credential of an {@code Authorization: Bearer <credential>} header, if there is one. */
    static Optional<String> bearer(ServerRequest req) {
        return req.headers().first(HeaderNames.AUTHORIZATION).filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(h -> h.substring(7).trim());
    }

    private Optional<AccountId> bearerAccount(ServerRequest req) {
        return bearer(req).flatMap(accounts::authenticate);
    }
}
