package dev.numpool.web;

import dev.numpool.inventory.Country;
import dev.numpool.inventory.Inventory;
import dev.numpool.inventory.Service;
import dev.numpool.orders.OperatorRole.Permission;
import dev.numpool.orders.Operators;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The console's catalogue: every service and country with the name customers see, renamed or
 * taken off sale here (admins; audited). Off sale, a service or country is neither listed,
 * priced nor sold on any API within seconds; activations already sold run their course.
 */
final class OpsCataloguePage {
    private static final int MAX_NAME = 64;

    private final Inventory inventory;

    OpsCataloguePage(Inventory inventory) {
        this.inventory = inventory;
    }

    void catalogue(Operators.Operator operator, Visit visit, ServerRequest req, ServerResponse res) {
        boolean mayChange = operator.role().may(Permission.CHANGE_CATALOGUE);
        StringBuilder services = new StringBuilder();
        for (Inventory.CatalogueEntry<Service> e : inventory.catalogueServices()) {
            services.append(row(visit, mayChange, "/ops/catalogue/services/" + e.entry().code(), e.entry().code(), e.entry().name(), e.enabled()));
        }
        StringBuilder countries = new StringBuilder();
        for (Inventory.CatalogueEntry<Country> e : inventory.catalogueCountries()) {
            countries.append(row(visit, mayChange, "/ops/catalogue/countries/" + e.entry().id(), e.entry().id() + " (" + e.entry().iso2() + ")",
                    e.entry().name(), e.enabled()));
        }
        String done = req.query().first("done").isPresent() ? Html.notice("ok", "Saved: every node shows it within seconds.") : "";
        OpsConsole.send(res, 200, visit, operator, "Catalogue", "/ops/catalogue", done + """
                <h1>Catalogue</h1>
                <p>The name customers see, and whether it is on sale. Off sale, it is neither listed, priced nor sold on any API;
                activations already sold run their course.</p>
                <h2 id="services">Services</h2>
                <table class="compact" aria-labelledby="services"><thead><tr><th scope="col">Code</th><th scope="col">Name</th>
                <th scope="col">On sale</th>%s</tr></thead><tbody>%s</tbody></table>
                <h2 id="countries">Countries</h2>
                <table class="compact" aria-labelledby="countries"><thead><tr><th scope="col">Id</th><th scope="col">Name</th>
                <th scope="col">On sale</th>%s</tr></thead><tbody>%s</tbody></table>
                """.formatted(mayChange ? "<th scope=\"col\"></th>" : "", services, mayChange ? "<th scope=\"col\"></th>" : "", countries));
    }

    private static String row(Visit visit, boolean mayChange, String action, String key, String name, boolean enabled) {
        if (!mayChange) {
            return "<tr><td>" + Html.escape(key) + "</td><td>" + Html.escape(name) + "</td><td>" + (enabled ? "yes" : "no") + "</td></tr>";
        }
        String form = "form-" + action.replaceAll("[^a-z0-9]", "-");
        return "<tr><td>" + Html.escape(key) + "</td><td><input form=\"" + form + "\" name=\"name\" value=\"" + Html.escape(name) + "\" required maxlength=\""
                + MAX_NAME + "\" aria-label=\"Name of " + Html.escape(key) + "\"></td><td><input form=\"" + form + "\" type=\"checkbox\" name=\"enabled\""
                + (enabled ? " checked" : "") + " aria-label=\"" + Html.escape(key) + " on sale\"></td><td><form id=\"" + form + "\" method=\"post\" action=\""
                + Html.escape(action) + "\" class=\"inline\">" + Html.csrfField(visit) + "<button type=\"submit\">Save</button></form></td></tr>";
    }

    void setService(Operators.Operator operator, Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        String code = req.path().pathParameters().get("code");
        Optional<String> name = name(visit, form, res);
        if (name.isEmpty()) {
            return;
        }
        if (!inventory.setService(code, name.get(), form.get("enabled").isPresent())) {
            throw new Website.NotFound("There is no service '" + code + "'.");
        }
        Website.redirect(res, "/ops/catalogue?done=1#services");
    }

    void setCountry(Operators.Operator operator, Visit visit, Website.Form form, ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        Optional<String> name = name(visit, form, res);
        if (name.isEmpty()) {
            return;
        }
        if (!id.matches("[0-9]{1,6}") || !inventory.setCountry(Integer.parseInt(id), name.get(), form.get("enabled").isPresent())) {
            throw new Website.NotFound("There is no country " + id + ".");
        }
        Website.redirect(res, "/ops/catalogue?done=1#countries");
    }

    /** The name typed, or empty once a 400 page said what is wrong with it. */
    private static Optional<String> name(Visit visit, Website.Form form, ServerResponse res) {
        String name = form.text("name").strip();
        if (name.isEmpty() || name.length() > MAX_NAME) {
            Website.errorPage(res, visit, 400, "Check the name", "A name is 1 to " + MAX_NAME + " characters. Nothing was changed.");
            return Optional.empty();
        }
        return Optional.of(name);
    }

    Optional<Object> serviceState(ServerRequest req) {
        String code = req.path().pathParameters().get("code");
        return inventory.catalogueServices().stream().filter(e -> e.entry().code().equals(code)).findFirst()
                .map(e -> state(e.entry().name(), e.enabled()));
    }

    Optional<Object> countryState(ServerRequest req) {
        String id = req.path().pathParameters().get("id");
        return inventory.catalogueCountries().stream().filter(e -> String.valueOf(e.entry().id()).equals(id)).findFirst()
                .map(e -> state(e.entry().name(), e.enabled()));
    }

    private static Object state(String name, boolean enabled) {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("name", name);
        state.put("enabled", enabled);
        return state;
    }
}
