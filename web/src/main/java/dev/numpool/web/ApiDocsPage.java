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
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API docs, rendered on the server from the OpenAPI document the API serves at
 * {@code /openapi.yaml} (the same file, read from the jar once): every operation by tag with its
 * parameters, body and answers, then the schemas. Nothing is fetched from elsewhere.
 *
 * <p>In the visitor's language (texts {@code docs.*}): the page's own words, the headings, the
 * API's introduction and each operation's summary. Routes, field names, types, status codes and
 * code stay as they are. The longer descriptions of operations, parameters and fields are shown
 * as the OpenAPI document writes them (English), and the page says so. A translation is used only
 * while its English text ({@code docs.api.*}, {@code docs.op.*} in {@code docs_en}) is still the
 * document's: a changed summary shows in English until it is translated again, and
 * {@code TranslatedShopPagesTest} fails until then.
 */
final class ApiDocsPage {
    private static final List<String> METHODS = List.of("get", "post", "put", "patch", "delete");
    private static final Pattern CODE = Pattern.compile("`([^`]{1,200})`");

    private final Map<Texts.Language, String> rendered = new EnumMap<>(Texts.Language.class);
    private final Map<Texts.Language, String> renderedSchemas = new EnumMap<>(Texts.Language.class);

    ApiDocsPage() {
        Map<String, Object> doc = load();
        for (Texts.Language language : Texts.Language.values()) {
            rendered.put(language, render(doc, Texts.of(language)));
            renderedSchemas.put(language, renderSchemas(doc, Texts.of(language)));
        }
    }

    static final String SCHEMAS_PATH = "/developers/docs/schemas";

    void docs(Visit visit, ServerRequest req, ServerResponse res) {
        Website.send(res, 200, Html.page(visit, visit.texts().get("docs.title"), "/developers/docs", rendered.get(visit.texts().language())));
    }

