package dev.numpool.web;

import dev.numpool.orders.AccountId;
import dev.numpool.orders.Users;

import java.util.Optional;

/**
 * Who is looking at a page: the signed-in session (if any), the CSRF token this visitor's forms
 * must carry, whether this node is a sandbox, and, in test mode, the signed-in account's test
 * account, which every page then shows and acts on instead (see README "Test keys").
 */
record Visit(Optional<Users.Session> session, String csrfToken, boolean sandbox, Optional<AccountId> testAccount) {
    Visit(Optional<Users.Session> session, String csrfToken, boolean sandbox) {
        this(session, csrfToken, sandbox, Optional.empty());
    }

    boolean signedIn() {
        return session.isPresent();
    }

    /** The account the pages show: the test account in test mode, else the signed-in one. */
    AccountId owner() {
        return testAccount.orElseGet(() -> session.orElseThrow(() -> new IllegalStateException("not signed in")).account());
    }

    boolean testMode() {
        return testAccount.isPresent();
    }

    /** True when this visit's money is play money: a sandbox node, or test mode. */
    boolean playMoney() {
        return sandbox || testMode();
    }
}
