package dev.numpool.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A person's visit to the website without a browser: keeps cookies as a browser would (by hand,
 * since the JDK's cookie manager will not send {@code Secure} cookies over plain http), follows
 * no redirects, and reads the CSRF token out of the last page's forms.
 */
final class Browserless {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

    private final String base;
    final Map<String, String> cookies = new LinkedHashMap<>();
    private String lastPage = "";

    Browserless(String base) {
        this.base = base;
    }

    record Page(int status, String body, java.net.http.HttpHeaders headers) {
        Optional<String> location() {
            return headers.firstValue("Location");
        }

        /** The values of the page's form fields of these names (hidden ones, as a browser would send them). */
        Map<String, String> fields(String... names) {
            Map<String, String> fields = new LinkedHashMap<>();
            for (String name : names) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("name=\"" + name + "\" value=\"([^\"]+)\"").matcher(body);
                if (!m.find()) {
                    throw new AssertionError("no field " + name + " on the page: " + body);
                }
                fields.put(name, m.group(1));
            }
            return fields;
        }
    }

    Page get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    /** Posts a form; {@code csrf} is added from the last page unless the fields name one (or {@code withCsrf} is false). */
    Page post(String path, Map<String, String> fields, boolean withCsrf) {
        Map<String, String> all = new LinkedHashMap<>(fields);
        if (withCsrf && !all.containsKey("csrf")) {
            all.put("csrf", csrf());
        }
        String body = all.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Page post(String path, Map<String, String> fields) {
        return post(path, fields, true);
    }

    String csrf() {
        Matcher m = CSRF.matcher(lastPage);
        if (!m.find()) {
            throw new AssertionError("no form with a CSRF token on the last page");
        }
        return m.group(1);
    }

    /** Signs up (the sign-up page first, for its token); returns the response to the POST. */
    Page signUp(String email, String password) {
        get("/sign-up");
        return post("/sign-up", Map.of("email", email, "password", password));
    }

    Page signIn(String email, String password) {
        get("/sign-in");
        return post("/sign-in", Map.of("email", email, "password", password, "next", "/balance"));
    }

    private Page send(HttpRequest.Builder request) {
        if (!cookies.isEmpty()) {
            request.header("Cookie", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("; ")));
        }
        try {
            HttpResponse<String> r = CLIENT.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            for (String set : r.headers().allValues("Set-Cookie")) {
                String pair = set.split(";", 2)[0];
                int eq = pair.indexOf('=');
                String name = pair.substring(0, eq);
                String value = pair.substring(eq + 1);
                if (value.isEmpty() || set.contains("Max-Age=0")) {
                    cookies.remove(name);
                } else {
                    cookies.put(name, value);
                }
            }
            if (r.headers().firstValue("Content-Type").orElse("").startsWith("text/html")) {
                lastPage = r.body();
            }
            return new Page(r.statusCode(), r.body(), r.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