    void schemas(Visit visit, ServerRequest req, ServerResponse res) {
        Website.send(res, 200, Html.page(visit, visit.texts().get("docs.schemas"), "/developers/docs", renderedSchemas.get(visit.texts().language())));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> load() {
        try (InputStream in = ApiDocsPage.class.getClassLoader().getResourceAsStream("dev/numpool/api/openapi.yaml")) {
            if (in == null) {
                throw new IllegalStateException("the OpenAPI document is missing from the api jar");
            }
            return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The key of an operation's translated summary: {@code docs.op.post-v1-activations-id-cancel}. */
    static String operationKey(String method, String path) {
        return "docs.op." + (method + path.toLowerCase(Locale.ROOT)).replaceAll("[^a-z0-9]+", "-").replaceAll("-$", "");
    }

    /**
     * The document's English {@code text} in this language: the translation under {@code key}
     * while its English is still {@code text}, else the text itself.
     */
    static String translated(Texts t, String key, String text) {
        if (t.language() == Texts.Language.EN || !t.has(key) || !text.equals(Texts.of(Texts.Language.EN).get(key))) {
            return text;
        }
        return t.get(key);
    }

    /** The introduction's paragraphs, as the page shows them (one line each). */
    static List<String> paragraphList(String raw) {
        List<String> out = new ArrayList<>();
        for (String p : raw.strip().split("\\n\\s*\\n")) {
            if (!p.isBlank()) {
                out.add(p.replace('\n', ' ').strip());
            }
        }
        return out;
    }

    static String render(Map<String, Object> doc, Texts t) {
        Map<String, Object> info = map(doc.get("info"));
        Map<String, Object> paths = map(doc.get("paths"));
        Map<String, List<String>> byTag = new LinkedHashMap<>();
        for (Object tag : list(doc.get("tags"))) {
            byTag.put(String.valueOf(map(tag).get("name")), new ArrayList<>());
        }
        StringBuilder toc = new StringBuilder("<nav class=\"toc\" aria-label=\"" + Html.escape(t.get("docs.operations")) + "\"><ul>");
        for (Map.Entry<String, Object> p : paths.entrySet()) {
            for (String method : METHODS) {
                Map<String, Object> op = map(map(p.getValue()).get(method));
                if (op.isEmpty()) {
                    continue;
                }
                String tag = list(op.get("tags")).isEmpty() ? "other" : String.valueOf(list(op.get("tags")).getFirst());
                byTag.computeIfAbsent(tag, k -> new ArrayList<>()).add(operation(t, method, p.getKey(), op));
            }
        }
        StringBuilder ops = new StringBuilder();
        byTag.forEach((tag, list) -> {
            if (list.isEmpty()) {
                return;
            }
            String heading = Html.escape(translated(t, "docs.tag." + tag, tag));
            toc.append("<li><a href=\"#tag-").append(Html.escape(tag)).append("\">").append(heading).append("</a></li>");
            ops.append("<section aria-labelledby=\"tag-").append(Html.escape(tag)).append("\"><h2 id=\"tag-").append(Html.escape(tag)).append("\">")
                    .append(heading).append("</h2>");
            list.forEach(ops::append);
            ops.append("</section>");
        });
        toc.append("<li><a href=\"").append(SCHEMAS_PATH).append("\">").append(Html.escape(t.get("docs.schemas.link"))).append("</a></li></ul></nav>");
        StringBuilder intro = new StringBuilder();
        List<String> paragraphs = paragraphList(String.valueOf(info.getOrDefault("description", "")));
        for (int i = 0; i < paragraphs.size(); i++) {
            intro.append("<p>").append(text(translated(t, "docs.api.intro." + (i + 1), paragraphs.get(i)))).append("</p>");
        }
        return "<h1>" + Html.escape(translated(t, "docs.api.title", String.valueOf(info.getOrDefault("title", "API")))) + "</h1>"
                + DeveloperPages.tabs(t, "/developers/docs")
                + "<p class=\"lead\">" + text(translated(t, "docs.api.summary", String.valueOf(info.getOrDefault("summary", "")).strip())) + "</p>"
                + intro
                + "<p>" + Markup.of(t, "docs.machine-readable", "<a href=\"/openapi.yaml\">/openapi.yaml</a>") + "</p>"
                + (t.language() == Texts.Language.EN ? "" : "<p class=\"hint\">" + Html.escape(t.get("docs.in-english")) + "</p>")
                + toc + ops;
    }

    /** The schemas the operations name, on a page of their own (one page of both outgrew 100 KB in Russian). */
    static String renderSchemas(Map<String, Object> doc, Texts t) {
        StringBuilder schemas = new StringBuilder("<h1 id=\"schemas\">" + Html.escape(t.get("docs.schemas")) + "</h1>"
                + DeveloperPages.tabs(t, "/developers/docs")
                + "<p><a href=\"/developers/docs\">" + Html.escape(t.get("docs.operations")) + "</a></p>");
        for (Map.Entry<String, Object> s : map(map(doc.get("components")).get("schemas")).entrySet()) {
            schemas.append("<h2 id=\"schema-").append(Html.escape(s.getKey())).append("\">").append(Html.escape(s.getKey())).append("</h2>")
                    .append(schema(t, map(s.getValue())));
        }
        return schemas.toString();
    }

    private static String operation(Texts t, String method, String path, Map<String, Object> op) {
        StringBuilder out = new StringBuilder("<article class=\"op\"><h3><span class=\"method ").append(method).append("\">")
                .append(method.toUpperCase(Locale.ROOT)).append("</span> <code class=\"wrap\">").append(Html.escape(path)).append("</code></h3>");
        if (op.get("summary") != null) {
            out.append("<p><strong>").append(text(translated(t, operationKey(method, path), String.valueOf(op.get("summary")).strip()))).append("</strong></p>");
        }
        if (op.get("description") != null) {
            out.append(paragraphs(String.valueOf(op.get("description"))));
        }
        String required = " " + Html.escape(t.get("docs.required"));
        List<Object> params = list(op.get("parameters"));
        if (!params.isEmpty()) {
            out.append("<table class=\"compact wrap\"><caption>").append(Html.escape(t.get("docs.parameters"))).append("</caption><thead><tr>")
                    .append(th(t, "docs.column.name")).append(th(t, "docs.column.in")).append(th(t, "docs.column.type"))
                    .append(th(t, "docs.column.description")).append("</tr></thead><tbody>");
            for (Object raw : params) {
                Map<String, Object> p = map(raw);
                if (p.containsKey("$ref")) {
                    out.append("<tr><td colspan=\"4\">").append(Html.escape(refName(p.get("$ref")))).append("</td></tr>");
                    continue;
                }
                out.append("<tr><td><code>").append(Html.escape(String.valueOf(p.get("name")))).append("</code>")
                        .append(Boolean.TRUE.equals(p.get("required")) ? required : "").append("</td><td>").append(Html.escape(String.valueOf(p.get("in"))))
                        .append("</td><td>").append(Html.escape(type(t, map(p.get("schema"))))).append("</td><td>")
                        .append(text(String.valueOf(p.getOrDefault("description", "")))).append("</td></tr>");
            }
            out.append("</tbody></table>");
        }
        Map<String, Object> body = map(op.get("requestBody"));
        if (!body.isEmpty()) {
            out.append("<p>").append(Markup.strong(t, Boolean.TRUE.equals(body.get("required")) ? "docs.body.required" : "docs.body.optional")).append("</p>");
            map(body.get("content")).forEach((type, content) -> out.append("<p class=\"hint\">").append(Html.escape(type)).append("</p>")
                    .append(schema(t, map(map(content).get("schema")))));
        }
        Map<String, Object> responses = map(op.get("responses"));
        if (!responses.isEmpty()) {
            out.append("<p><strong>").append(Html.escape(t.get("docs.answers"))).append("</strong></p><ul class=\"answers\">");
            responses.forEach((status, r) -> {
                Map<String, Object> response = map(r);
                String description = response.containsKey("$ref") ? refName(response.get("$ref")) : String.valueOf(response.getOrDefault("description", ""));
                out.append("<li><code>").append(Html.escape(status)).append("</code> ").append(text(description)).append("</li>");
            });
            out.append("</ul>");
        }
        return out.append("</article>").toString();
    }

    /** A column's heading: in a {@code thead} it heads its column without a {@code scope}, and the page has hundreds of them. */
    private static String th(Texts t, String key) {
        return "<th>" + Html.escape(t.get(key)) + "</th>";
    }

    private static String schema(Texts t, Map<String, Object> schema) {
        if (schema.containsKey("$ref")) {
            String name = refName(schema.get("$ref"));
            return "<p>" + Markup.of(t, "docs.see", "<a href=\"" + SCHEMAS_PATH + "#schema-" + Html.escape(name) + "\">" + Html.escape(name) + "</a>") + "</p>";
        }
        StringBuilder out = new StringBuilder();
        if (schema.get("description") != null) {
            out.append("<p>").append(text(String.valueOf(schema.get("description")))).append("</p>");
        }
        Map<String, Object> properties = map(schema.get("properties"));
        if (properties.isEmpty()) {
            return out.append("<p class=\"hint\">").append(Html.escape(type(t, schema))).append("</p>").toString();
        }
        List<Object> required = list(schema.get("required"));
        String requiredMark = " " + Html.escape(t.get("docs.required"));
        out.append("<table class=\"compact wrap\"><thead><tr>").append(th(t, "docs.column.field")).append(th(t, "docs.column.type"))
                .append(th(t, "docs.column.notes")).append("</tr></thead><tbody>");
        properties.forEach((name, raw) -> {
            Map<String, Object> p = map(raw);
            out.append("<tr><td><code>").append(Html.escape(name)).append("</code>").append(required.contains(name) ? requiredMark : "")
                    .append("</td><td>").append(Html.escape(type(t, p))).append("</td><td>").append(text(String.valueOf(p.getOrDefault("description", ""))))
                    .append("</td></tr>");
        });
        return out.append("</tbody></table>").toString();
    }

    /** A schema's type in a few words: {@code string}, {@code array of Offer}, {@code Offer}, {@code one of: a, b} (not escaped). */
    private static String type(Texts t, Map<String, Object> schema) {
        if (schema.isEmpty()) {
            return "";
        }
        if (schema.containsKey("$ref")) {
            return refName(schema.get("$ref"));
        }
        if (schema.get("enum") != null) {
            return t.get("docs.type.one-of", String.join(", ", list(schema.get("enum")).stream().map(String::valueOf).toList()));
        }
        Object ty = schema.get("type");
        String type = ty instanceof List<?> l ? l.stream().map(String::valueOf).reduce((a, b) -> t.get("docs.type.or", a, b)).orElse("")
                : String.valueOf(ty);
        if ("array".equals(type)) {
            return t.get("docs.type.array-of", type(t, map(schema.get("items"))));
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
