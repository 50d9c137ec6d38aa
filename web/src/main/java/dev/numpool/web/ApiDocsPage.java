package dev.numpool.web;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API docs, rendered on the server from the OpenAPI document the API serves at
 * {@code /openapi.yaml} (the same file, read from the jar once): every operation by tag with its
 * parameters, body and answers, then the schemas. Nothing is fetched from elsewhere.
 */
final class ApiDocsPage {
    private static final List<String> METHODS = List.of("get", "post", "put", "patch", "delete");
    private static final Pattern CODE = Pattern.compile("`([^`]{1,200})`");

    private final String rendered;

    ApiDocsPage() {
        this.rendered = render(load());
    }

    void docs(Visit visit, ServerRequest req, ServerResponse res) {
        Website.send(res, 200, Html.page(visit, "API docs", "/developers/docs", rendered));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> load() {
        try (InputStream in = ApiDocsPage.class.getClassLoader().getResourceAsStream("dev/numpool/api/openapi.yaml")) {
            if (in == null) {
                throw new IllegalStateException("the OpenAPI document is missing from the api jar");
            }
            return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static String render(Map<String, Object> doc) {
        Map<String, Object> info = map(doc.get("info"));
        Map<String, Object> paths = map(doc.get("paths"));
        Map<String, List<String>> byTag = new LinkedHashMap<>();
        for (Object t : list(doc.get("tags"))) {
            byTag.put(String.valueOf(map(t).get("name")), new ArrayList<>());
        }
        StringBuilder toc = new StringBuilder("<nav class=\"toc\" aria-label=\"Operations\"><ul>");
        for (Map.Entry<String, Object> p : paths.entrySet()) {
            for (String method : METHODS) {
                Map<String, Object> op = map(map(p.getValue()).get(method));
                if (op.isEmpty()) {
                    continue;
                }
                String tag = list(op.get("tags")).isEmpty() ? "other" : String.valueOf(list(op.get("tags")).getFirst());
                byTag.computeIfAbsent(tag, k -> new ArrayList<>()).add(operation(method, p.getKey(), op));
            }
        }
        StringBuilder ops = new StringBuilder();
        byTag.forEach((tag, list) -> {
            if (list.isEmpty()) {
                return;
            }
            toc.append("<li><a href=\"#tag-").append(Html.escape(tag)).append("\">").append(Html.escape(tag)).append("</a></li>");
            ops.append("<section aria-labelledby=\"tag-").append(Html.escape(tag)).append("\"><h2 id=\"tag-").append(Html.escape(tag)).append("\">")
                    .append(Html.escape(tag)).append("</h2>");
            list.forEach(ops::append);
            ops.append("</section>");
        });
        toc.append("<li><a href=\"#schemas\">schemas</a></li></ul></nav>");
        StringBuilder schemas = new StringBuilder("<section aria-labelledby=\"schemas\"><h2 id=\"schemas\">Schemas</h2>");
        for (Map.Entry<String, Object> s : map(map(doc.get("components")).get("schemas")).entrySet()) {
            schemas.append("<h3 id=\"schema-").append(Html.escape(s.getKey())).append("\">").append(Html.escape(s.getKey())).append("</h3>")
                    .append(schema(map(s.getValue())));
        }
        schemas.append("</section>");
        return "<h1>" + Html.escape(String.valueOf(info.getOrDefault("title", "API"))) + "</h1>"
                + "<nav class=\"tabs\" aria-label=\"Developers\"><a href=\"/developers/keys\">API keys</a><a href=\"/developers/webhooks\">Webhooks</a>"
                + "<a href=\"/developers/docs\" aria-current=\"page\">API docs</a></nav>"
                + "<p class=\"lead\">" + text(String.valueOf(info.getOrDefault("summary", ""))) + "</p>"
                + paragraphs(String.valueOf(info.getOrDefault("description", "")))
                + "<p>The machine-readable document: <a href=\"/openapi.yaml\">/openapi.yaml</a> (OpenAPI 3.1).</p>"
                + toc + ops + schemas;
    }

    private static String operation(String method, String path, Map<String, Object> op) {
        StringBuilder out = new StringBuilder("<article class=\"op\"><h3><span class=\"method ").append(method).append("\">")
                .append(method.toUpperCase()).append("</span> <code class=\"wrap\">").append(Html.escape(path)).append("</code></h3>");
        if (op.get("summary") != null) {
            out.append("<p><strong>").append(text(String.valueOf(op.get("summary")))).append("</strong></p>");
        }
        if (op.get("description") != null) {
            out.append(paragraphs(String.valueOf(op.get("description"))));
        }
        List<Object> params = list(op.get("parameters"));
        if (!params.isEmpty()) {
            out.append("<table class=\"compact\"><caption>Parameters</caption><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">In</th>"
                    + "<th scope=\"col\">Type</th><th scope=\"col\">Description</th></tr></thead><tbody>");
            for (Object raw : params) {
                Map<String, Object> p = map(raw);
                if (p.containsKey("$ref")) {
                    out.append("<tr><td colspan=\"4\">").append(Html.escape(refName(p.get("$ref")))).append("</td></tr>");
                    continue;
                }
                out.append("<tr><td><code>").append(Html.escape(String.valueOf(p.get("name")))).append("</code>")
                        .append(Boolean.TRUE.equals(p.get("required")) ? " (required)" : "").append("</td><td>").append(Html.escape(String.valueOf(p.get("in"))))
                        .append("</td><td>").append(Html.escape(type(map(p.get("schema"))))).append("</td><td>")
                        .append(text(String.valueOf(p.getOrDefault("description", "")))).append("</td></tr>");
            }
            out.append("</tbody></table>");
        }
        Map<String, Object> body = map(op.get("requestBody"));
        if (!body.isEmpty()) {
            out.append("<p><strong>Body</strong>").append(Boolean.TRUE.equals(body.get("required")) ? " (required)" : " (optional)").append(":</p>");
            map(body.get("content")).forEach((type, content) -> out.append("<p class=\"hint\">").append(Html.escape(type)).append("</p>")
                    .append(schema(map(map(content).get("schema")))));
        }
        Map<String, Object> responses = map(op.get("responses"));
        if (!responses.isEmpty()) {
            out.append("<p><strong>Answers</strong></p><ul class=\"answers\">");
            responses.forEach((status, r) -> {
                Map<String, Object> response = map(r);
                String description = response.containsKey("$ref") ? refName(response.get("$ref")) : String.valueOf(response.getOrDefault("description", ""));
                out.append("<li><code>").append(Html.escape(status)).append("</code> ").append(text(description)).append("</li>");
            });
            out.append("</ul>");
        }
        return out.append("</article>").toString();
    }

    private static String schema(Map<String, Object> schema) {
        if (schema.containsKey("$ref")) {
            String name = refName(schema.get("$ref"));
            return "<p>See <a href=\"#schema-" + Html.escape(name) + "\">" + Html.escape(name) + "</a>.</p>";
        }
        StringBuilder out = new StringBuilder();
        if (schema.get("description") != null) {
            out.append("<p>").append(text(String.valueOf(schema.get("description")))).append("</p>");
        }
        Map<String, Object> properties = map(schema.get("properties"));
        if (properties.isEmpty()) {
            return out.append("<p class=\"hint\">").append(Html.escape(type(schema))).append("</p>").toString();
        }
        List<Object> required = list(schema.get("required"));
        out.append("<table class=\"compact\"><thead><tr><th scope=\"col\">Field</th><th scope=\"col\">Type</th><th scope=\"col\">Notes</th></tr></thead><tbody>");
        properties.forEach((name, raw) -> {
            Map<String, Object> p = map(raw);
            out.append("<tr><td><code>").append(Html.escape(name)).append("</code>").append(required.contains(name) ? " (required)" : "")
                    .append("</td><td>").append(Html.escape(type(p))).append("</td><td>").append(text(String.valueOf(p.getOrDefault("description", ""))))
                    .append("</td></tr>");
        });
        return out.append("</tbody></table>").toString();
    }

    /** A schema's type in a few words: {@code string}, {@code array of Offer}, {@code Offer}, {@code one of: a, b}. */
    private static String type(Map<String, Object> schema) {
        if (schema.isEmpty()) {
            return "";
        }
        if (schema.containsKey("$ref")) {
            return refName(schema.get("$ref"));
        }
        if (schema.get("enum") != null) {
            return "one of: " + String.join(", ", list(schema.get("enum")).stream().map(String::valueOf).toList());
        }
        Object t = schema.get("type");
        String type = t instanceof List<?> l ? String.join(" or ", l.stream().map(String::valueOf).toList()) : String.valueOf(t);
        if ("array".equals(type)) {
            return "array of " + type(map(schema.get("items")));
        }
        return "null".equals(type) ? "object" : type;
    }

    private static String refName(Object ref) {
        String s = String.valueOf(ref);
        return s.substring(s.lastIndexOf('/') + 1);
    }

    /** Escaped text with `code` spans. */
    private static String text(String raw) {
        String escaped = Html.escape(raw.strip());
        Matcher m = CODE.matcher(escaped);
        return m.replaceAll(r -> "<code>" + Matcher.quoteReplacement(r.group(1)) + "</code>");
    }

    private static String paragraphs(String raw) {
        StringBuilder out = new StringBuilder();
        for (String p : raw.strip().split("\\n\\s*\\n")) {
            if (!p.isBlank()) {
                out.append("<p>").append(text(p.replace('\n', ' '))).append("</p>");
            }
        }
        return out.toString();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return o instanceof List<?> l ? (List<Object>) l : List.of();
    }
}
