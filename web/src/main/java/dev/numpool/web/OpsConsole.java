package dev.numpool.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.numpool.api.ApiRouter;
import dev.numpool.orders.OperatorAudit;
import dev.numpool.orders.OperatorRole.Permission;
import dev.numpool.orders.Operators;
import io.helidon.logging.common.HelidonMdc;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The operators' console under {@code /ops}: what every console page shares. In front of each
 * page, in this order: a visitor who is not signed in is sent to sign in (by {@link Website});
 * a signed-in customer gets the website's 404, as for any address that does not exist, so the
 * console does not tell customers it is there; an operator whose role needs a second factor
 * (admins, and anyone who enrolled one) and whose session has not passed it is sent to enrol or
 * to enter a code; an operator whose role may not do what a form asks gets 403. Every form
 * posted, refused or not, is written to the audit log with the operator's name, the state
 * before and after, and the request id, before the answer leaves.
 */
final class OpsConsole {
    private static final Logger LOG = Logger.getLogger(OpsConsole.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The request id the API's admission filter puts in the MDC (and in {@code X-Request-Id}). */
    static final String REQUEST_ID_KEY = ApiRouter.REQUEST_ID_KEY;

    private final Operators operators;
    private final OperatorAudit audit;
    private final OpsPages pages;
    private final OpsActivityPages activity;
    private final OpsPoolPage pool;
    private final OpsCataloguePage catalogue;
    private final OpsSecondFactor secondFactor;

    OpsConsole(Operators operators, OperatorAudit audit, OpsPages pages, OpsActivityPages activity, OpsPoolPage pool, OpsCataloguePage catalogue,
               OpsSecondFactor secondFactor) {
        this.operators = operators;
        this.audit = audit;
        this.pages = pages;
        this.activity = activity;
        this.pool = pool;
        this.catalogue = catalogue;
        this.secondFactor = secondFactor;
    }

    /** A console page, shown to an operator who may read. */
    @FunctionalInterface
    interface OpsPage {
        void handle(Operators.Operator operator, Visit visit, ServerRequest req, ServerResponse res);
    }

    /** A console form's POST, run only for an operator whose role permits it. */
    @FunctionalInterface
    interface OpsAction {
        void handle(Operators.Operator operator, Visit visit, Website.Form form, ServerRequest req, ServerResponse res);
    }

    /** The state a change is about, as JSON, read before and after it for the audit log. */
    @FunctionalInterface
    interface State {
        Optional<Object> read(ServerRequest req);

        State NONE = req -> Optional.empty();
    }

    void routing(HttpRouting.Builder routing, Website site) {
        routing.get("/ops", site.page(true, page(pages::providers)));
        routing.get("/ops/providers/{name}", site.page(true, page(activity::provider)));
        routing.post("/ops/providers/{name}/pause", site.form(true, action(Permission.PAUSE_PROVIDERS, "POST /ops/providers/{name}/pause",
                pages::providerState, pages::pause)));
        routing.get("/ops/markups", site.page(true, page(pages::markups)));
        routing.post("/ops/markups", site.form(true, action(Permission.CHANGE_MARKUPS, "POST /ops/markups", pages::markupState, pages::setMarkups)));
        routing.get("/ops/accounts", site.page(true, page(pages::accounts)));
        routing.get("/ops/accounts/{id}", site.page(true, page(pages::account)));
        routing.post("/ops/accounts/{id}/adjustments", site.form(true, action(Permission.ADJUST_BALANCES, "POST /ops/accounts/{id}/adjustments",
                pages::balanceState, pages::adjust)));
        routing.post("/ops/accounts/{id}/block", site.form(true, action(Permission.BLOCK_ACCOUNTS, "POST /ops/accounts/{id}/block",
                pages::blockState, pages::block)));
        routing.get("/ops/activations", site.page(true, page(pages::activations)));
        routing.get("/ops/activations/{id}", site.page(true, page(pages::activation)));
        routing.get("/ops/audit", site.page(true, page(pages::audit)));
        routing.get("/ops/money", site.page(true, page(activity::money)));
        routing.get("/ops/pool", site.page(true, page(pool::pool)));
        routing.get("/ops/catalogue", site.page(true, page(catalogue::catalogue)));
        routing.post("/ops/catalogue/services/{code}", site.form(true, action(Permission.CHANGE_CATALOGUE, "POST /ops/catalogue/services/{code}",
                catalogue::serviceState, catalogue::setService)));
        routing.post("/ops/catalogue/countries/{id}", site.form(true, action(Permission.CHANGE_CATALOGUE, "POST /ops/catalogue/countries/{id}",
                catalogue::countryState, catalogue::setCountry)));
        routing.post("/ops/pool", site.form(true, action(Permission.IMPORT_POOL, "POST /ops/pool", State.NONE, pool::importNumbers)));
        routing.get("/ops/delivery", site.page(true, page(activity::delivery)));
        routing.post("/ops/delivery/sms/{id}/code", site.form(true, action(Permission.REVIEW_CODES, "POST /ops/delivery/sms/{id}/code", State.NONE,
                activity::markCode)));
        routing.post("/ops/delivery/sms/{id}/dismiss", site.form(true, action(Permission.REVIEW_CODES, "POST /ops/delivery/sms/{id}/dismiss",
                State.NONE, activity::dismiss)));
        routing.get("/ops/templates", site.page(true, page(activity::templates)));
        routing.post("/ops/templates", site.form(true, action(Permission.REVIEW_CODES, "POST /ops/templates", State.NONE, activity::addTemplate)));
        routing.post("/ops/templates/{id}/remove", site.form(true, action(Permission.REVIEW_CODES, "POST /ops/templates/{id}/remove", State.NONE,
                activity::removeTemplate)));
        routing.get("/ops/enrol", site.page(true, (visit, req, res) -> secondFactor.enrolForm(operator(visit), visit.inEnglish(), req, res)));
        routing.post("/ops/enrol", site.form(true, (visit, form, req, res) -> secondFactor.enrol(operator(visit), visit.inEnglish(), form, req, res)));
        routing.post("/ops/enrol/new", site.form(true, (visit, form, req, res) -> secondFactor.restartEnrolment(operator(visit), visit.inEnglish(), form, req, res)));
        routing.get("/ops/verify", site.page(true, (visit, req, res) -> secondFactor.verifyForm(operator(visit), visit.inEnglish(), req, res)));
        routing.post("/ops/verify", site.form(true, (visit, form, req, res) -> secondFactor.verify(operator(visit), visit.inEnglish(), form, req, res)));
    }

    /** The visitor's operator role; a customer gets the 404 of an address that does not exist. */
    private Operators.Operator operator(Visit visit) {
        // The signed-in person's own account, never the test account test mode shows.
        return operators.operator(visit.session().orElseThrow().account()).orElseThrow(() -> new Website.NotFound(visit.texts().get(Website.NO_PAGE)));
    }

    /** True when the operator may go on; otherwise the answer (a redirect to the second factor) is sent. */
    private static boolean pastSecondFactor(Operators.Operator operator, Visit visit, ServerRequest req, ServerResponse res) {
        boolean needed = operator.role().needsSecondFactor() || operator.enrolled();
        if (!needed || visit.session().orElseThrow().secondFactor()) {
            return true;
        }
        String here = req.path().rawPath() + (req.query().rawValue().isEmpty() ? "" : "?" + req.query().rawValue());
        String next = "GET".equals(req.prologue().method().text()) ? here : "/ops";
        Website.redirect(res, (operator.enrolled() ? "/ops/verify" : "/ops/enrol") + "?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8));
        return false;
    }

    private Website.Page page(OpsPage page) {
        return (visit, req, res) -> {
            Operators.Operator operator = operator(visit);
            if (pastSecondFactor(operator, visit, req, res)) {
                page.handle(operator, visit.inEnglish(), req, res);
            }
        };
    }

    private Website.Action action(Permission permission, String name, State state, OpsAction action) {
        return (customerVisit, form, req, res) -> {
            Operators.Operator operator = operator(customerVisit);
            Visit visit = customerVisit.inEnglish();
            if (!pastSecondFactor(operator, visit, req, res)) {
                return;
            }
            if (!operator.role().may(permission)) {
                record(operator, name, req, form, Optional.empty(), Optional.empty(), 403);
                Website.errorPage(res, visit, 403, "Not allowed for your role", "Your role (" + operator.role().wire()
                        + ") cannot do this; an admin can. Nothing was changed, and the attempt was written to the audit log.");
                return;
            }
            Optional<Object> before = state.read(req);
            // Written just before the answer's first byte, whatever the answer is (a redirect, a
            // refusal, a 404 or 500 page): whoever sees the answer finds the entry already there.
            res.beforeSend(() -> {
                int status = res.status().code();
                Optional<Object> after = before;
                try {
                    after = status < 400 ? state.read(req) : before;
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "the state after " + name + " could not be read for the audit log", e);
                }
                record(operator, name, req, form, before, after, status);
            });
            action.handle(operator, visit, form, req, res);
        };
    }

    private void record(Operators.Operator operator, String name, ServerRequest req, Website.Form form, Optional<Object> before,
                        Optional<Object> after, int status) {
        try {
            ObjectNode target = JSON.createObjectNode();
            req.path().pathParameters().toMap().forEach((k, v) -> target.put(k, v.getFirst()));
            ObjectNode fields = JSON.createObjectNode();
            form.fields().forEach((k, v) -> {
                if (!k.equals("csrf")) {
                    fields.put(k, v);
                }
            });
            audit.record(operator.actor(), name, target.toString(), Optional.of(fields.toString()), before.map(this::json), after.map(this::json),
                    status, HelidonMdc.get(REQUEST_ID_KEY));
        } catch (RuntimeException e) {
            // The change stands (it committed on its own); the log says which entry is missing.
            LOG.log(Level.SEVERE, "console action " + name + " by " + operator.actor() + " (status " + status + ") not written to the audit log", e);
        }
    }

    private String json(Object state) {
        return JSON.valueToTree(state).toString();
    }

    /** A console page: the website's frame with the console's own navigation over {@code main}. */
    static void send(ServerResponse res, int status, Visit visit, Operators.Operator operator, String title, String current, String main) {
        StringBuilder nav = new StringBuilder("<nav class=\"tabs\" aria-label=\"Console\">");
        for (String[] link : new String[][]{{"/ops", "Providers"}, {"/ops/markups", "Markups"}, {"/ops/catalogue", "Catalogue"}, {"/ops/accounts", "Accounts"},
                {"/ops/activations", "Activations"}, {"/ops/money", "Money"}, {"/ops/delivery", "Delivery"}, {"/ops/templates", "Templates"}, {"/ops/pool", "Pool"}, {"/ops/audit", "Audit log"}}) {
            nav.append("<a href=\"").append(link[0]).append('"').append(link[0].equals(current) ? " aria-current=\"page\"" : "").append('>')
                    .append(link[1]).append("</a>");
        }
        nav.append("</nav><p class=\"who\">Console: ").append(Html.escape(operator.email())).append(" (").append(Html.escape(operator.role().wire()))
                .append(")</p>");
        Website.send(res, status, Html.page(visit, title + " · Console", current, nav + main));
    }
}
