package dev.numpool.web;

import dev.numpool.orders.AccountId;
import dev.numpool.orders.Users;

import java.util.Optional;

/**
 * Who is looking at a page: the signed-in session (if any), the CSRF token this visitor's forms
 * must carry, and whether this node is a sandbox.
 */
record Visit(Optional<Users.Session> session, String csrfToken, boolean sandbox) {
    boolean signedIn() {
        return session.isPresent();
    }

    AccountId owner() {
        return session.orElseThrow(() -> new IllegalStateException("not signed in")).account();
    }
}
